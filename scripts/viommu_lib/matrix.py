"""The conformance matrix on the terminal: rows = test group, columns = configuration,
cells 'P/F/X/S' (passed/failed/expected-fail/skipped) plus '+nU' for unexpected passes;
then every failed case with its reason."""
from . import results as R


def cell(counts):
    if not any(counts.values()):
        return "-"
    s = "%d/%d/%d/%d" % (counts["P"], counts["F"], counts["X"], counts["S"])
    if counts["U"]:
        s += "+%dU" % counts["U"]
    return s


def render(all_results):
    ran = [r for r in all_results if r.available]
    lines = []
    groups = R.groups(ran)
    headers = ["group"] + [r.config for r in ran]
    versions = [""] + ["qemu %s" % r.qemu_series for r in ran]
    rows = []
    for g in groups:
        rows.append([g] + [cell(r.counts(g)) for r in ran])
    rows.append(["total"] + [cell(r.counts()) for r in ran])
    widths = [max(len(row[i]) for row in [headers, versions] + rows) for i in range(len(headers))]

    def fmt(row):
        return "  ".join(v.ljust(widths[0]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(row)).rstrip()

    lines.append(fmt(headers))
    lines.append(fmt(versions))
    lines.append("  ".join("-" * w for w in widths))
    for row in rows[:-1]:
        lines.append(fmt(row))
    lines.append("  ".join("-" * w for w in widths))
    lines.append(fmt(rows[-1]))
    lines.append("cells: passed/failed/expected-fail/skipped (+N U = unexpected passes)")
    for r in all_results:
        if not r.available:
            lines.append("unavailable: %s (%s)" % (r.config, r.unavailable_reason))
    return "\n".join(lines)


def failures(all_results):
    """Lines listing every failed case (and every unexpected pass, loudly)."""
    lines = []
    for r in all_results:
        for c in r.cases:
            if c.status in R.FAILED:
                lines.append("FAIL  %s  %s: %s" % (r.label, c.name, c.reason))
                for d in c.details[-6:]:
                    lines.append("        # " + d)
    for r in all_results:
        for c in r.cases:
            if c.status == R.XPASS:
                lines.append("XPASS %s  %s: %s" % (r.label, c.name, c.reason))
    return lines


def totals(all_results):
    t = dict.fromkeys(R.LETTERS, 0)
    for r in all_results:
        for k, v in r.counts().items():
            t[k] += v
    return t
