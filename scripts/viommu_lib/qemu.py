"""Finding QEMU, its version, launching one run with a timeout, and mapping its exit status back."""
import json
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


class Qemu:
    """One QEMU implementation (a column of the matrix). The interface every QEMU source implements: the
    host's packages (SystemQemu), a Debian root run through its own dynamic loader (RootQemu: no chroot,
    no root privileges, every path a host path) and a user's build directory (DirQemu). `name` is what
    --qemu calls it (system, trixie, trixie-backports, sid; dir for --qemu-dir); `problem` says why it
    cannot run. A subclass says where its binaries, firmware and modules are; nothing switches on its kind."""

    name = "?"
    ident_suffix = ""   # 'qemu-9.2-dir' tells a user's build from the packaged QEMU of the same series

    def __init__(self, problem=None, series_hint=None):
        self.problem = problem
        self.series_hint = series_hint  # the series a missing QEMU would have, for its column title

    # ---- what a source says about itself ------------------------------------------------------------
    @property
    def source(self):
        raise NotImplementedError

    def _path(self, name):
        """Where qemu-system-X would be (None: look it up on PATH)."""
        raise NotImplementedError

    def expected_binary(self, arch):
        return self._path("qemu-system-" + arch) or "qemu-system-" + arch

    def argv0(self, arch):
        """The words that start QEMU for arch, or None."""
        b = self.binary(arch)
        return [b] if b else None

    def env(self):
        """Environment additions for this QEMU."""
        return {}

    def qboot(self):
        return configs.SYSTEM_QBOOT

    def _title_extra(self):
        return ""

    # ---- identity -------------------------------------------------------------------------------
    def series(self):
        """major.minor of this QEMU (from any of its binaries), or None when it cannot run."""
        for arch in paths.ARCHES:
            v = self.version(arch)
            if v:
                return v[1]
        return None

    @property
    def ident(self):
        """Short id used in classnames, lit features and file names: qemu-7.2, qemu-10.0, qemu-9.2-dir."""
        return "qemu-%s%s" % (self.series() or self.series_hint or "unknown", self.ident_suffix)

    @property
    def label(self):
        """Column title: 'qemu 7.2', 'qemu 10.0', 'qemu 9.2 (/path)'."""
        return "qemu %s%s" % (self.series() or self.series_hint or "?", self._title_extra())

    # ---- files ----------------------------------------------------------------------------------
    def binary(self, arch):
        """Absolute path of qemu-system-<arch>, or None when not found."""
        if self.problem:
            return None
        name = "qemu-system-" + arch
        p = self._path(name)
        if p is None:
            return shutil.which(name)
        return p if os.path.isfile(p) and os.access(p, os.X_OK) else None

    def version(self, arch):
        """(full, major.minor) of the QEMU for arch, e.g. ('7.2.22', '7.2'); None when unavailable."""
        argv = self.argv0(arch)
        if not argv:
            return None
        return binary_version(argv, self.env())

    # ---- what this QEMU has (asked from the binary, cached per binary) ----------------------------
    def device_options(self, arch, device):
        """The property names `-device DEVICE,help` lists (empty when QEMU has no such device), or None
        when this QEMU cannot run."""
        argv = self.argv0(arch)
        if not argv:
            return None
        return probe(argv, self.env(), "device:" + device)

    def machines(self, arch):
        """The machine types `-machine help` lists, or None when this QEMU cannot run."""
        argv = self.argv0(arch)
        if not argv:
            return None
        return probe(argv, self.env(), "machines")


class SystemQemu(Qemu):
    """The host's QEMU, found on PATH."""
    name = "system"
    source = "host packages (PATH)"

    def _path(self, name):
        return None


class DirQemu(Qemu):
    """A user's QEMU build (--qemu-dir): an installed prefix's bin/ or a build tree."""
    name = "dir"
    ident_suffix = "-dir"

    def __init__(self, qemu_dir):
        super().__init__()
        if not os.path.isdir(qemu_dir):
            raise UserError("--qemu-dir %s is not a directory" % qemu_dir)
        self.qemu_dir = os.path.abspath(qemu_dir)

    @property
    def source(self):
        return "build directory %s" % self.qemu_dir

    def _path(self, name):
        return os.path.join(self.qemu_dir, name)

    def _title_extra(self):
        return " (%s)" % self.qemu_dir

    def qboot(self):
        # an installed prefix's bin/, a QEMU build tree (pc-bios/, or qemu-bundle/ since 7.x), or DIR itself
        for rel in (("..", "share", "qemu", "qboot.rom"), ("pc-bios", "qboot.rom"),
                    ("qemu-bundle", "usr", "local", "share", "qemu", "qboot.rom"), ("qboot.rom",)):
            p = os.path.normpath(os.path.join(self.qemu_dir, *rel))
            if os.path.isfile(p):
                return p
        return configs.SYSTEM_QBOOT


