"""report/index.html: self-contained (inline CSS, no network, no script). First, per implementation, what is
wrong with it (MUST deviations, SHOULD warnings, notes; one row per root cause), then the matrix (rows =
configuration x group, columns = implementation; each cell opens its cases, a failing case with its
expected-vs-observed lines and the command line reproducing it), the cases whose outcome differs between
implementations, then per run its cases, the command line and the console log."""
import html
import os
import time

from . import deviations, matrix
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
table.matrix td details{margin:0}table.matrix ul.cases{text-align:left;font-family:system-ui,sans-serif;margin:.3em 0;padding-left:1.2em;min-width:30em}
.known{background:#fbeccb}.new{background:#f8d4d4;font-weight:bold}.should{background:#fff6cc}.note{background:#eef4ff}
.na{background:#ffe1a8;font-weight:bold}.unavailable{border:2px solid #c60;background:#fff3e0;padding:.2em .8em;font-weight:bold}
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


def _anchor(r):
    return "run-" + "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in r.label)


def _case_item(r, c):
    """One case inside a matrix cell: status, name, and for a failure its expected-vs-observed lines and
    the exact command line reproducing the run."""
    out = ['<li class="%s"><b>%s</b> %s' % (c.status, _e(c.status.upper()), _e(c.name))]
    if c.reason:
        out.append(' &mdash; %s' % _e(c.reason))
    if c.checks and c.status not in R.FAILED:
        out.append("<pre>%s</pre>" % _e("\n".join("%s %s %s [%s]: %s" % (k.result, k.id, k.strength, k.ref, k.message)
                                                   for k in c.checks)))
    if c.status in R.FAILED + (R.XPASS,):
        if c.details:
            out.append("<pre>%s</pre>" % _e("\n".join(c.details)))
        out.append('<div class=muted>reproduce (%s):</div><pre class=cmd>%s</pre>' % (_e(r.label), _e(r.reproduce)))
    out.append("</li>")
    return "".join(out)


def _cell(by_row, row, impl, group):
    c = matrix.counts_at(by_row, row, impl, group)
    if c is None:
        return '<td class="n none"></td>'
    if c == "n/a":
        return '<td class="n na">n/a</td>'
    if not any(c.values()):
        return '<td class="n">-</td>'
    rs = [r for r in by_row[row] if r.implementation == impl and r.available]
    items = "".join(_case_item(r, case) for r in rs for case in r.cases if case.group == group)
    return ('<td class="n %s"><details><summary>%s</summary><ul class=cases>%s</ul></details></td>'
            % (_cell_class(c), _e(matrix.cell(c)), items))


def _matrix(all_results):
    impls = matrix.implementations(all_results)
    row_list, by_row = matrix.rows(all_results)
    out = ['<table id=matrix class=matrix><thead><tr><th>configuration</th><th>group</th>']
    out += ['<th class=impl>%s</th>' % _e(i) for i in impls]
    out.append("</tr></thead><tbody>")
    for row, g in row_list:
        out.append('<tr><th class=config>%s</th><th class=group>%s</th>' % (_e(row), _e(g)))
        out += [_cell(by_row, row, i, g) for i in impls]
        out.append("</tr>")
    out.append('<tr class=total><th>total</th><th></th>')
    for i in impls:
        if any(r.available for r in all_results if r.implementation == i):
            c = matrix.column_totals(all_results, i)
            out.append('<td class="n %s">%s</td>' % (_cell_class(c), _e(matrix.cell(c))))
        else:
            out.append('<td class="n na">n/a</td>')
    out.append("</tr></tbody></table><p class=muted>cells: passed/failed/known deviations/skipped (+N U = unexpected "
               "passes); click a cell for its cases; n/a = implementation unavailable</p>")
    hidden = matrix.hidden_rows(all_results)
    if hidden:
        out.append("<p class=muted>not shown: %d configuration x group rows whose every case skipped on every "
                   "implementation (not applicable there; counted in the totals and listed per run below)</p>"
                   % hidden)
    loud = matrix.unavailable_lines(all_results)
    if loud:
        out.append('<div class=unavailable>%s</div>' % "".join("<p>%s</p>" % _e(l) for l in loud))
    return "".join(out)


def _deviations(all_results):
    """Per implementation: the headline counts, then one row per root cause."""
    summary = deviations.summary(all_results)
    out = ["<section id=deviations><h2>What is wrong, per implementation</h2>"]
    if not summary:
        out.append("<p>No implementation ran.</p>")
    for impl, entry in summary.items():
        out.append('<h3 class=headline>%s</h3>' % _e(entry["headline"]))
        rows = [(kind, c) for kind, _ in deviations.KINDS for c in entry[kind]]
        if not rows:
            continue
        out.append("<table class=causes><tr><th>strength</th><th>clause</th><th>what</th><th>checks</th>"
                   "<th>failed checks / cases</th><th>seen in</th><th>status</th></tr>")
        for kind, c in rows:
            css = {"fail": "known" if c["known"] else "new", "warn": "should", "note": "note"}[kind]
            status = ("known (%s)" % c["known"] if c["known"] else "NEW" if kind == "fail" else "")
            if c["fix"]:
                status += "; fix: %s" % c["fix"]
            out.append('<tr class=%s><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=n>%d / %d</td>'
                       '<td>%s</td><td>%s</td></tr>'
                       % (css, _e(c["strength"] if kind != "note" else "OPEN"), _e(c["clause"]), _e(c["what"]),
                          _e(" ".join(c["checks"])), c["failed_checks"], c["cases"], _e(", ".join(c["seen_in"])),
                          _e(status)))
        out.append("</table>")
    out.append("</section>")
    return "".join(out)


def _differences(all_results):
    diffs = R.differences(all_results)
    if not diffs:
        return "<h2 id=differences>Outcomes that differ between implementations</h2><p>none</p>"
    impls = matrix.implementations([r for r in all_results if r.available])
    out = ["<h2 id=differences>Outcomes that differ between implementations (%d)</h2>" % len(diffs),
           "<table><tr><th>configuration</th><th>case</th>%s</tr>" % "".join("<th>%s</th>" % _e(i) for i in impls)]
    for row, name, seen in diffs:
        d = dict(seen)
        out.append("<tr><td>%s</td><td>%s</td>%s</tr>" % (_e(row), _e(name), "".join(
            '<td class="%s">%s</td>' % (d.get(i, ""), _e(d.get(i, ""))) for i in impls)))
    out.append("</table>")
    return "".join(out)


def _config(r):
    out = ['<h2 id="%s">%s</h2>' % (_e(_anchor(r)), _e(r.label))]
    if not r.available:
        out.append("<p>unavailable: %s</p>" % _e(r.unavailable_reason))
        return "".join(out)
    status = ("timed out after %ss" % r.timeout if r.timed_out else r.problem if r.problem
              else "guest exit status %s" % r.guest_status)
    what = ("hosted model runner %s" % r.qemu_binary if r.arch == "host"
            else "QEMU %s (%s)" % (r.qemu_version, r.qemu_binary))
    out.append("<p>%s, %.2f s, %s</p>" % (_e(what), r.elapsed, _e(status)))
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
    t = matrix.totals(all_results)
    parts = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>viommu conformance</title>",
             "<style>%s</style></head><body>" % CSS,
             "<h1>viommu conformance: <span class=verdict-%s>%s</span></h1>"
             % ("pass" if verdict == "pass" else "fail", _e(verdict.upper())),
             "<p>%s &mdash; %d passed, %d failed, %d known deviations, %d skipped, %d unexpected passes</p>"
             % (_e(time.strftime("%Y-%m-%d %H:%M:%S")), t["P"], t["F"], t["X"], t["S"], t["U"]),
             "<p class=muted>%s</p>" % _e(meta),
             _deviations(all_results),
             "<h2 id=matrix-title>Matrix</h2>",
             _matrix(all_results) if all_results else "<p>No configuration ran.</p>",
             _differences(all_results)]
    failed = [(r, c) for r in all_results for c in r.cases if c.status in R.FAILED + (R.XPASS,)]
    if failed:
        parts.append("<h2>Failures</h2><table><tr><th>configuration</th><th>case</th><th>status</th><th>reason</th></tr>")
        for r, c in failed:
            parts.append('<tr class="%s"><td><a href="#%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>'
                         % (c.status, _e(_anchor(r)), _e(r.label), _e(c.name), c.status.upper(), _e(c.reason)))
        parts.append("</table>")
    for r in all_results:
        parts.append(_config(r))
    parts.append("</body></html>\n")
    return "".join(parts)


def write(all_results, verdict, meta, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(build(all_results, verdict, meta))
    # The benchmark's chart stays in the page when the report directory has one (scripts/viommu bench).
    from . import report_bench
    text = report_bench.section_from_report(os.path.dirname(path))
    if text:
        report_bench.embed(path, text)
