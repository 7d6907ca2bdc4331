#!/usr/bin/env python3
"""Matrix figures (issues 7 and 12): printed, never asserted.

Wall time of `scripts/viommu run --config all` across every implementation it finds (QEMU 7.2, QEMU 10.0
from the trixie root, QEMU 11.1 from the trixie-backports root, the hosted model when built) from a built
tree, and the number of cases and checks run, per implementation, from the run's report/summary.json.
Goals: at least 300 cases in under 120 s on 2 cores (issue 7); the four columns in under 60 s (issue 12).

Usage: bench/matrix_time.py [--runs N] [--jobs N] [-- extra 'viommu run' options]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIOMMU = os.path.join(ROOT, "scripts", "viommu")
GOAL_CASES, GOAL_SECONDS = 300, 60.0


def one_run(jobs, extra):
    with tempfile.TemporaryDirectory(prefix="viommu-matrix-") as report:
        argv = [VIOMMU, "run", "--no-build", "--config", "all", "--jobs", str(jobs), "--report", report] + extra
        t0 = time.monotonic()
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        wall = time.monotonic() - t0
        path = os.path.join(report, "summary.json")
        if not os.path.isfile(path):
            sys.exit("matrix_time: no summary.json (status %d): %s" % (p.returncode, p.stderr.strip()[-400:]))
        with open(path) as f:
            summary = json.load(f)
    return wall, p.returncode, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("extra", nargs="*", help="further 'viommu run' options (after --)")
    args = ap.parse_args()
    walls = []
    for _ in range(args.runs):
        wall, status, summary = one_run(args.jobs, args.extra)
        walls.append(wall)
    print("matrix: scripts/viommu run --config all --jobs %d (exit status %d), %d run(s), cpus=%d"
          % (args.jobs, status, args.runs, os.cpu_count() or 0))
    total_run = total_checks = 0
    busy = {}
    for entry in summary["configs"].values():
        if entry.get("available"):
            busy[entry["implementation"]] = busy.get(entry["implementation"], 0.0) + entry["seconds"]
    for name, impl in summary["implementations"].items():
        c = impl["counts"]
        ran = c["P"] + c["F"] + c["X"] + c["U"]
        total_run += ran
        checks = impl.get("checks", {}).get("total", 0)
        total_checks += checks
        state = "" if impl["available"] else "  UNAVAILABLE: " + "; ".join(sorted(set(impl["unavailable"].values())))
        print("  %-12s %4d cases run (%d passed, %d failed, %d known, %d xpass), %d skipped, %5d checks, "
              "%.1f s of runs%s" % (name, ran, c["P"], c["F"], c["X"], c["U"], c["S"], checks, busy.get(name, 0.0),
                                    state))
    t = summary["totals"]
    print("  all          %4d cases run, %d skipped, %d checks, %d outcomes differ between implementations"
          % (total_run, t["S"], total_checks, len(summary["differences"])))
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print("  load         %.1f (1-min load average at the end: other work on the machine)" % load)
    print("  wall time    %.1f s%s" % (statistics.median(walls),
                                       " (median; min %.1f, max %.1f)" % (min(walls), max(walls)) if len(walls) > 1 else ""))
    print("  goal         >= %d cases in < %.0f s: %s" % (GOAL_CASES, GOAL_SECONDS,
          "met" if total_run >= GOAL_CASES and statistics.median(walls) < GOAL_SECONDS else "NOT met"))


if __name__ == "__main__":
    main()
