"""`viommu build`: configure each preset when needed, then an incremental `cmake --build`."""
import contextlib
import fcntl
import os
import sys
import time

from . import paths, progress
from .errors import UserError

# preset name -> build directory under build/ ("hosted" is no preset: hosted/ is a CMake project of its own)
PRESETS = {"host": "host", "guest-aarch64": "aarch64", "guest-x86_64": "x86_64", "guest-riscv64": "riscv64",
           "hosted": "hosted"}


def preset_for_arch(arch):
    return "hosted" if arch == "host" else "guest-" + arch


def _tail(path, n=40):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-n:])


def _step(argv, logfile, what, log):
    """One configure or build command; past a few seconds a progress line every 15 s shows the log's last
    line (ninja's [n/m], or the newlib build that configuring a guest preset runs once)."""
    try:
        rc = progress.run_logged(argv, logfile, what, cwd=paths.REPO, log=log)
    except OSError as e:
        raise UserError("cannot run %s: %s (run scripts/viommu setup)" % (argv[0], e.strerror), status=1) from None
    if rc != 0:
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


def build(presets=None, log=None):
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
        configured = os.path.isfile(os.path.join(bdir, "build.ninja"))
        if not configured:
            progress.say("building %s, configuring first (log: %s)" % (preset, paths.rel(logfile)), log)
        try:
            if not configured:
                if preset == "hosted":
                    _step(["cmake", "-S", paths.HOSTED_DIR, "-B", bdir, "-G", "Ninja",
                           "-DCMAKE_CXX_COMPILER=clang++-19", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                          logfile, "configuring hosted", log)
                else:
                    _step(["cmake", "--preset", preset], logfile, "configuring %s" % preset, log)
            _step(["cmake", "--build", bdir, "-j", str(jobs)], logfile, "building %s" % preset, log)
        except UserError as e:
            progress.say("building %s failed (%.1f s)" % (preset, time.monotonic() - start), log)
            if preset == "hosted":
                # The model column depends on the hosted runner only: its failure must not stop the QEMU
                # columns. No stale runner survives it; every run then reports the model UNAVAILABLE.
                try:
                    os.unlink(paths.HOSTED_RUNNER)
                except OSError:
                    pass
                if e.detail:
                    (log or sys.stderr).write(e.detail if e.detail.endswith("\n") else e.detail + "\n")
                progress.say("WARNING: %s; the model column will be UNAVAILABLE" % e, log)
                continue
            raise
        took = time.monotonic() - start
        if not configured or took >= progress.FIRST:  # the progress lines said it was building
            progress.say("built %s (%.1f s)" % (preset, took), log)
