"""`viommu setup --qemu trixie`: a Debian trixie root holding QEMU 10.0, made with debootstrap from the
mirror this machine's apt already uses. Reused when present (machine-wide cache, then the build tree);
created under a lock, in a '.partial' directory renamed into place only when complete."""
import contextlib
import fcntl
import glob
import os
import re
import shutil
import subprocess
import sys
import time

from . import paths, qemu
from .errors import UserError

INCLUDE = "qemu-system-arm,qemu-system-x86,qemu-system-misc"


def mirror():
    """The Debian mirror of this machine's apt configuration (deb822 .sources 'URIs:' first, then
    sources.list 'deb' lines); never a hard-coded host."""
    candidates = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"^\s*URIs:\s*(.+)$", line)
                if m:
                    candidates += m.group(1).split()
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        if os.path.isfile(path):
            with open(path, errors="replace") as f:
                for line in f:
                    m = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", line)
                    if m:
                        candidates.append(m.group(1))
    for uri in candidates:
        if "security" not in uri and uri.startswith(("http://", "https://", "file:")):
            return uri.rstrip("/")
    raise UserError("no Debian mirror found in /etc/apt/sources.list{,.d/} (needed by debootstrap)", status=1)


def default_root():
    """Machine-wide when we may write there (every clone reuses it), else inside the build tree."""
    parent = os.path.dirname(paths.TRIXIE_CACHE)
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError:
        return paths.TRIXIE_BUILD
    return paths.TRIXIE_CACHE if os.access(parent, os.W_OK) else paths.TRIXIE_BUILD


def _mounts_below(path):
    """Mount points at or under path (debootstrap mounts /proc, sometimes /sys or /dev, in the target)."""
    path = os.path.realpath(path)
    out = []
    try:
        with open("/proc/self/mounts") as f:
            for line in f:
                mp = line.split()[1].replace("\\040", " ")
                if mp == path or mp.startswith(path + "/"):
                    out.append(mp)
    except OSError:
        pass
    return out


def _remove(path):
    """Deletes a (partial) root, but never through a mount: an interrupted debootstrap may leave the
    host's /proc or /dev mounted inside it. Unmounts (deepest first); refuses when that fails."""
    if not os.path.lexists(path):
        return
    for mp in sorted(_mounts_below(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", mp], stdin=subprocess.DEVNULL, capture_output=True)
    left = _mounts_below(path)
    if left:
        raise UserError("cannot remove %s: still mounted: %s (unmount them, then retry)"
                        % (path, ", ".join(left)), status=1)
    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _lock(root):
    os.makedirs(os.path.dirname(root), exist_ok=True)
    with open(root + ".lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ensure(root=None, log=sys.stderr):
    """Returns the path of a ready trixie root: an existing one (given, cached, or in the build tree),
    else a new one at `root` (default: default_root())."""
    if root:
        root = os.path.abspath(root)
        if qemu.trixie_ready(root):
            print("viommu: QEMU 10.0: reusing the trixie root %s" % root, file=log)
            return root
    else:
        found = qemu.find_trixie()
        if found:
            print("viommu: QEMU 10.0: reusing the trixie root %s" % found, file=log)
            return found
        root = default_root()
    if not shutil.which("debootstrap"):
        raise UserError("debootstrap is not installed (apt-get install debootstrap)", status=1)
    if os.geteuid() != 0:
        raise UserError("creating the trixie root needs root (debootstrap); run 'sudo scripts/viommu setup "
                        "--qemu trixie' or point VIOMMU_TRIXIE_ROOT at an existing one", status=1)
    with _lock(root):
        if qemu.trixie_ready(root):  # another viommu made it while we waited
            return root
        partial = root + ".partial"
        _remove(partial)
        url = mirror()
        logfile = os.path.join(paths.logs_dir(), "trixie-debootstrap.log")
        argv = ["debootstrap", "--variant=minbase", "--include=" + INCLUDE, "trixie", partial, url]
        print("viommu: QEMU 10.0: creating the Debian trixie root %s from %s (about 1 min, 700 MB; log: %s)"
              % (root, url, paths.rel(logfile)), file=log, flush=True)
        start = time.monotonic()
        with open(logfile, "w") as f:
            f.write("$ %s\n" % " ".join(argv))
            f.flush()
            r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        if r.returncode != 0 or not qemu.trixie_ready(partial):
            _remove(partial)
            with open(logfile, errors="replace") as f:
                tail = "".join(f.readlines()[-15:])
            raise UserError("debootstrap of the trixie root failed (status %d; log: %s)"
                            % (r.returncode, paths.rel(logfile)), status=1, detail=tail)
        for mp in sorted(_mounts_below(partial), key=len, reverse=True):  # debootstrap's own, normally gone
            subprocess.run(["umount", "-l", mp], stdin=subprocess.DEVNULL, capture_output=True)
        _remove(root)
        os.rename(partial, root)
        print("viommu: QEMU 10.0: trixie root ready in %.0f s" % (time.monotonic() - start), file=log)
    return root
