"""report/index.html: self-contained (inline CSS, no network). The matrix, then per configuration
its cases with status and reason, the QEMU command line that reproduces the run, and the console log."""
import html
import time

from . import matrix
from . import results as R

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;font-family:monospace}
.pass{background:#dff5df}.fail,.timeout,.missing{background:#f8d4d4}.xfail{background:#fbeccb}
.skip{background:#eee}.xpass{background:#f5b0e8;font-weight:bold}.verdict-pass{color:#176d17}.verdict-fail{color:#a11}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
details{margin:.4em 0}summary{cursor:pointer}.muted{color:#777}
"""


def _e(s):
    return html.escape(str(s), quote=True)


def _cell_class(counts):
    if counts["U"]:
        return "xpass"
    if counts["F"]:
        return "fail"
    if counts["X"]:
        return "xfail"
    if counts["P"]:
        return "pass"
    return "skip"


def _matrix(ran):
    out = ["<table><tr><th>group</th>"]
    out += ["<th>%s</th>" % _e(r.label) for r in ran]
    out.append("</tr>")
    for g in R.groups(ran) + [None]:
        out.append("<tr><th>%s</th>" % _e(g or "total"))
        for r in ran:
            c = r.counts(g)
            if not any(c.values()):
                out.append('<td class="n">-</td>')
            else:
                out.append('<td class="n %s">%s</td>' % (_cell_class(c), _e(matrix.cell(c))))
        out.append("</tr>")
    out.append("</table><p class=muted>cells: passed/failed/expected-fail/skipped (+N U = unexpected passes)</p>")
    return "".join(out)


def _config(r):
    out = ['<h2 id="%s">%s</h2>' % (_e(r.label), _e(r.label))]
    if not r.available:
        out.append("<p>unavailable: %s</p>" % _e(r.unavailable_reason))
        return "".join(out)
    status = ("timed out after %ss" % r.timeout if r.timed_out else r.problem if r.problem
              else "guest exit status %s" % r.guest_status)
    out.append("<p>QEMU %s (%s), %.2f s, %s</p>" % (_e(r.qemu_version), _e(r.qemu_binary), r.elapsed, _e(status)))
    out.append("<table><tr><th>#</th><th>case</th><th>status</th><th>reason</th></tr>")
    for c in r.cases:
        reason = _e(c.reason)
        if c.details:
            reason += "<details><summary>diagnostics</summary><pre>%s</pre></details>" % _e("\n".join(c.details))
        out.append('<tr class="%s"><td class="n">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                   % (c.status, c.number, _e(c.name), c.status.upper(), reason))
    out.append("</table>")
    out.append("<p>Reproduce:</p><pre>%s</pre>" % _e(r.reproduce))
    out.append("<details><summary>console log (%d lines)</summary><pre>%s</pre></details>"
               % (len(r.console.splitlines()), _e(r.console)))
    if r.stderr.strip():
        out.append("<details><summary>QEMU stderr</summary><pre>%s</pre></details>" % _e(r.stderr))
    return "".join(out)


def build(all_results, verdict, meta):
    ran = [r for r in all_results if r.available]
    t = matrix.totals(all_results)
    parts = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>viommu conformance</title>",
             "<style>%s</style></head><body>" % CSS,
             "<h1>viommu conformance: <span class=verdict-%s>%s</span></h1>"
             % ("pass" if verdict == "pass" else "fail", _e(verdict.upper())),
             "<p>%s &mdash; %d passed, %d failed, %d expected failures, %d skipped, %d unexpected passes</p>"
             % (_e(time.strftime("%Y-%m-%d %H:%M:%S")), t["P"], t["F"], t["X"], t["S"], t["U"]),
             "<p class=muted>%s</p>" % _e(meta),
             _matrix(ran) if ran else "<p>No configuration ran.</p>"]
    failed = [(r, c) for r in all_results for c in r.cases if c.status in R.FAILED + (R.XPASS,)]
    if failed:
        parts.append("<h2>Failures</h2><table><tr><th>configuration</th><th>case</th><th>status</th><th>reason</th></tr>")
        for r, c in failed:
            parts.append('<tr class="%s"><td><a href="#%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>'
                         % (c.status, _e(r.label), _e(r.label), _e(c.name), c.status.upper(), _e(c.reason)))
        parts.append("</table>")
    for r in all_results:
        parts.append(_config(r))
    parts.append("</body></html>\n")
    return "".join(parts)


def write(all_results, verdict, meta, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(build(all_results, verdict, meta))
