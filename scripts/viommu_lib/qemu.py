"""Finding QEMU, its version, launching one run with a timeout, and mapping its exit status back."""
import os
import re
import shutil
import signal
import subprocess
import threading
import time

from . import configs
from .errors import UserError

_versions = {}
_live = set()          # QEMU processes running now (killed all at once on Ctrl-C)
_live_lock = threading.Lock()


class Qemu:
    """The QEMU installation used for a run: binaries per architecture and the x86 firmware."""

    def __init__(self, qemu_dir=None):
        self.qemu_dir = os.path.abspath(qemu_dir) if qemu_dir else None
        if self.qemu_dir and not os.path.isdir(self.qemu_dir):
            raise UserError("--qemu-dir %s is not a directory" % qemu_dir)

    def binary(self, arch):
        """Absolute path of qemu-system-<arch>, or None when not found."""
        name = "qemu-system-" + arch
        if self.qemu_dir:
            p = os.path.join(self.qemu_dir, name)
            return p if os.path.isfile(p) and os.access(p, os.X_OK) else None
        return shutil.which(name)

    def expected_binary(self, arch):
        name = "qemu-system-" + arch
        return os.path.join(self.qemu_dir, name) if self.qemu_dir else name

    def qboot(self):
        if self.qemu_dir:
            p = os.path.normpath(os.path.join(self.qemu_dir, "..", "share", "qemu", "qboot.rom"))
            if os.path.isfile(p):
                return p
        return configs.SYSTEM_QBOOT

    def version(self, arch):
        """(full, major.minor) of the QEMU for arch, e.g. ('7.2.22', '7.2'); None when unavailable."""
        b = self.binary(arch)
        if not b:
            return None
        return binary_version(b)


def check_accel(accel):
    """KVM needs a usable /dev/kvm; say so up front rather than through a failed boot."""
    if accel == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        raise UserError("--accel kvm: /dev/kvm is missing or not accessible (use --accel tcg)")


def binary_version(binary):
    if binary not in _versions:
        try:
            out = subprocess.run([binary, "--version"], stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired) as e:
            raise UserError("cannot run %s --version: %s" % (binary, e)) from None
        m = re.search(r"version (\d+)\.(\d+)(?:\.(\d+))?", out)
        if not m:
            raise UserError("cannot read the version of %s (got %r)" % (binary, out.strip()[:80]))
        full = ".".join(g for g in m.groups() if g is not None)
        _versions[binary] = (full, "%s.%s" % (m.group(1), m.group(2)))
    return _versions[binary]


class Outcome:
    """What one QEMU process did."""

    def __init__(self):
        self.returncode = None
        self.timed_out = False
        self.stdout = b""
        self.stderr = b""
        self.elapsed = 0.0


def launch(argv, timeout, stream=None):
    """Runs QEMU; stdout is collected (and written to `stream`, a binary file, as it arrives).
    Kills the process group after `timeout` seconds."""
    out = Outcome()
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
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
    if arch == "aarch64":
        return rc, None
    if rc == 0:
        return None, "the guest reset or powered off without reporting a status (QEMU exit status 0)"
    if rc & 1 == 0:
        return None, "QEMU exited with status %d, which is no isa-debug-exit status" % rc
    return rc >> 1, None