class RootQemu(Qemu):
    """The QEMU of a Debian root (roots.py), run through the root's own loader with the root's libraries."""

    def __init__(self, name, root=None, problem=None, series_hint=None):
        super().__init__(problem, series_hint)
        self.name = name
        self.root = os.path.abspath(root) if root else None

    @property
    def source(self):
        return "Debian %s root %s" % (self.name, self.root)

    def _path(self, name):
        return os.path.join(self.root or "<%s root>" % self.name, "usr", "bin", name)

    def argv0(self, arch):
        b = self.binary(arch)
        if not b:
            return None
        # The root's own loader with the root's libraries: its QEMU never sees the host's libc.
        # -L points QEMU at the root's firmware and option ROMs (efi-virtio.rom for virtio-*-pci).
        libdirs = [os.path.join(self.root, d) for d in ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")]
        return [os.path.join(self.root, "lib64", "ld-linux-x86-64.so.2"), "--library-path", ":".join(libdirs),
                b, "-L", os.path.join(self.root, "usr", "share", "qemu")]

    def env(self):
        """The root's QEMU must load its own modules, not the host's."""
        return {"QEMU_MODULE_DIR": os.path.join(self.root, "usr", "lib", "x86_64-linux-gnu", "qemu")}

    def qboot(self):
        return os.path.join(self.root or "/nonexistent", "usr", "share", "qemu", "qboot.rom")


def root_qemu(name):
    """The QEMU of Debian root `name` (roots.py), or an unavailable one saying (loudly) why."""
    from . import roots
    spec = roots.get(name)
    root = roots.find(name)
    if root:
        return RootQemu(name, root=root, series_hint=spec.series)
    return RootQemu(name, series_hint=spec.series, problem=roots.missing_reason(name))


def choices():
    from . import roots
    return ("all", "system") + tuple(roots.NAMES)


def implementations(qemu_dir=None, choice=None):
    """The QEMUs a run uses: the host's and every default Debian root (trixie, trixie-backports; each
    reported unavailable when absent) unless --qemu and/or --qemu-dir narrow the set. `sid` only by name."""
    from . import roots
    words = [w.strip() for w in (choice or "").split(",") if w.strip()]
    for w in words:
        if w not in choices():
            raise UserError("--qemu: unknown QEMU '%s' (known: %s)" % (w, ", ".join(choices())))
    if not words:
        words = [] if qemu_dir else ["all"]
    out = []
    if "all" in words or "system" in words:
        out.append(SystemQemu())
    for name in roots.NAMES:
        if name in words or ("all" in words and name in roots.DEFAULT):
            out.append(root_qemu(name))
    if qemu_dir:
        out.append(DirQemu(qemu_dir))
    return out


def root_names(qemu_dir=None, choice=None):
    """The Debian roots a selection uses (what `run` creates when missing)."""
    from . import roots
    words = [w.strip() for w in (choice or "").split(",") if w.strip()] or ([] if qemu_dir else ["all"])
    return [n for n in roots.NAMES if n in words or ("all" in words and n in roots.DEFAULT)]


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


_probe_lock = threading.Lock()
_probes = None  # the on-disk cache, loaded on first use


def _probe_cache_path():
    return os.path.join(paths.BUILD, "qemu-probes.json")


def _binary_key(argv):
    """Identifies a QEMU binary for the probe cache: its path, size and modification time (a rebuilt or
    upgraded binary is asked again)."""
    binary = next((a for a in argv if os.path.basename(a).startswith("qemu-system-")), argv[0])
    try:
        st = os.stat(binary)
    except OSError:
        return None
    return "%s|%d|%d" % (os.path.realpath(binary), st.st_size, st.st_mtime_ns)


def parse_device_help(text):
    """Property names of a `-device NAME,help` listing ('  dma-remap=<bool>  - on/off (default: off)')."""
    return sorted({m.group(1) for m in re.finditer(r"^\s+([A-Za-z0-9_.-]+)=<", text, re.M)})


def parse_machine_help(text):
    """Machine type names of a `-machine help` listing (the first word of every line but the title)."""
    out = []
    for line in text.splitlines()[1:]:
        words = line.split()
        if words:
            out.append(words[0])
    return out


def probe(argv, env, what):
    """What a QEMU binary has, asked once per binary and remembered in build/qemu-probes.json:
    what = 'device:NAME' -> {'present': bool, 'options': [names]} from `-device NAME,help` (the full
    `-device help` aborts under a Debian root's loader while loading GL display modules);
    what = 'machines' -> [machine type names] from `-machine help`."""
    global _probes
    key = _binary_key(argv)
    with _probe_lock:
        if _probes is None:
            try:
                with open(_probe_cache_path()) as f:
                    _probes = json.load(f)
            except (OSError, ValueError):
                _probes = {}
        if key and what in _probes.get(key, {}):
            return _probes[key][what]
    if what.startswith("device:"):
        words = ["-device", what[len("device:"):] + ",help"]
    elif what == "machines":
        words = ["-machine", "help"]
    else:
        raise ValueError(what)
    try:
        r = subprocess.run(list(argv) + words, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           errors="replace", timeout=60, env=dict(os.environ, **(env or {})))
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UserError("cannot ask %s for %s: %s" % (" ".join(argv), " ".join(words), e)) from None
    if what == "machines":
        value = parse_machine_help(r.stdout)
    else:
        value = {"present": r.returncode == 0 and "not found" not in r.stderr,  # 7.2 exits 0 either way
                 "options": parse_device_help(r.stdout)}
    with _probe_lock:
        if key:
            _probes.setdefault(key, {})[what] = value
            try:
                os.makedirs(paths.BUILD, exist_ok=True)
                tmp = "%s.%d.tmp" % (_probe_cache_path(), os.getpid())
                with open(tmp, "w") as f:
                    json.dump(_probes, f, indent=1, sort_keys=True)
                os.replace(tmp, _probe_cache_path())
            except OSError:
                pass  # a cache we cannot write only costs the next run a few probes
    return value


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
    x86_64 (isa-debug-exit), riscv64 (sifive,test0 finisher, sent the same way): QEMU exits (s << 1) | 1;
    0 means the guest reset or powered off."""
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
