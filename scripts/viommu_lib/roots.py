"""Debian roots holding a QEMU newer than the host's, run through each root's own dynamic loader (no chroot,
no root privileges to run; see qemu.Qemu.argv0). Every root is named after the Debian suite its QEMU comes
from; the column it gives is named by the version its binary reports.

  trixie            QEMU 10.0: `debootstrap --variant=minbase` of trixie (about 1 min, 700 MB).
  trixie-backports  QEMU 11.1: the trixie root copied as hard links (no space, under a second), with the
                    trixie-backports qemu-system-{x86,arm,riscv,common,data} debs (about 30 MB) and any
                    dependency the trixie root lacks unpacked over it (about 20 s). Reuses trixie's libraries.
  sid               QEMU 11.1 too: `debootstrap` of sid (about 6.5 min); only by name (--qemu sid), the
                    fallback when trixie-backports cannot be made.

Every package comes from the mirror of this machine's apt configuration. The backports index is verified
like apt does it: InRelease's signature against debian-archive-keyring (gpgv), then the SHA256 of
Packages.xz and of every deb. A root lives in /var/cache/viommu-conformance/qemu-<name> when that is
writable (every clone on the machine shares it), else in build/qemu-<name>; $VIOMMU_ROOT_<NAME> (e.g.
VIOMMU_ROOT_TRIXIE_BACKPORTS) or $VIOMMU_ROOTS_DIR (a directory of qemu-<name>) point elsewhere. It is made
under a lock in '<root>.partial', renamed into place only once complete and its QEMU has run."""
import contextlib
import fcntl
import glob
import hashlib
import lzma
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

from . import paths, progress
from .errors import UserError

ARCH_LIBDIR = "usr/lib/x86_64-linux-gnu"
LOADER = "lib64/ld-linux-x86-64.so.2"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


class RootSpec:
    def __init__(self, name, series, how, suite, packages, hint, base=None, default=True):
        self.name = name
        self.series = series      # what the suite ships today (FACTS.md); the binary's --version decides
        self.how = how            # "debootstrap" or "overlay" (debs of `suite` unpacked over a copy of `base`)
        self.suite = suite
        self.packages = list(packages)
        self.hint = hint          # how long / how big, for the progress line
        self.base = base
        self.default = default    # part of `--qemu all` (and of a plain `run`)


SPECS = [
    RootSpec("trixie", "10.0", "debootstrap", "trixie",
             ["qemu-system-arm", "qemu-system-x86", "qemu-system-misc", "qemu-system-riscv", "opensbi"],
             "about 1 min, 700 MB"),
    RootSpec("trixie-backports", "11.1", "overlay", "trixie-backports",
             ["qemu-system-x86", "qemu-system-arm", "qemu-system-riscv", "qemu-system-common",
              "qemu-system-data"], "about 30 MB of debs over the trixie root, about 15 s", base="trixie"),
    RootSpec("sid", "11.1", "debootstrap", "sid",
             ["qemu-system-arm", "qemu-system-x86", "qemu-system-misc", "qemu-system-riscv"],
             "about 6.5 min, 800 MB", default=False),
]
BY_NAME = {s.name: s for s in SPECS}
NAMES = [s.name for s in SPECS]
DEFAULT = [s.name for s in SPECS if s.default]

# Why a root could not be made in this process (name -> reason): its column then says so.
failures = {}


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise UserError("unknown Debian root '%s' (known: %s)" % (name, ", ".join(NAMES))) from None


def _env_name(name):
    return "VIOMMU_ROOT_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def locations(name):
    """Where root `name` is looked for, in order: $VIOMMU_ROOT_<NAME> (only there), $VIOMMU_ROOTS_DIR/qemu-<name>
    (only there), else the machine-wide cache, then the build tree."""
    one = os.environ.get(_env_name(name)) or (os.environ.get("VIOMMU_TRIXIE_ROOT") if name == "trixie" else None)
    if one:
        return [os.path.abspath(one)]
    if os.environ.get("VIOMMU_ROOTS_DIR"):
        return [os.path.join(os.path.abspath(os.environ["VIOMMU_ROOTS_DIR"]), "qemu-" + name)]
    return [os.path.join(paths.ROOTS_CACHE, "qemu-" + name), os.path.join(paths.BUILD, "qemu-" + name)]


