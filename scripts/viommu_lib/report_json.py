"""report/summary.json: per implementation first its verdict (MUST deviations, SHOULD warnings and notes,
with one entry per root cause), then counts per implementation, configuration and group; the cases whose
outcome differs between implementations."""
import json

from . import deviations, matrix
from . import results as R


def build(all_results, verdict):
    out = {"verdict": verdict, "legend": {"P": "passed", "F": "failed",
                                          "X": "passed with known deviations (only expected checks failed)",
                                          "S": "skipped", "U": "unexpected pass"},
           "deviations": deviations.summary(all_results),
           "totals": matrix.totals(all_results), "configs": {}}
    for r in all_results:
        entry = {"available": r.available}
        if not r.available:
            entry["reason"] = r.unavailable_reason
        else:
            entry.update({
                "qemu_version": r.qemu_version, "qemu_series": r.qemu_series, "qemu_binary": r.qemu_binary,
                "guest_status": r.guest_status, "problem": r.problem, "timed_out": r.timed_out,
                "seconds": round(r.elapsed, 3), "counts": r.counts(),
                "groups": {g: r.counts(g) for g in R.groups([r])},
                "failed": [{"name": c.name, "reason": c.reason,
                            "checks": [{"id": k.id, "strength": k.strength, "clause": k.ref, "message": k.message,
                                        "known": k.expectation.where if k.expectation else None}
                                       for k in c.checks if k.result == "fail"]}
                           for c in r.cases if c.status in R.FAILED],
                "xpass": [{"name": c.name, "reason": c.reason} for c in r.cases if c.status == R.XPASS],
            })
        entry.update({"implementation": r.implementation, "config": r.config})
        out["configs"][r.label] = entry
    out["implementations"] = {}
    for impl in matrix.implementations(all_results):
        rs = [r for r in all_results if r.implementation == impl]
        ran = [r for r in rs if r.available]
        groups = {}
        for r in ran:
            for g in R.groups([r]):
                c = groups.setdefault(g, dict.fromkeys(R.LETTERS, 0))
                for k, v in r.counts(g).items():
                    c[k] += v
        out["implementations"][impl] = {
            "id": rs[0].ident, "available": bool(ran),
            "unavailable": {r.config: r.unavailable_reason for r in rs if not r.available},
            "qemu_version": ran[0].qemu_version if ran else None,
            "counts": matrix.column_totals(all_results, impl), "groups": groups,
            "checks": check_counts(ran),
            "configs": {r.config: {"counts": r.counts(), "groups": {g: r.counts(g) for g in R.groups([r])}}
                        for r in ran}}
    out["differences"] = [{"config": row, "case": name, "outcomes": dict(seen)}
                          for row, name, seen in R.differences(all_results)]
    return out


def check_counts(results):
    """How many checks judged the implementation: per case the distinct check IDs that passed ('# checks
    passed:') plus every failed, warned and noted check instance."""
    out = {"passed": 0, "fail": 0, "warn": 0, "note": 0}
    for r in results:
        for c in r.cases:
            out["passed"] += len(c.passed)
            for k in c.checks:
                if k.result in out:
                    out[k.result] += 1
    out["total"] = sum(out.values())
    return out


def write(all_results, verdict, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(build(all_results, verdict), f, indent=2, sort_keys=False)
        f.write("\n")
