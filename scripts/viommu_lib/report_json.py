"""report/summary.json: counts per configuration and group."""
import json

from . import matrix
from . import results as R


def build(all_results, verdict):
    out = {"verdict": verdict, "legend": {"P": "passed", "F": "failed", "X": "expected failure",
                                          "S": "skipped", "U": "unexpected pass"},
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
                "failed": [{"name": c.name, "reason": c.reason} for c in r.cases if c.status in R.FAILED],
                "xpass": [{"name": c.name, "reason": c.reason} for c in r.cases if c.status == R.XPASS],
            })
        out["configs"][r.label if r.available else r.config] = entry
    return out


def write(all_results, verdict, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(build(all_results, verdict), f, indent=2, sort_keys=False)
        f.write("\n")