def ready(root):
    """A root is complete when its loader and the QEMU of every architecture the suite boots are there."""
    return os.path.isfile(os.path.join(root, LOADER)) and all(
        os.path.isfile(os.path.join(root, "usr", "bin", "qemu-system-" + a)) for a in paths.ARCHES)


def find(name):
    for r in locations(name):
        if ready(r):
            return r
    return None


def default_location(name):
    """Where a new root goes: the place the environment names, else machine-wide when we may write there
    (every clone reuses it), else inside the build tree."""
    locs = locations(name)
    if len(locs) == 1:
        return locs[0]
    parent = paths.ROOTS_CACHE
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError:
        return locs[1]
    return locs[0] if os.access(parent, os.W_OK) else locs[1]


def missing_reason(name):
    spec = get(name)
    if name in failures:
        return "QEMU %s (Debian %s root) could not be created: %s" % (spec.series, name, failures[name])
    return ("QEMU %s (Debian %s root) not found in %s; 'scripts/viommu run' creates it (needs root)"
            % (spec.series, name, " or ".join(locations(name))))


# ---- the mirror ------------------------------------------------------------------------------------------
def mirror():
    """The Debian mirror of this machine's apt configuration (deb822 .sources 'URIs:' first, then
    sources.list 'deb' lines); never a hard-coded host."""
    candidates = []
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path, errors="replace") as f:
            candidates += mirrors_in_sources(f.read())
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        if os.path.isfile(path):
            with open(path, errors="replace") as f:
                candidates += mirrors_in_list(f.read())
    for uri in candidates:
        if "security" not in uri and uri.startswith(("http://", "https://", "file:")):
            return uri.rstrip("/")
    raise UserError("no Debian mirror found in /etc/apt/sources.list{,.d/} (needed to create the Debian roots)",
                    status=1)


def mirrors_in_sources(text):
    out = []
    for line in text.splitlines():
        m = re.match(r"^\s*URIs:\s*(.+)$", line)
        if m:
            out += m.group(1).split()
    return out


def mirrors_in_list(text):
    out = []
    for line in text.splitlines():
        m = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)", line)
        if m:
            out.append(m.group(1))
    return out


# ---- Debian indexes --------------------------------------------------------------------------------------
def stanzas(text):
    """deb822 paragraphs (Packages, dpkg status) as dicts of their single-line fields."""
    for para in re.split(r"\n\s*\n", text):
        fields = {}
        for line in para.splitlines():
            if line and not line[0].isspace() and ":" in line:
                k, v = line.split(":", 1)
                fields[k] = v.strip()
        if fields:
            yield fields


def installed(status_text):
    """{package: version} of a dpkg status file's installed packages, Provides included (version None
    for an unversioned provide)."""
    out = {}
    for f in stanzas(status_text):
        if not f.get("Status", "").endswith(" installed"):
            continue
        out[f["Package"]] = f["Version"]
        for prov in _split(f.get("Provides", "")):
            m = re.match(r"(\S+)\s*(?:\(=\s*([^)]+)\))?", prov)
            out.setdefault(m.group(1), m.group(2) and m.group(2).strip())
    return out


def _split(field):
    return [p.strip() for p in field.split(",") if p.strip()]


def relations(field):
    """A Depends field as a list of alternatives lists: [[(name, op, version), ...], ...]."""
    out = []
    for group in _split(field):
        alts = []
        for alt in group.split("|"):
            m = re.match(r"\s*([^\s(:\[]+)(?::\S+)?\s*(?:\(\s*([<>=]+)\s*([^)\s]+)\s*\))?", alt)
            if m:
                alts.append(m.groups())
        out.append(alts)
    return out


