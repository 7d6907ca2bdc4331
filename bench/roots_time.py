#!/usr/bin/env python3
"""Debian root figures (issue 12): printed, never asserted.

Creates the QEMU 10.0 (trixie, debootstrap) and QEMU 11.1 (trixie-backports debs over the trixie root) roots
from scratch in a scratch directory, the way a fresh machine's `scripts/viommu run` does (same code,
scripts/viommu_lib/roots.py), and prints how long each took and how much disk it holds; then deletes them.
Needs root (debootstrap) and the network; downloads about 250 MB and writes about 900 MB.

Usage: sudo bench/roots_time.py [--keep DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))


def du(path):
    """Disk blocks used under path, hard links counted once (as the roots share their files)."""
    out = subprocess.run(["du", "-s", "--block-size=1M", path], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", metavar="DIR", help="create the roots in DIR and keep them")
    args = ap.parse_args()
    where = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="viommu-roots-", dir="/var/tmp")
    os.makedirs(where, exist_ok=True)
    os.environ["VIOMMU_ROOTS_DIR"] = where
    for var in ("VIOMMU_TRIXIE_ROOT", "VIOMMU_ROOT_TRIXIE", "VIOMMU_ROOT_TRIXIE_BACKPORTS"):
        os.environ.pop(var, None)
    from viommu_lib import roots
    times = {}
    try:
        for name in ("trixie", "trixie-backports"):
            t0 = time.monotonic()
            roots.ensure(name)
            times[name] = time.monotonic() - t0
        trixie_mb = du(os.path.join(where, "qemu-trixie"))
        both_mb = du(where)
        try:
            load = os.getloadavg()[0]
        except OSError:
            load = float("nan")
        print("roots: created in %s (1-min load %.1f at the end)" % (where, load))
        print("  trixie            QEMU 10.0  %6.1f s  %5d MB" % (times["trixie"], trixie_mb))
        print("  trixie-backports  QEMU 11.1  %6.1f s  %5d MB more (hard links to trixie's files)"
              % (times["trixie-backports"], both_mb - trixie_mb))
    finally:
        if not args.keep:
            shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
