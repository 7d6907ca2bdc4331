"""`viommu run`: runs the selected configurations in parallel, classifies every case against the
expectations of its QEMU version, prints the matrix and the failures, writes report/."""
import concurrent.futures
import os
import shlex
import sys
import time

from . import build, configs, deviations, expectations, ktap, matrix, paths, plan, prepare, qemu
from . import report_html, report_json, report_junit
from . import results as R
from .errors import UserError


def main(args):
    chosen, explicit = configs.select(args.config)
    qemu.implementations(args.qemu_dir, args.qemu)  # validates --qemu before anything is installed or built
    qemu.check_accel(args.accel)
    if not args.no_build:
        # A fresh machine gets everything it lacks here: packages, the Debian roots (made while the build
        # runs), the build.
        prepare.prepare([build.preset_for_arch(a) for a in _arches(chosen)],
                        qemu.root_names(args.qemu_dir, args.qemu))
    impls = qemu.implementations(args.qemu_dir, args.qemu)
    targets = plan.targets(chosen, impls, args.accel, args.cpu)
    narrowed = bool(args.qemu or args.qemu_dir)
    if explicit:
        for c in chosen:
            ts = [t for t in targets if t.config is c]
            # A QEMU lacking the option a variant needs skips it (said loudly), which is no error.
            if not any(t.available or t.unsupported for t in ts):
                raise UserError("configuration '%s' is unavailable: %s" % (c.name, ts[0].problem))
    if narrowed:
        # A QEMU the user asked for by name must run; an implicit one may be missing (reported loudly).
        for q in impls:
            if q.problem:
                raise UserError("%s is unavailable: %s" % (q.label, q.problem))
    # Options added because the binary has them (amd-iommu dma-remap=on): said once per QEMU.
    said = set()
    for t in targets:
        if t.available and t.uses and (t.qemu.label, tuple(t.uses)) not in said:
            said.add((t.qemu.label, tuple(t.uses)))
            print("viommu: %s: with %s (this QEMU has %s; %s)" % (
                t.qemu.label, " ".join("%s %s=%s" % u for u in t.uses), "it" if len(t.uses) == 1 else "them",
                "without dma-remap=on its amd-iommu leaves emulated devices' DMA untranslated"
                if any(u[1] == "dma-remap" for u in t.uses) else "used where present"), file=sys.stderr)
    # Load (and so validate) the expectations of every QEMU version before booting anything.
    expect = {}
    for t in targets:
        if t.available and t.version and t.version[1] not in expect:
            expect[t.version[1]] = expectations.load(t.version[1])

    results = []
    for t in targets:
        r = R.ConfigResult(t.config.name, t.config.arch, t.qemu.label, t.qemu.ident, t.config.peers)
        if not t.available:
            r.available = False
            r.unavailable_reason = t.problem
        results.append(r)
    for line in matrix.unavailable_lines(results):
        print("viommu: " + line, file=sys.stderr)
    todo = [(t, r) for t, r in zip(targets, results) if r.available]
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = []
        for t, r in todo:
            exp = expect.get(t.version[1]) if t.version else []
            selection = args.filter or t.config.cases
            crash = expectations.not_run(exp, t.config.name, selection)
            words = configs.guest_args(filter_glob=selection, seed=args.seed, exclude=[e.case for e in crash])
            futures.append(pool.submit(_run_one, t, r, args, words, exp, crash))
        try:
            for f in concurrent.futures.as_completed(futures):
                r = f.result()
                c = r.counts()
                print("viommu: %-42s %3d passed, %d failed, %d known, %d skipped, %d xpass  (%.1f s)%s"
                      % (r.label, c["P"], c["F"], c["X"], c["S"], c["U"], r.elapsed,
                         "  [%s]" % (r.problem or "timed out") if r.problem or r.timed_out else ""),
                      file=sys.stderr, flush=True)
        except BaseException:
            for f in futures:
                f.cancel()
            qemu.kill_all()
            raise
    elapsed = time.monotonic() - start

    total = matrix.totals(results)
    ran = sum(total.values())
    bad = total["F"] + total["U"]
    verdict = "pass" if ran and not bad else "fail"
    report_dir = os.path.abspath(args.report or paths.REPORT)
    meta = "%s  (%.1f s)" % (" ".join(["scripts/viommu"] + [shlex.quote(a) for a in sys.argv[1:]]), elapsed)
    _write_reports(results, verdict, meta, report_dir)

    # What is wrong with each implementation comes first; the matrix and the harness's own verdict follow.
    for line in deviations.lines(results):
        print(line)
    print()
    print(matrix.render(results))
    for line in matrix.difference_lines(results) + matrix.failures(results):
        print(line)
    if not sys.stdout.isatty():
        # Stdout may be piped into a checker (the lit tests pipe it into FileCheck), which shows only its own
        # complaint: the failed cases go to stderr as well, so a failure names its case wherever it happens.
        for line in matrix.failures(results):
            print("viommu: " + line, file=sys.stderr)
    print("%d passed, %d failed, %d known deviations, %d skipped, %d unexpected passes; report: %s"
          % (total["P"], total["F"], total["X"], total["S"], total["U"],
             paths.rel(os.path.join(report_dir, "index.html"))))
    unsupported = {t.config.name + "|" + t.qemu.label for t in targets if t.unsupported}
    missing = [r for r in results if not r.available and r.config + "|" + r.implementation not in unsupported]
    skipped = [r for r in results if not r.available and r.config + "|" + r.implementation in unsupported]
    if skipped:
        print("SKIPPED: %d configuration x implementation column(s) need an option that QEMU lacks: %s "
              "(UNAVAILABLE above; not a failure)" % (len(skipped), ", ".join(r.label for r in skipped)))
    if missing:
        print("WARNING: %d configuration x implementation column(s) did not run: %s (UNAVAILABLE above)"
              % (len(missing), ", ".join(r.label for r in missing)))
    if total["U"]:
        print("XPASS: %d case(s) passed that the expectations say fail: update tests/expectations/"
              % total["U"])
    if not ran:
        if not todo:
            raise UserError("no test ran (no configuration is available)", status=1)
        raise UserError("no test ran%s" % (" (filter '%s' matched no case)" % args.filter if args.filter else ""),
                        status=1)
    return 1 if bad else 0


