"""`viommu bench`: boots each benchmark configuration (bench.PLAN) on each QEMU with the guest's bench cases
(tag bench) and a null-co virtio-blk, prints per QEMU the table of rows (seeds' names) with IOPS, spread and
share of noiommu, then the shares side by side per QEMU; writes report/bench.json, report/bench.svg and the
chart into report/index.html."""
import json
import os
import shlex
import sys
import time

from . import bench, build, configs, paths, plan, prepare, qemu, report_bench
from .errors import UserError
from .progress import say


def _chosen(spec):
    if not spec or spec.strip() == "all":
        names = [c for c, _ in bench.PLAN]
    else:
        names = [n.strip() for n in spec.split(",") if n.strip()]
        for n in names:
            if n not in bench.PLAN_BY_CONFIG:
                raise UserError("bench: no benchmark for configuration '%s' (known: %s)"
                                % (n, ", ".join(c for c, _ in bench.PLAN)))
        # The share of noiommu needs the baseline of every architecture chosen.
        for n in list(names):
            base = bench.BASELINE[configs.get(n).arch]
            if base not in names:
                names.insert(0, base)
    order = [c for c, _ in bench.PLAN]
    return [configs.get(n) for n in sorted(set(names), key=order.index)]


def main(args):
    chosen = _chosen(args.config)
    qemu.implementations(args.qemu_dir, args.qemu)
    qemu.check_accel(args.accel)
    if not args.no_build:
        prepare.prepare([build.preset_for_arch(a) for a in sorted({c.arch for c in chosen})],
                        qemu.root_names(args.qemu_dir, args.qemu))
    impls = qemu.implementations(args.qemu_dir, args.qemu)
    if args.qemu or args.qemu_dir:
        for q in impls:
            if q.problem:
                raise UserError("%s is unavailable: %s" % (q.label, q.problem))
    targets = plan.targets(chosen, impls, args.accel, args.cpu)
    rows, runs, qemus = [], [], []
    rounds = 1 if args.quick else bench.ROUNDS
    start = time.monotonic()
    for q in impls:
        mine = [t for t in targets if t.qemu is q]
        label = mine[0].version[1] if mine and mine[0].version else q.label
        if q.problem or not any(t.available for t in mine):
            say("bench: %s UNAVAILABLE: %s" % (q.label, q.problem or mine[0].problem))
        else:
            qemus.append(label)
        t0 = time.monotonic()
        consoles = {t.config.name: [] for t in mine}
        problems = {t.config.name: None for t in mine}
        for n in range(rounds):
            for t in mine:
                if not t.available or problems[t.config.name]:
                    continue
                words = configs.guest_args(extra=bench.guest_words(t.config.name, args.quick))
                argv = t.argv(args.accel, None, words)
                out = qemu.launch(argv, args.timeout, env=t.env)
                consoles[t.config.name].append(out.stdout.decode("utf-8", errors="replace"))
                problem = ("QEMU timed out after %g s" % args.timeout if out.timed_out
                           else qemu.guest_status(t.config.arch, out)[1])
                problems[t.config.name] = problem
                runs.append({"qemu": label, "config": t.config.name, "round": n + 1, "elapsed_s": round(out.elapsed, 2),
                             "reproduce": plan.reproduce_line(argv, "(none)", t.env), "problem": problem})
                say("bench: %s round %d/%d %s: %s (%.1f s)" % (q.label, n + 1, rounds, t.config.name,
                                                              problem or "done", out.elapsed))
        for t in mine:
            if not t.available:
                for row_name, policies in bench.PLAN_BY_CONFIG[t.config.name]:
                    for p in policies:
                        r = bench.Row(label, t.config.name, t.config.arch, row_name, p)
                        r.status, r.reason = "unavailable", t.problem
                        rows.append(r)
                continue
            got = bench.parse(consoles[t.config.name], label, t.config.name, t.config.arch)
            for r in got:
                if problems[t.config.name] and r.status in ("ok", "missing"):
                    r.status, r.reason = "error", problems[t.config.name]
            rows += got
        if mine:
            say("bench: %s done in %.1f s" % (q.label, time.monotonic() - t0))
    elapsed = time.monotonic() - start
    bench.add_shares(rows)
    load, cores = os.getloadavg()[0], os.cpu_count() or 1

    for label in qemus:
        print("\nqemu %s (%s)" % (label, "--quick" if args.quick else "default set"))
        print(bench.table(rows, label))
    if qemus:
        print()
        print(bench.side_by_side(rows, qemus, (4096, 1)))
        print()
        print(bench.side_by_side(rows, qemus, (1048576, 8)))
    print("\nIOPS: qd / the median time of qd successive completions in a %d ms window (robust to a descheduled "
          "QEMU thread), median over %s, +- half the min-max spread; share: of noiommu on the same "
          "QEMU and architecture; inval rt: unmap + invalidate + wait of one 4 KiB page (median of 31 per boot); "
          "ops/io: IOMMU commands and requests per I/O at 4K/64K/1M, qd 1. TCG: read the order of the rows and "
          "the cost of each policy, not absolute numbers."
          % (bench.QUICK_MS if args.quick else bench.DEFAULT_MS,
             "%d repetitions in one boot" % bench.QUICK_REPS if args.quick
             else "%d repetitions (%d boots)" % (rounds * bench.BOOT_REPS, rounds)))
    if load > cores:
        # Each I/O hands over from the vCPU thread to QEMU's I/O thread and back: on an oversubscribed host
        # that handover waits for the scheduler, which no statistic here can take out.
        print("WARNING: host load average %.1f on %d cores: the figures measure the host's scheduler as much as "
              "the vIOMMU (see the spread)" % (load, cores))

    report_dir = os.path.abspath(args.report or paths.REPORT)
    meta = {"command": " ".join(["scripts/viommu"] + [shlex.quote(a) for a in sys.argv[1:]]),
            "elapsed_s": round(elapsed, 1), "quick": bool(args.quick), "rounds": rounds,
            "reps": bench.QUICK_REPS if args.quick else rounds * bench.BOOT_REPS,
            "window_ms": bench.QUICK_MS if args.quick else bench.DEFAULT_MS, "accel": args.accel,
            "endpoint": "virtio-blk-pci on %s" % configs.NULL_BLK_DRIVE,
            "host_load": round(load, 2), "host_cores": cores, "qemus": qemus, "runs": runs}
    try:
        os.makedirs(report_dir, exist_ok=True)
        with open(os.path.join(report_dir, "bench.json"), "w") as f:
            json.dump(dict(meta, rows=[r.to_json() for r in rows]), f, indent=1)
        report_bench.write(rows, qemus, meta, report_dir)
    except OSError as e:
        raise UserError("cannot write the report to %s: %s" % (report_dir, e.strerror or e), status=1) from None

    # A skipped row is a configuration that lacked what its row measures: as much a failure as an error.
    bad = [r for r in rows if r.status in ("error", "missing") or
           (r.status == "skipped" and r.row not in bench.OPTIONAL)]
    skipped = [r for r in rows if r.status == "skipped" and r.row in bench.OPTIONAL]
    print("bench: %d rows, %d failed, %d skipped where the QEMU lacks the feature; %.1f s; report: %s" % (
        len(rows), len(bad), len(skipped), elapsed, paths.rel(os.path.join(report_dir, "bench.json"))))
    for r in bad:
        print("FAILED: qemu %s %s (%s): %s" % (r.qemu, r.name, r.config, r.reason))
    if not qemus:
        raise UserError("bench: no QEMU available", status=1)
    return 1 if bad else 0
