"""`viommu setup`: installs the missing Debian packages (apt-get update once, then install)."""
import os
import shutil
import subprocess
import sys

from . import paths
from .errors import UserError

PACKAGES = [
    "clang-19", "lld-19", "llvm-19", "llvm-19-tools", "libc++-19-dev", "newlib-source",
    # qemu-system-misc: qemu-system-riscv64 on bookworm (7.2), whose qemu-system-data ships OpenSBI
    "qemu-system-arm", "qemu-system-x86", "qemu-system-misc", "qemu-system-data", "cmake", "ninja-build",
    "googletest", "libgtest-dev", "libbenchmark-dev", "gcc-aarch64-linux-gnu", "libclang-rt-19-dev",
    "python3",
    "python3-psutil",  # lit needs it for --timeout
    "debootstrap",     # the Debian trixie root with QEMU 10.0 (roots.py)
    "debian-archive-keyring", "gpgv",  # verify the trixie-backports index (QEMU 11.1) as apt does
    "chromium",        # the report's HTML test loads report/index.html headless
]


def installed(pkg):
    try:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
    except OSError:
        raise UserError("dpkg-query not found: setup needs a Debian system") from None
    return r.returncode == 0 and r.stdout.strip().endswith(" installed")


def missing():
    return [p for p in PACKAGES if not installed(p)]


def _privileged(argv):
    if os.geteuid() == 0:
        return argv
    if not shutil.which("sudo"):
        raise UserError("installing packages needs root and sudo is not available: run as root: "
                        + " ".join(argv))
    return ["sudo"] + argv


def install(log=sys.stderr):
    need = missing()
    if not need:
        return []
    logfile = os.path.join(paths.logs_dir(), "setup.log")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("viommu: installing %s (log: %s)" % (" ".join(need), paths.rel(logfile)), file=log, flush=True)
    with open(logfile, "w") as f:
        for argv in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends"] + need):
            argv = _privileged(["env", "DEBIAN_FRONTEND=noninteractive"] + argv)
            f.write("$ %s\n" % " ".join(argv))
            f.flush()
            r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT, env=env)
            if r.returncode != 0:
                raise UserError("'%s' failed with status %d (log: %s)" % (" ".join(argv), r.returncode,
                                                                        paths.rel(logfile)),
                                status=1, detail=_tail(logfile))
    still = missing()
    if still:
        raise UserError("packages still missing after install: %s" % " ".join(still), status=1)
    return need


def _tail(path, n=40):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-n:])
