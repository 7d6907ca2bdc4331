"""The conformance matrix on the terminal: rows = configuration x test group, columns = implementation
(qemu 7.2, qemu 10.0, a user's QEMU, the reference model), cells 'P/F/X/S' (passed/failed/passed with known
deviations/skipped) plus '+nU' for unexpected passes; then every case whose outcome differs between implementations,
then every failed case with its reason."""
from . import results as R


def cell(counts):
    if not any(counts.values()):
        return "-"
    s = "%d/%d/%d/%d" % (counts["P"], counts["F"], counts["X"], counts["S"])
    if counts["U"]:
        s += "+%dU" % counts["U"]
    return s


def implementations(all_results):
    """Column titles in first-seen order (unavailable implementations included: they are reported)."""
    out = []
    for r in all_results:
        if r.implementation not in out:
            out.append(r.implementation)
    return out


def _all_skipped(rs, group):
    """Every case of the group skipped on every implementation: the group does not apply to this
    configuration (e.g. smmuv3.* without an SMMU). Such rows are left out of the matrix, not the totals."""
    for r in rs:
        c = r.counts(group)
        if c["P"] or c["F"] or c["X"] or c["U"]:
            return False
    return True


def rows(all_results, skipped_too=False):
    """[(config, group)] in configuration order, groups sorted; plus the results of each row config.
    Rows whose cases were all skipped everywhere are left out unless skipped_too."""
    order, by_row = [], {}
    for r in all_results:
        for row in r.rows:
            if row not in by_row:
                order.append(row)
                by_row[row] = []
            by_row[row].append(r)
    out = []
    for row in order:
        ran = [r for r in by_row[row] if r.available]
        for g in R.groups(ran):
            if skipped_too or not _all_skipped(ran, g):
                out.append((row, g))
    return out, by_row


def hidden_rows(all_results):
    """How many configuration x group rows rows() leaves out (every case skipped everywhere)."""
    return len(rows(all_results, True)[0]) - len(rows(all_results)[0])


def counts_at(by_row, row, impl, group=None):
    """Counts of one cell, or None when that implementation has no run for the row."""
    rs = [r for r in by_row.get(row, []) if r.implementation == impl]
    if not rs:
        return None
    if not any(r.available for r in rs):
        return "n/a"
    c = dict.fromkeys(R.LETTERS, 0)
    for r in rs:
        for k, v in r.counts(group).items():
            c[k] += v
    return c


def column_totals(all_results, impl):
    c = dict.fromkeys(R.LETTERS, 0)
    for r in all_results:
        if r.implementation == impl and r.available:
            for k, v in r.counts().items():
                c[k] += v
    return c


def _text(c):
    if c is None:
        return ""
    if c == "n/a":
        return "n/a"
    return cell(c)


def render(all_results):
    impls = implementations(all_results)
    row_list, by_row = rows(all_results)
    header = ["configuration", "group"] + impls
    table = []
    last = None
    for row, g in row_list:
        table.append([row if row != last else "", g] + [_text(counts_at(by_row, row, i, g)) for i in impls])
        last = row
    total = ["total", ""] + [cell(column_totals(all_results, i))
                             if any(r.available for r in all_results if r.implementation == i) else "n/a"
                             for i in impls]
    widths = [max(len(x[i]) for x in [header, total] + table) for i in range(len(header))]

    def fmt(row):
        return "  ".join(v.ljust(widths[i]) if i < 2 else v.rjust(widths[i]) for i, v in enumerate(row)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [fmt(header), rule] + [fmt(x) for x in table] + [rule, fmt(total)]
    lines.append("cells: passed/failed/known deviations (only expected checks failed)/skipped "
                 "(+N U = unexpected passes); n/a = implementation unavailable")
    hidden = hidden_rows(all_results)
    if hidden:
        lines.append("not shown: %d configuration x group rows whose every case skipped on every implementation "
                     "(not applicable there; counted in the totals)" % hidden)
    lines += unavailable_lines(all_results)
    return "\n".join(lines)


def unavailable_lines(all_results):
    """Every configuration x implementation that could not run, once per reason, LOUDLY."""
    lines, seen = [], set()
    for r in all_results:
        if r.available:
            continue
        key = (r.implementation, r.unavailable_reason)
        configs_ = [x.config for x in all_results if not x.available and
                    (x.implementation, x.unavailable_reason) == key]
        if key in seen:
            continue
        seen.add(key)
        lines.append("UNAVAILABLE: %s for %s: %s" % (r.implementation, ", ".join(configs_), r.unavailable_reason))
    return lines


def difference_lines(all_results):
    """Every case whose outcome (pass/fail/skip, before expectations) differs between implementations."""
    diffs = R.differences(all_results)
    if not diffs:
        return []
    lines = ["outcomes that differ between implementations (%d):" % len(diffs)]
    for row, name, seen in diffs:
        lines.append("DIFF  %s  %s: %s" % (row, name, ", ".join("%s %s" % (i, o) for i, o in seen)))
    return lines


def failures(all_results):
    """Lines listing every failed case (and every unexpected pass, loudly)."""
    lines = []
    for r in all_results:
        for c in r.cases:
            if c.status in R.FAILED:
                lines.append("FAIL  %s  %s: %s" % (r.label, c.name, c.reason))
                failed = [k for k in c.checks if k.result == "fail"]
                new = [k for k in failed if k.expectation is None]
                for k in new[:6]:
                    lines.append("        # %s %s [%s]: %s" % (k.id, k.strength, k.ref, k.message))
                if len(failed) > len(new):
                    lines.append("        # (+%d known deviation checks)" % (len(failed) - len(new)))
                if not new:
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
