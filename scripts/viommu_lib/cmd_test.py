"""`viommu test`: the project's own tests. Builds, runs ctest (GoogleTest units + fuzz smoke) and lit
(guest runs + harness tests), then prints 'N passed, M failed' summed over both."""
import os
import re
import subprocess
import sys

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


def parse_ctest(status, text):
    """(passed, failed) from ctest's 'N% tests passed, X tests failed out of Y'."""
    m = re.search(r"(\d+) tests? failed out of (\d+)", text)
    if m:
        failed, total = int(m.group(1)), int(m.group(2))
        return total - failed, failed
    if "No tests were found" in text:
        return 0, 0
    return 0, 1 if status != 0 else 0


LIT_PASSED = ("Passed", "Expectedly Failed", "Passed With Retry")
LIT_FAILED = ("Failed", "Unresolved", "Timed Out", "Unexpectedly Passed")


def parse_lit(status, text):
    """(passed, failed) from lit's summary ('  Passed     : 4 (66.67%)' ...)."""
    counts = {}
    for m in re.finditer(r"^\s+([A-Za-z][A-Za-z ]*?)\s*: (\d+) \(", text, re.M):
        counts[m.group(1)] = int(m.group(2))
    passed = sum(counts.get(k, 0) for k in LIT_PASSED)
    failed = sum(counts.get(k, 0) for k in LIT_FAILED)
    if status != 0 and failed == 0:
        failed = 1  # lit itself failed (bad configuration, ...)
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
    argv = ["ctest", "--test-dir", os.path.join(paths.BUILD, "host"), "--output-on-failure"]
    if shard:
        argv += ["-I", "%d,,%d" % shard]  # start at test I, every N-th test
    status, text = _stream(argv)
    p, f = parse_ctest(status, text)
    passed, failed = passed + p, failed + f

    if not os.path.isfile(LIT):
        raise UserError("%s not found (run scripts/viommu setup)" % LIT, status=1)
    python = sys.executable or "python3"
    timeout = ["--timeout", "120"] if _has_psutil(python) else []
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
        argv += ["--xunit-xml-output", os.path.join(paths.BUILD, "lit-%s.xml" % name), paths.LIT_DIR]
        status, text = _stream(argv)
        p, f = parse_lit(status, text)
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
