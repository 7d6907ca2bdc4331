"""What is wrong with each implementation, first: per implementation the counts ('qemu 10.0: N MUST
deviations, M SHOULD warnings, K notes') and one line per root cause (clause, strength, the checks it
affects, the implementations where it was seen, the upstream fix when known). Shared by the terminal, the
HTML page and summary.json."""
from . import results as R

KINDS = (("fail", "MUST deviation"), ("warn", "SHOULD warning"), ("note", "note"))


def _plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def headline(impl, kinds, counts):
    """'qemu 10.0: 3 MUST deviations (40 failed checks, 38 known), 1 SHOULD warning, 2 notes'."""
    must = kinds["fail"]
    text = "%s: %s" % (impl, _plural(len(must), "MUST deviation"))
    if counts["must"]:
        text += " (%s, %d known)" % (_plural(counts["must"], "failed check"), counts["must_known"])
    text += ", %s, %s" % (_plural(len(kinds["warn"]), "SHOULD warning"), _plural(len(kinds["note"]), "note"))
    return text


def cause_fields(cause):
    """A root cause as plain data (summary.json, HTML)."""
    cases = cause.cases
    return {
        "strength": cause.strength, "clause": cause.ref, "what": cause.title,
        "checks": cause.check_ids, "failed_checks": len(cause.checks), "cases": len(cases),
        "case_names": cases[:50], "seen_in": cause.seen_in,
        "known": cause.known.where if cause.known else None,
        "fix": cause.known.fix if cause.known and cause.known.fix else None,
    }


def summary(all_results):
    """{implementation: {'headline', 'counts', 'fail'|'warn'|'note': [cause fields]}} for the
    implementations that ran."""
    out = {}
    for impl, kinds in R.verdicts(all_results).items():
        ran = [r for r in all_results if r.implementation == impl and r.available]
        if not ran:
            continue
        counts = R.check_counts(ran)
        entry = {"headline": headline(impl, kinds, counts),
                 "counts": {"must_deviations": len(kinds["fail"]), "must_failed_checks": counts["must"],
                            "must_known_checks": counts["must_known"], "should_warnings": len(kinds["warn"]),
                            "should_failed_checks": counts["should"], "notes": len(kinds["note"]),
                            "note_checks": counts["notes"]}}
        for kind, _ in KINDS:
            entry[kind] = [cause_fields(c) for c in kinds[kind]]
        out[impl] = entry
    return out


def lines(all_results, summary_=None):
    """The terminal's opening section."""
    s = summary_ if summary_ is not None else summary(all_results)
    out = []
    for impl, entry in s.items():
        out.append(entry["headline"])
        for kind, _ in KINDS:
            for c in entry[kind]:
                label = {"fail": c["strength"], "warn": "SHOULD", "note": "NOTE"}[kind]
                where = "known: %s" % c["known"] if c["known"] else "NEW" if kind == "fail" else ""
                out.append("  %-6s %s  [%s]  %s in %s; seen: %s%s" % (
                    label, c["clause"], " ".join(c["checks"]), _plural(c["failed_checks"], "check"),
                    _plural(c["cases"], "case"), ", ".join(c["seen_in"]), ("; " + where) if where else ""))
                out.append("         %s%s" % (c["what"], "  (fix: %s)" % c["fix"] if c["fix"] else ""))
    return out