def version_ok(have, op, want):
    if not op:
        return True
    if have is None:
        return False
    op = {"<": "<=", ">": ">="}.get(op, op)  # the obsolete spellings mean <= and >=
    return subprocess.run(["dpkg", "--compare-versions", have, {"<<": "lt", "<=": "le", "=": "eq", ">=": "ge",
                                                               ">>": "gt"}[op], want],
                          stdin=subprocess.DEVNULL).returncode == 0


def resolve(wanted, index, have):
    """The debs to unpack: `wanted` and every dependency of theirs that `have` (the base root's installed
    packages) does not satisfy but `index` (the suite's Packages, name -> fields) does, transitively.
    Raises UserError naming a dependency nobody satisfies."""
    chosen = {}
    todo = list(wanted)
    while todo:
        name = todo.pop(0)
        if name in chosen:
            continue
        if name not in index:
            raise UserError("package %s is not in the index" % name, status=1)
        chosen[name] = index[name]
        for alts in relations(index[name].get("Pre-Depends", "")) + relations(index[name].get("Depends", "")):
            if any(n in chosen or n in todo for n, _, _ in alts):
                continue
            if any(n in have and version_ok(have[n], op, v) for n, op, v in alts):
                continue
            pick = next((n for n, op, v in alts if n in index and version_ok(index[n]["Version"], op, v)), None)
            if pick is None:
                raise UserError("%s needs %s, which neither the base root nor the index satisfies"
                                % (name, " | ".join("%s%s" % (n, " (%s %s)" % (op, v) if op else "")
                                                    for n, op, v in alts)), status=1)
            todo.append(pick)
    return [chosen[n] for n in chosen]


def release_sha256(release_text, member):
    """(sha256, size) of `member` (e.g. main/binary-amd64/Packages.xz) in a Release file's SHA256 list."""
    in_sha = False
    for line in release_text.splitlines():
        if not line.startswith(" "):
            in_sha = line.startswith("SHA256:")
            continue
        if in_sha:
            words = line.split()
            if len(words) == 3 and words[2] == member:
                return words[0], int(words[1])
    raise UserError("%s is not listed in the Release file" % member, status=1)


def _fetch(url, dest=None, timeout=120):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            if dest is None:
                return r.read()
            with open(dest, "wb") as f:
                shutil.copyfileobj(r, f, 1 << 20)
            return None
    except OSError as e:  # URLError is an OSError
        raise UserError("cannot download %s: %s" % (url, getattr(e, "reason", None) or e), status=1) from None


