"""`viommu test`: the project's own tests. Builds, runs ctest (GoogleTest units + fuzz smoke) and lit
(guest runs + harness tests), then prints 'N passed, M failed' summed over both, counted from their JUnit
and xUnit reports rather than from their text."""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from . import paths
from .errors import UserError

LIT = "/usr/lib/llvm-19/build/utils/lit/lit.py"


def _stream(argv):
    """Runs argv with its output passed through; returns (status, output text)."""
    try:
        proc = subprocess.Popen(argv, cwd=paths.REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
    except OSError as e:
        raise UserError("cannot run %s: %s (run scripts/viommu setup)" % (argv[0], e.strerror), status=1) from None
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return proc.wait(), "".join(lines)


def junit_counts(status, path):
    """(passed, failed) from a runner's JUnit/xUnit XML report (ctest --output-junit, lit --xunit-xml-output):
    a testcase with <failure> or <error> failed, one with <skipped> (lit's UNSUPPORTED, ctest's disabled)
    did not run, every other one passed. A runner that exited non-zero without reporting a failure (a bad
    configuration, a crash before the report) counts as one failure; so does a missing or unreadable report."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 1 if status != 0 or not os.path.exists(path) else 0
    passed = failed = 0
    for tc in root.iter("testcase"):
        if tc.find("failure") is not None or tc.find("error") is not None or tc.get("status") == "fail":
            failed += 1
        elif tc.find("skipped") is None and tc.get("status") not in ("disabled", "notrun"):
            passed += 1
    if status != 0 and failed == 0:
        failed = 1
    return passed, failed


def _has_psutil(python):
    return subprocess.run([python, "-c", "import psutil"], stdin=subprocess.DEVNULL,
                          capture_output=True).returncode == 0


def main(args):
    from . import prepare, qemu
    qemu.implementations(None, args.qemu)  # validates --qemu first
    prepare.prepare(None, qemu.root_names(None, args.qemu))
    passed = failed = 0
    shard = (args.run_shard, args.num_shards) if args.num_shards else None

    print("viommu: ctest" + (" (shard %d of %d)" % shard if shard else ""), file=sys.stderr, flush=True)
    report = os.path.join(paths.BUILD, "ctest.xml")
    if os.path.exists(report):
        os.unlink(report)
    argv = ["ctest", "--test-dir", os.path.join(paths.BUILD, "host"), "--output-on-failure",
            "--output-junit", report]
    if shard:
        argv += ["-I", "%d,,%d" % shard]  # start at test I, every N-th test
    status, _ = _stream(argv)
    p, f = junit_counts(status, report)
    passed, failed = passed + p, failed + f

    if not os.path.isfile(LIT):
        raise UserError("%s not found (run scripts/viommu setup)" % LIT, status=1)
    python = sys.executable or "python3"
    # A hang guard only (every QEMU run inside a test has its own host-side timeout): a lit test boots and runs
    # a configuration on every QEMU, about a minute on a quiet machine; 300 s keeps a loaded one from reading
    # as a hang (120 s did not, with five builds beside it).
    timeout = ["--timeout", "300"] if _has_psutil(python) else []
    if not timeout:
        print("viommu: warning: python3-psutil missing (scripts/viommu setup installs it): "
              "lit runs without per-test timeout", file=sys.stderr)
    unavailable = []
    first = True
    # One lit run per implementation: the guest tests run on each; the harness's own tests once.
    for name, impl in lit_implementations(args.qemu):
        if impl.problem:
            unavailable.append("%s: %s" % (impl.label, impl.problem))
            continue
        print("viommu: lit (%s)" % impl.label, file=sys.stderr, flush=True)
        argv = [python, LIT, "-sv", "--allow-empty-runs"] + timeout + ["--param", "qemu=" + name]
        if not first:
            argv += ["--filter-out", "harness-"]
        if shard:
            argv += ["--run-shard", str(shard[0]), "--num-shards", str(shard[1])]
        report = os.path.join(paths.BUILD, "lit-%s.xml" % name)
        if os.path.exists(report):
            os.unlink(report)
        argv += ["--xunit-xml-output", report, paths.LIT_DIR]
        status, _ = _stream(argv)
        p, f = junit_counts(status, report)
        passed, failed = passed + p, failed + f
        first = False

    for line in unavailable:
        print("viommu: WARNING: lit run skipped, implementation UNAVAILABLE: %s" % line, file=sys.stderr)
    print("%d passed, %d failed" % (passed, failed))
    if failed:
        return 1
    if not passed:
        raise UserError("no test ran", status=1)
    return 0


def lit_implementations(choice=None):
    """(lit --param qemu= value, implementation) for each implementation lit runs on."""
    from . import plan, qemu
    impls = []
    for q in qemu.implementations(None, choice):
        impls.append((q.name, q))
    if not choice or choice == "all":
        m = plan.Model()
        if not os.path.isfile(paths.HOSTED_RUNNER):
            m = _Unavailable("model", "hosted model runner %s not built" % paths.rel(paths.HOSTED_RUNNER))
        impls.append(("model", m))
    return impls


class _Unavailable:
    def __init__(self, label, problem):
        self.label, self.problem, self.ident = label, problem, label
