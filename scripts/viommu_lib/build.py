"""`viommu build`: configure each preset when needed, then an incremental `cmake --build`."""
import contextlib
import fcntl
import os
import subprocess
import sys
import time

from . import paths
from .errors import UserError

# preset name -> build directory under build/ ("hosted" is no preset: hosted/ is a CMake project of its own)
PRESETS = {"host": "host", "guest-aarch64": "aarch64", "guest-x86_64": "x86_64", "hosted": "hosted"}


def preset_for_arch(arch):
    return "hosted" if arch == "host" else "guest-" + arch


def _tail(path, n=40):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-n:])


def _step(argv, logfile, what):
    with open(logfile, "a") as f:
        f.write("$ %s\n" % " ".join(argv))
        f.flush()
        try:
            r = subprocess.run(argv, cwd=paths.REPO, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        except OSError as e:
            raise UserError("cannot run %s: %s (run scripts/viommu setup)" % (argv[0], e.strerror), status=1) from None
    if r.returncode != 0:
        raise UserError("%s failed (log: %s)" % (what, paths.rel(logfile)), status=1, detail=_tail(logfile))


@contextlib.contextmanager
def _lock():
    """Serializes builds started by concurrent viommu commands (ninja itself does not lock)."""
    with open(os.path.join(paths.logs_dir(), ".build.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def build(presets=None, log=sys.stderr):
    """Configures (when not configured yet) and builds each preset; output goes to build/logs/."""
    with _lock():
        _build(presets, log)


def _build(presets, log):
    jobs = max(1, min(os.cpu_count() or 2, 8))
    for preset in presets or list(PRESETS):
        bdir = os.path.join(paths.BUILD, PRESETS[preset])
        logfile = os.path.join(paths.logs_dir(), "build-%s.log" % preset)
        with open(logfile, "w"):
            pass
        start = time.monotonic()
        print("viommu: building %s ..." % preset, file=log, end="", flush=True)
        try:
            if not os.path.isfile(os.path.join(bdir, "build.ninja")):
                if preset == "hosted":
                    _step(["cmake", "-S", paths.HOSTED_DIR, "-B", bdir, "-G", "Ninja",
                           "-DCMAKE_CXX_COMPILER=clang++-19", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                          logfile, "configuring hosted")
                else:
                    _step(["cmake", "--preset", preset], logfile, "configuring %s" % preset)
            _step(["cmake", "--build", bdir, "-j", str(jobs)], logfile, "building %s" % preset)
        except UserError as e:
            print(" failed", file=log, flush=True)
            if preset == "hosted":
                # The model column depends on the hosted runner only: its failure must not stop the QEMU
                # columns. No stale runner survives it; every run then reports the model UNAVAILABLE.
                try:
                    os.unlink(paths.HOSTED_RUNNER)
                except OSError:
                    pass
                if e.detail:
                    log.write(e.detail if e.detail.endswith("\n") else e.detail + "\n")
                print("viommu: WARNING: %s; the model column will be UNAVAILABLE" % e, file=log, flush=True)
                continue
            raise
        print(" ok (%.1f s)" % (time.monotonic() - start), file=log, flush=True)
