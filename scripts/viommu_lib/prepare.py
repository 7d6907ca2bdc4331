"""What `run`, `test` and `setup` do first, on any machine: install the missing Debian packages, then create
the missing Debian roots (roots.py) in a thread while the builds run (the roots are network and disk, the
builds are CPU), then wait for both. A root that cannot be made is a loud warning, never an error: its
column is then reported UNAVAILABLE with the reason."""
import sys
import threading

from . import build, packages, progress, roots
from .errors import UserError

BAR = "!" * 78


def warn_root(name, error, log=None):
    log = log or sys.stderr
    spec = roots.get(name)
    detail = getattr(error, "detail", None)
    with progress._print_lock:
        if detail:
            log.write(detail if detail.endswith("\n") else detail + "\n")
        log.write("%s\nviommu: WARNING: QEMU %s (Debian %s root) UNAVAILABLE: %s\nviommu: its column will be "
                  "reported UNAVAILABLE%s\n%s\n" % (BAR, spec.series, name, error,
                                                    "; 'scripts/viommu run --qemu sid' makes QEMU %s by debootstrap "
                                                    "of sid instead" % spec.series if name == "trixie-backports" else "",
                                                    BAR))
        log.flush()


def make_roots(names, log=None):
    """Creates the missing roots of `names`, in order (a base before the roots built on it); returns the
    names that could not be made (each reported loudly)."""
    failed = []
    for name in names:
        spec = roots.get(name)
        if roots.find(name):
            continue
        if spec.base and spec.base in failed:
            roots.failures[name] = "it is made from the %s root, which could not be made" % spec.base
            warn_root(name, roots.failures[name], log)
            failed.append(name)
            continue
        try:
            roots.ensure(name, log=log)
        except UserError as e:
            warn_root(name, e, log)
            failed.append(name)
        except Exception as e:  # noqa: BLE001 - a root must never take the other columns down
            roots.failures[name] = "%s: %s" % (type(e).__name__, e)
            warn_root(name, roots.failures[name], log)
            failed.append(name)
    return failed


def prepare(presets=None, root_names=(), log=None):
    """Packages, then the roots (background) and the build (foreground). Build errors propagate (after the
    roots are done, so no debootstrap is left half-way)."""
    packages.install(log=log or sys.stderr)
    missing = [n for n in root_names if not roots.find(n)]
    # A root built on a base needs that base: create it first even when it was not asked for.
    order = []
    for n in missing:
        base = roots.get(n).base
        if base and base not in order and not roots.find(base):
            order.append(base)
        if n not in order:
            order.append(n)
    worker = None
    if order:
        worker = threading.Thread(target=make_roots, args=(order, log), name="roots", daemon=True)
        worker.start()
    try:
        build.build(presets, log)
    except KeyboardInterrupt:
        raise
    except BaseException:
        _wait(worker, log)
        raise
    _wait(worker, log)


def _wait(worker, log):
    if worker is None or not worker.is_alive():
        return
    progress.say("build done; waiting for the Debian roots (their progress lines follow)", log)
    worker.join()
