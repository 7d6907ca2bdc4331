#!/usr/bin/env python3
"""Boot figures (issue: foundation): printed, never asserted.

1. Wall time of one boot-run-exit of an empty test selection, per architecture, median of N runs
   (QEMU launched directly with the harness's own command line, so Python start-up is not counted).
2. Wall time of `scripts/viommu run --config noiommu-aarch64,noiommu-x86_64` from a built tree.

Usage: bench/boot_time.py [--runs N] [--skip-suite]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from viommu_lib import configs, paths, qemu  # noqa: E402


def empty_boot_ms(config_name, runs):
    cfg = configs.get(config_name)
    q = qemu.Qemu()
    binary = q.binary(cfg.arch)
    if not binary:
        return None, "qemu-system-%s not found" % cfg.arch
    image = paths.image(cfg.arch)
    if not os.path.isfile(image):
        return None, "%s not built (scripts/viommu build)" % image
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        blk = os.path.join(tmp, "blk.img")
        with open(blk, "wb") as f:
            f.truncate(1 << 20)
        argv = configs.command_line(cfg, binary, q.qboot(), image, "tcg", blk, ["filter=none-selected"])
        for _ in range(runs):
            t0 = time.perf_counter()
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
            times.append((time.perf_counter() - t0) * 1000)
            if "0 passed, 0 failed" not in p.stdout:
                return None, "unexpected guest output: %s" % p.stdout[-300:]
    return times, None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--skip-suite", action="store_true", help="only the empty-boot figures")
    args = ap.parse_args()
    for name in ("noiommu-aarch64", "noiommu-x86_64"):
        times, err = empty_boot_ms(name, args.runs)
        if err:
            print("%-16s unavailable: %s" % (name, err))
            continue
        print("%-16s empty boot-run-exit: median %.1f ms (min %.1f, max %.1f, %d runs; goal <= 100 ms)"
              % (name, statistics.median(times), min(times), max(times), len(times)))
    if not args.skip_suite:
        with tempfile.TemporaryDirectory() as rep:
            t0 = time.perf_counter()
            p = subprocess.run([os.path.join(ROOT, "scripts", "viommu"), "run", "--no-build", "--config",
                                "noiommu-aarch64,noiommu-x86_64", "--report", rep],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True)
            dt = time.perf_counter() - t0
        print("scripts/viommu run --config noiommu-aarch64,noiommu-x86_64: %.2f s wall (exit %d)"
              % (dt, p.returncode))


if __name__ == "__main__":
    main()
