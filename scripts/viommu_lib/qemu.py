"""Finding QEMU, its version, launching one run with a timeout, and mapping its exit status back."""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

from . import configs, paths
from .errors import UserError

_versions = {}
_live = set()          # QEMU processes running now (killed all at once on Ctrl-C)
_live_lock = threading.Lock()


TRIXIE_SERIES = "10.0"   # what Debian trixie ships (FACTS.md); the binary's own --version decides


class Qemu:
    """One QEMU implementation: the host's (PATH), a Debian trixie root (run through that root's own
    dynamic loader, so no chroot and no root privileges are needed and every path stays a host path),
    or a user's build directory (--qemu-dir). `problem` says why it cannot run."""

    def __init__(self, qemu_dir=None, kind=None, root=None, problem=None):
        self.qemu_dir = os.path.abspath(qemu_dir) if qemu_dir else None
        self.kind = kind or ("dir" if qemu_dir else "system")
        self.root = os.path.abspath(root) if root else None
        self.problem = problem
        if self.kind == "dir" and not os.path.isdir(self.qemu_dir):
            raise UserError("--qemu-dir %s is not a directory" % qemu_dir)

    # ---- identity -------------------------------------------------------------------------------
    def series(self):
        """major.minor of this QEMU (from any of its binaries), or None when it cannot run."""
        for arch in ("aarch64", "x86_64"):
            v = self.version(arch)
            if v:
                return v[1]
        return None

    @property
    def ident(self):
        """Short id used in classnames, lit features and file names: qemu-7.2, qemu-10.0, qemu-9.2-dir."""
        s = self.series() or (TRIXIE_SERIES if self.kind == "trixie" else "unknown")
        return "qemu-%s%s" % (s, "-dir" if self.kind == "dir" else "")

    @property
    def label(self):
        """Column title: 'qemu 7.2', 'qemu 10.0', 'qemu 9.2 (/path)'."""
        s = self.series() or (TRIXIE_SERIES if self.kind == "trixie" else "?")
        if self.kind == "dir":
            return "qemu %s (%s)" % (s, self.qemu_dir)
        return "qemu %s" % s

    @property
    def source(self):
        return {"system": "host packages (PATH)", "trixie": "Debian trixie root %s" % self.root,
                "dir": "build directory %s" % self.qemu_dir}[self.kind]

    # ---- files ----------------------------------------------------------------------------------
    def binary(self, arch):
        """Absolute path of qemu-system-<arch>, or None when not found."""
        name = "qemu-system-" + arch
        if self.problem:
            return None
        if self.kind == "trixie":
            p = os.path.join(self.root, "usr", "bin", name)
        elif self.kind == "dir":
            p = os.path.join(self.qemu_dir, name)
        else:
            return shutil.which(name)
        return p if os.path.isfile(p) and os.access(p, os.X_OK) else None

    def expected_binary(self, arch):
        name = "qemu-system-" + arch
        if self.kind == "trixie":
            return os.path.join(self.root or "<trixie root>", "usr", "bin", name)
        return os.path.join(self.qemu_dir, name) if self.qemu_dir else name

    def argv0(self, arch):
        """The words that start QEMU for arch (a loader prefix for a trixie root), or None."""
        b = self.binary(arch)
        if not b:
            return None
        if self.kind != "trixie":
            return [b]
        # The root's own loader with the root's libraries: its QEMU never sees the host's libc.
        # -L points QEMU at the root's firmware and option ROMs (efi-virtio.rom for virtio-*-pci).
        libdirs = [os.path.join(self.root, d) for d in ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")]
        return [os.path.join(self.root, "lib64", "ld-linux-x86-64.so.2"), "--library-path", ":".join(libdirs),
                b, "-L", os.path.join(self.root, "usr", "share", "qemu")]

    def env(self):
        """Environment additions: the root's QEMU must load its own modules, not the host's."""
        if self.kind == "trixie":
            return {"QEMU_MODULE_DIR": os.path.join(self.root, "usr", "lib", "x86_64-linux-gnu", "qemu")}
        return {}

    def qboot(self):
        if self.kind == "trixie":
            return os.path.join(self.root or "/nonexistent", "usr", "share", "qemu", "qboot.rom")
        if self.qemu_dir:
            for rel in (("..", "share", "qemu", "qboot.rom"), ("pc-bios", "qboot.rom"), ("qboot.rom",)):
                p = os.path.normpath(os.path.join(self.qemu_dir, *rel))
                if os.path.isfile(p):
                    return p
        return configs.SYSTEM_QBOOT

    def version(self, arch):
        """(full, major.minor) of the QEMU for arch, e.g. ('7.2.22', '7.2'); None when unavailable."""
        argv = self.argv0(arch)
        if not argv:
            return None
        return binary_version(argv, self.env())


def trixie_roots():
    """Where a Debian trixie root with QEMU 10.0 is looked for, in order ($VIOMMU_TRIXIE_ROOT: only there)."""
    if os.environ.get("VIOMMU_TRIXIE_ROOT"):
        return [os.path.abspath(os.environ["VIOMMU_TRIXIE_ROOT"])]
    return [paths.TRIXIE_CACHE, paths.TRIXIE_BUILD]


def trixie_ready(root):
    return all(os.path.isfile(os.path.join(root, "usr", "bin", "qemu-system-" + a)) for a in paths.ARCHES)


def find_trixie():
    for r in trixie_roots():
        if trixie_ready(r):
            return r
    return None


def trixie():
    """The trixie QEMU, or an unavailable one saying (loudly) where it was looked for."""
    root = find_trixie()
    if root:
        return Qemu(kind="trixie", root=root)
    return Qemu(kind="trixie", problem="QEMU %s (Debian trixie root) not found in %s; create it with "
                "'scripts/viommu setup --qemu trixie'" % (TRIXIE_SERIES, " or ".join(trixie_roots())))


QEMU_CHOICES = ("all", "system", "trixie")


def implementations(qemu_dir=None, choice=None):
    """The QEMUs a run uses: every one found (the host's and the trixie root's, the latter reported
    unavailable when absent) unless --qemu and/or --qemu-dir narrow the set."""
    words = [w.strip() for w in (choice or "").split(",") if w.strip()]
    for w in words:
        if w not in QEMU_CHOICES:
            raise UserError("--qemu: unknown QEMU '%s' (known: %s)" % (w, ", ".join(QEMU_CHOICES)))
    if not words:
        words = [] if qemu_dir else ["all"]
    out = []
    if "all" in words or "system" in words:
        out.append(Qemu())
    if "all" in words or "trixie" in words:
        out.append(trixie())
    if qemu_dir:
        out.append(Qemu(qemu_dir))
    return out


def check_accel(accel):
    """KVM needs a usable /dev/kvm; say so up front rather than through a failed boot."""
    if accel == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        raise UserError("--accel kvm: /dev/kvm is missing or not accessible (use --accel tcg)")


def binary_version(argv, env=None):
    """(full, major.minor) that a QEMU reports; argv is its path or the words starting it."""
    argv = [argv] if isinstance(argv, str) else list(argv)
    key = tuple(argv)
    binary = argv[-1] if len(argv) == 1 else " ".join(argv)
    if key not in _versions:
        try:
            out = subprocess.run(argv + ["--version"], stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=30, env=dict(os.environ, **(env or {}))).stdout
        except (OSError, subprocess.TimeoutExpired) as e:
            raise UserError("cannot run %s --version: %s" % (binary, e)) from None
        m = re.search(r"version (\d+)\.(\d+)(?:\.(\d+))?", out)
        if not m:
            raise UserError("cannot read the version of %s (got %r)" % (binary, out.strip()[:80]))
        full = ".".join(g for g in m.groups() if g is not None)
        _versions[key] = (full, "%s.%s" % (m.group(1), m.group(2)))
    return _versions[key]


class Outcome:
    """What one QEMU process did."""

    def __init__(self):
        self.returncode = None
        self.timed_out = False
        self.stdout = b""
        self.stderr = b""
        self.elapsed = 0.0


def launch(argv, timeout, stream=None, env=None):
    """Runs QEMU; stdout is collected (and written to `stream`, a binary file, as it arrives).
    Kills the process group after `timeout` seconds."""
    out = Outcome()
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True,
                                env=dict(os.environ, **env) if env else None)
    except OSError as e:
        raise UserError("cannot start %s: %s" % (argv[0], e.strerror or e)) from None
    with _live_lock:
        _live.add(proc)
    chunks, errs = [], []
    sink = [stream]

    def pump_out():
        while True:
            data = os.read(proc.stdout.fileno(), 65536)
            if not data:
                break
            chunks.append(data)
            if sink[0] is not None:
                try:
                    sink[0].write(data)
                    sink[0].flush()
                except (BrokenPipeError, OSError):
                    sink[0] = None  # the reader went away; keep collecting

    def pump_err():
        errs.append(proc.stderr.read())

    threads = [threading.Thread(target=pump_out, daemon=True), threading.Thread(target=pump_err, daemon=True)]
    for t in threads:
        t.start()
    try:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            out.timed_out = True
            _kill(proc)
    except BaseException:
        _kill(proc)
        raise
    finally:
        with _live_lock:
            _live.discard(proc)
    for t in threads:
        t.join(timeout=5)
    out.returncode = proc.returncode
    out.stdout = b"".join(chunks)
    out.stderr = b"".join(e for e in errs if e)
    out.elapsed = time.monotonic() - start
    return out


def kill_all():
    """Kills every QEMU this process started that is still running."""
    with _live_lock:
        procs = list(_live)
    for p in procs:
        _kill(p)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def guest_status(arch, outcome):
    """Maps QEMU's exit status back to the guest's: (status, None) or (None, problem text).
    aarch64 (semihosting SYS_EXIT): QEMU's status is the guest's.
    x86_64 (isa-debug-exit): QEMU exits (s << 1) | 1; 0 means the guest reset or powered off."""
    rc = outcome.returncode
    if rc is None:
        return None, "QEMU did not exit"
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = "signal %d" % -rc
        return None, "QEMU was killed by %s" % name
    if not outcome.stdout:
        return None, "QEMU exited with status %d before the guest printed anything" % rc
    if arch in ("aarch64", "host"):  # semihosting SYS_EXIT / the hosted runner: the status is the guest's
        return rc, None
    if rc == 0:
        return None, "the guest reset or powered off without reporting a status (QEMU exit status 0)"
    if rc & 1 == 0:
        return None, "QEMU exited with status %d, which is no isa-debug-exit status" % rc
    return rc >> 1, None
