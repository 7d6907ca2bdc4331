#!/usr/bin/env python3
"""Boot figures (issue: foundation): printed, never asserted.

1. Wall time of one boot-run-exit of an empty test selection, per architecture, median of N runs
   (QEMU launched directly with the harness's own command line, so Python start-up is not counted).
   riscv64 also: QEMU's own floor, a trivial image with the same devices that only writes the exit
   status (issue 13: within 1.1x of it), its runs interleaved with the guest's so both see the same load.
2. Wall time of `scripts/viommu run --config noiommu-aarch64,noiommu-x86_64` from a built tree.

Usage: bench/boot_time.py [--runs N] [--skip-suite] [--qemu system|trixie|trixie-backports[,...]]
       [--config NAME[,NAME]]
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


# The riscv64 floor: OpenSBI enters it in S-mode; it writes "status 0" to virt's sifive,test0 as the guest
# does ((0 << 1 | 1) << 16 | 0x3333) and waits.
RISCV64_FLOOR = """
    .section .text.boot, "ax"
    .global _start
_start:
    li t0, 0x100000
    li t1, 0x13333
    sw t1, 0(t0)
1:  wfi
    j 1b
"""


def riscv64_floor_image(tmp):
    src, obj, elf, ld = (os.path.join(tmp, n) for n in ("floor.S", "floor.o", "floor.elf", "floor.ld"))
    with open(src, "w") as f:
        f.write(RISCV64_FLOOR)
    with open(ld, "w") as f:
        f.write("ENTRY(_start)\nSECTIONS { . = 0x80200000; .text : { *(.text.boot) } }\n")
    subprocess.run(["clang-19", "--target=riscv64-unknown-elf", "-march=rv64gc", "-mabi=lp64d", "-c", src, "-o", obj],
                   check=True)
    subprocess.run(["ld.lld-19", "-T", ld, obj, "-o", elf], check=True)
    return elf


def boot_argv(q, config_name, image):
    """(argv, env) of an empty boot-run-exit of config_name's machine on QEMU q, or (None, reason)."""
    cfg = configs.get(config_name)
    start = q.argv0(cfg.arch)
    if not start:
        return None, q.problem or "qemu-system-%s not found" % cfg.arch
    if not os.path.isfile(image):
        return None, "%s not built (scripts/viommu build)" % image
    return (cfg, start), None


def timed_run(q, cfg, start, image, blk, expect):
    """One boot-run-exit in ms, or (None, reason)."""
    argv = configs.command_line(cfg, start, q.qboot(), image, "tcg", blk, ["filter=none-selected"])
    env = dict(os.environ, **q.env())
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, env=env)
    ms = (time.perf_counter() - t0) * 1000
    if expect not in p.stdout or qemu.guest_status(cfg.arch, _outcome(p))[0] != 0:
        return None, "unexpected guest output: %s" % p.stdout[-300:]
    return ms, None


def empty_boots(q, config_name, runs, floor_image=None):
    """Guest times (and, with floor_image, the floor's, run alternately) in ms, or (None, None, reason)."""
    guest_image = paths.image(configs.get(config_name).arch)
    what, err = boot_argv(q, config_name, guest_image)
    if err:
        return None, None, err
    cfg, start = what
    guest, floor = [], []
    with tempfile.TemporaryDirectory() as tmp:
        blk = os.path.join(tmp, "blk.img")
        with open(blk, "wb") as f:
            f.truncate(1 << 20)
        for _ in range(runs):
            ms, err = timed_run(q, cfg, start, guest_image, blk, "0 passed, 0 failed")
            if err:
                return None, None, err
            guest.append(ms)
            if floor_image:
                ms, err = timed_run(q, cfg, start, floor_image, blk, "")
                if err:
                    return None, None, "floor: " + err
                floor.append(ms)
    return guest, floor, None


def _outcome(p):
    o = qemu.Outcome()
    o.returncode, o.stdout = p.returncode, p.stdout.encode() or b"-"
    return o


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--skip-suite", action="store_true", help="only the empty-boot figures")
    ap.add_argument("--qemu", default="system", help="QEMUs to time, as scripts/viommu run --qemu names them")
    ap.add_argument("--config", default="noiommu-aarch64,noiommu-x86_64,noiommu-riscv64",
                    help="configurations whose machine boots (a riscv64 one also times the floor)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        floor_image = riscv64_floor_image(tmp)
        for q in qemu.implementations(choice=args.qemu):
            label = q.label
            for name in args.config.split(","):
                riscv = configs.get(name).arch == "riscv64"
                times, floor, err = empty_boots(q, name, args.runs, floor_image if riscv else None)
                if err:
                    print("%-9s %-19s unavailable: %s" % (label, name, err))
                    continue
                print("%-9s %-19s empty boot-run-exit: median %.1f ms (min %.1f, max %.1f, %d runs; goal <= 100 ms)"
                      % (label, name, statistics.median(times), min(times), max(times), len(times)))
                if riscv:
                    # The minimum is the run the machine's other load disturbed least: its ratio is the steadier one.
                    print("%-9s %-19s QEMU's floor (trivial image, same devices): median %.1f ms (min %.1f, max %.1f);"
                          " guest/floor %.2f by medians, %.2f by minima (goal <= 1.10)"
                          % (label, name, statistics.median(floor), min(floor), max(floor),
                             statistics.median(times) / statistics.median(floor), min(times) / min(floor)))
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