def _arches(chosen):
    return sorted({c.arch for c in chosen})


def _run_one(target, r, args, words, expect, crash):
    r.qemu_binary = target.binary
    if target.version:
        r.qemu_version, r.qemu_series = target.version
    r.timeout = args.timeout
    with plan.scratch() as blk:
        argv = target.argv(args.accel, blk, words)
        r.command = argv
        r.reproduce = plan.reproduce_line(argv, blk, target.env)
        out = qemu.launch(argv, args.timeout, env=target.env)
    r.elapsed = out.elapsed
    r.console = out.stdout.decode("utf-8", errors="replace")
    r.stderr = out.stderr.decode("utf-8", errors="replace")
    r.timed_out = out.timed_out
    if not out.timed_out:
        r.guest_status, r.problem = qemu.guest_status(target.config.arch, out)
        if r.problem and r.stderr.strip():
            r.problem += ": " + r.stderr.strip().splitlines()[-1]
    r.run = ktap.parse(r.console)
    R.complete(r)
    R.add_not_run(r, crash)
    R.classify(r, expect)
    return r


def _write_reports(results, verdict, meta, report_dir):
    try:
        os.makedirs(report_dir, exist_ok=True)
        report_junit.write(results, os.path.join(report_dir, "junit.xml"))
        report_html.write(results, verdict, meta, os.path.join(report_dir, "index.html"))
        report_json.write(results, verdict, os.path.join(report_dir, "summary.json"))
    except OSError as e:
        raise UserError("cannot write the report to %s: %s" % (report_dir, e.strerror or e), status=1) from None