def _sha256(path_or_bytes):
    h = hashlib.sha256()
    if isinstance(path_or_bytes, bytes):
        h.update(path_or_bytes)
    else:
        with open(path_or_bytes, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def suite_index(url, suite, work):
    """{package: fields} of `suite`'s main/binary-amd64 Packages, verified from the signed InRelease."""
    if not os.path.isfile(KEYRING) or not shutil.which("gpgv"):
        raise UserError("%s and gpgv are needed to verify the %s index (apt-get install debian-archive-keyring "
                        "gpgv)" % (KEYRING, suite), status=1)
    inrelease = os.path.join(work, "InRelease")
    _fetch("%s/dists/%s/InRelease" % (url, suite), inrelease)
    r = subprocess.run(["gpgv", "--keyring", KEYRING, "--output", "-", inrelease], stdin=subprocess.DEVNULL,
                       capture_output=True)
    if r.returncode != 0:
        raise UserError("the signature of %s/dists/%s/InRelease does not verify against %s" % (url, suite, KEYRING),
                        status=1, detail=r.stderr.decode(errors="replace"))
    sha, size = release_sha256(r.stdout.decode(errors="replace"), "main/binary-amd64/Packages.xz")
    data = _fetch("%s/dists/%s/main/binary-amd64/Packages.xz" % (url, suite))
    if len(data) != size or _sha256(data) != sha:
        raise UserError("%s/dists/%s/main/binary-amd64/Packages.xz does not match its InRelease hash" % (url, suite),
                        status=1)
    index = {}
    for f in stanzas(lzma.decompress(data).decode("utf-8", errors="replace")):
        if "Package" in f and "Filename" in f and f.get("Architecture") in ("amd64", "all"):
            old = index.get(f["Package"])
            if old is None or version_ok(f["Version"], ">>", old["Version"]):
                index[f["Package"]] = f
    return index


# ---- making a root -----------------------------------------------------------------------------------
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


def _unmount_below(path):
    for mp in sorted(_mounts_below(path), key=len, reverse=True):  # deepest first
        subprocess.run(["umount", "-l", mp], stdin=subprocess.DEVNULL, capture_output=True)


def _remove(path):
    """Deletes a (partial) root, but never through a mount: an interrupted debootstrap may leave the
    host's /proc or /dev mounted inside it. Unmounts (deepest first); refuses when that fails."""
    if not os.path.lexists(path):
        return
    _unmount_below(path)
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


def merge(src, dst):
    """Moves the tree src over dst, entry by entry with rename(2): a file already in dst is replaced as a
    directory entry, never written through, so dst's hard links to another root's files leave that root
    untouched. A symbolic link to a directory in dst (Debian's /lib -> usr/lib) is followed."""
    for e in os.scandir(src):
        d = os.path.join(dst, e.name)
        if e.is_dir(follow_symlinks=False):
            if not os.path.isdir(d):
                if os.path.lexists(d):
                    os.unlink(d)
                os.makedirs(d)
            merge(e.path, d)
        else:
            if os.path.isdir(d) and not os.path.islink(d):
                shutil.rmtree(d)
            os.replace(e.path, d)


def root_version(root, arch="x86_64"):
    """The version the root's QEMU reports, run through its own loader (None when it does not run)."""
    from . import qemu
    q = qemu.RootQemu("?", root=root)
    try:
        return q.version(arch)
    except UserError:
        return None


def _debootstrap(spec, partial, logfile, log):
    url = mirror()
    if not shutil.which("debootstrap"):
        raise UserError("debootstrap is not installed (apt-get install debootstrap)", status=1)
    argv = ["debootstrap", "--variant=minbase", "--include=" + ",".join(spec.packages), spec.suite, partial, url]
    progress.say("QEMU %s: creating the Debian %s root from %s (%s; log: %s)"
                 % (spec.series, spec.name, url, spec.hint, paths.rel(logfile)), log)
    rc = progress.run_logged(argv, logfile, "Debian %s root" % spec.name, log=log)
    _unmount_below(partial)  # debootstrap's own mounts, normally gone
    if rc != 0:
        raise UserError("debootstrap of the %s root failed (status %d; log: %s)" % (spec.name, rc, paths.rel(logfile)),
                        status=1, detail=_tail(logfile))


def _overlay(spec, partial, logfile, log):
    """The base root as hard links, its QEMU removed, the suite's QEMU debs (and the dependencies the base
    lacks) unpacked over it."""
    base = ensure(spec.base, log=log)
    url = mirror()
    progress.say("QEMU %s: creating the Debian %s root: %s's QEMU debs from %s over the %s root %s (%s; log: %s)"
                 % (spec.series, spec.name, spec.suite, url, spec.base, base, spec.hint, paths.rel(logfile)), log)
    with open(logfile, "a") as lf, tempfile.TemporaryDirectory(prefix="debs-", dir=os.path.dirname(partial)) as work:
        index = suite_index(url, spec.suite, work)
        with open(os.path.join(base, "var", "lib", "dpkg", "status"), errors="replace") as f:
            have = installed(f.read())
        debs = resolve(spec.packages, index, have)
        total = sum(int(d.get("Size", 0)) for d in debs)
        lf.write("base %s; unpacking %s\n" % (base, " ".join("%s=%s" % (d["Package"], d["Version"]) for d in debs)))
        lf.flush()
        progress.say("QEMU %s: downloading %s (%.0f MB)" % (spec.series, " ".join(
            "%s %s" % (d["Package"], d["Version"]) for d in debs), total / 1e6), log)
        files = []
        for d in debs:
            dest = os.path.join(work, os.path.basename(d["Filename"]))
            _fetch("%s/%s" % (url, d["Filename"]), dest)
            if _sha256(dest) != d.get("SHA256"):
                raise UserError("%s does not match the SHA256 of the signed index" % d["Filename"], status=1)
            files.append(dest)
        # Hard links: no copy of 700 MB; merge() replaces entries, so the base root is never written.
        r = subprocess.run(["cp", "-al", base, partial], stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            _remove(partial)
            lf.write("hard links failed; copying\n")
            lf.flush()
            r = subprocess.run(["cp", "-a", base, partial], stdin=subprocess.DEVNULL, stdout=lf,
                               stderr=subprocess.STDOUT)
            if r.returncode != 0:
                raise UserError("cannot copy the %s root %s (log: %s)" % (spec.base, base, paths.rel(logfile)), status=1)
        # The base's QEMU goes first: no 10.0 binary, module or firmware survives next to the new one.
        for old in glob.glob(os.path.join(partial, "usr", "bin", "qemu-system-*")):
            os.unlink(old)
        for d in (os.path.join(ARCH_LIBDIR, "qemu"), "usr/share/qemu"):
            shutil.rmtree(os.path.join(partial, d), ignore_errors=True)
        for deb in files:
            stage = os.path.join(work, "stage")
            r = subprocess.run(["dpkg-deb", "-x", deb, stage], stdin=subprocess.DEVNULL, stdout=lf,
                               stderr=subprocess.STDOUT)
            if r.returncode != 0:
                raise UserError("dpkg-deb -x %s failed (log: %s)" % (os.path.basename(deb), paths.rel(logfile)),
                                status=1)
            merge(stage, partial)
            shutil.rmtree(stage)
    with open(os.path.join(partial, "VIOMMU-ROOT"), "w") as f:
        f.write("viommu-conformance root %s: the %s root %s with these %s debs unpacked over it:\n%s\n"
                % (spec.name, spec.base, base, spec.suite,
                   "\n".join("%s %s" % (d["Package"], d["Version"]) for d in debs)))


def _tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def ensure(name, where=None, log=None):
    """The path of a ready root `name`: an existing one (at `where`, or found), else a new one made at `where`
    (default: default_location()). Raises UserError (the reason is also kept in `failures`)."""
    spec = get(name)
    try:
        if where:
            where = os.path.abspath(where)
            if ready(where):
                return where
        else:
            found = find(name)
            if found:
                return found
            where = default_location(name)
        if os.geteuid() != 0:
            raise UserError("creating the %s root needs root (debootstrap, unpacking into %s): run 'sudo "
                            "scripts/viommu setup', or point %s at an existing one"
                            % (name, os.path.dirname(where), _env_name(name)), status=1)
        with _lock(where):
            if ready(where):  # another viommu made it while we waited
                return where
            partial = where + ".partial"
            _remove(partial)
            logfile = os.path.join(paths.logs_dir(), "root-%s.log" % name)
            with open(logfile, "w"):
                pass
            start = time.monotonic()
            try:
                (_debootstrap if spec.how == "debootstrap" else _overlay)(spec, partial, logfile, log)
                version = root_version(partial) if ready(partial) else None
                if not version:
                    raise UserError("the %s root was made but its QEMU does not run through the root's loader "
                                    "(log: %s)" % (name, paths.rel(logfile)), status=1)
            except BaseException:
                _remove(partial)
                raise
            _remove(where)
            os.rename(partial, where)
            progress.say("QEMU %s: Debian %s root %s ready in %.0f s" % (version[0], name, where,
                                                                           time.monotonic() - start), log)
        failures.pop(name, None)
        return where
    except UserError as e:
        failures[name] = str(e)
        raise
