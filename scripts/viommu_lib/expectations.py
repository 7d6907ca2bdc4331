"""Known deviations of a QEMU version: tests/expectations/qemu-<major.minor>.txt, one root cause a line.

Each line:  <config> <case-glob> <check-glob> XFAIL <spec clause> -- <what the device does> [-- fix: <upstream fix>]
<config> is a configuration name or a glob over them (a line for a configuration covers its variants, e.g.
smmuv3 covers smmuv3-virt-9.1), <case-glob> a glob over case names, <check-glob> a glob
(or several, comma-separated) over the check IDs the guest reports inside a case (`event.CLASS`, `status`, `dma.*`). A line starting with
'#' is a comment; blank lines are ignored.

A failed check that matches a line is a known deviation: a case whose only failed checks are known counts
as passed with known deviations, and every other check of it still judges the device. A line none of whose
checks failed anywhere in a run, while some of them ran and passed, is an unexpected pass (the deviation is
gone: delete the line). Timeouts, crashes, suite errors and missing results are never expected.

A case known to kill this QEMU (an assertion, an abort) cannot be expected either: its line says CRASH, names
the case exactly and has '-' for the check:
    <config> <case-name> - CRASH <spec clause> -- <what kills QEMU> [-- fix: <upstream fix>]
The case is then not run on that QEMU (guest word exclude=); the report shows it skipped with the reason and
counts it as a known MUST deviation (check `vmm.survives`). Run it by naming it with --filter.
"""
import fnmatch
import os
import re

from . import configs, paths
from .errors import UserError

_LINE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s+--\s+(.*\S)\s*$")
_FIX = re.compile(r"\s+--\s+fix:\s+")


class Expectation:
    def __init__(self, config, case, check, clause, text, fix, where, kind="XFAIL"):
        self.kind = kind    # XFAIL, or CRASH: the case is not run on this QEMU
        self.config = config
        self.case = case
        self.check = check
        self.clause = clause
        self.text = text
        self.fix = fix      # upstream fix, '' when unknown
        self.where = where  # "file:line"

    def matches_config(self, config):
        """A line names a configuration or a glob over them; it covers that configuration's variants too
        (smmuv3 covers smmuv3-virt-9.1: a deviation does not go away with a machine type or a granule)."""
        c = configs.BY_NAME.get(config)
        return fnmatch.fnmatchcase(config, self.config) or bool(c and fnmatch.fnmatchcase(c.family, self.config))

    def matches_case(self, config, case):
        return self.matches_config(config) and fnmatch.fnmatchcase(case, self.case)

    def matches(self, config, case, check):
        """The check glob may list several globs, comma-separated: the checks one root cause fails."""
        return self.matches_case(config, case) and any(fnmatch.fnmatchcase(check, g) for g in self.check.split(","))

    def describe(self):
        return "%s -- %s%s" % (self.clause, self.text, " (fix: %s)" % self.fix if self.fix else "")


def path_for(version):
    return os.path.join(paths.EXPECTATIONS, "qemu-%s.txt" % version)


def parse(text, filename):
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = "%s:%d" % (paths.rel(filename), n)
        m = _LINE.match(line)
        words = line.split()
        if len(words) > 2 and words[2] == "XFAIL":
            raise UserError("%s: no check ID glob (want '<config> <case-glob> <check-glob> XFAIL ...'; '*' for every "
                            "check of the case): %s" % (where, raw.strip()))
        if not m:
            raise UserError("%s: malformed expectation (want '<config> <case-glob> <check-glob> XFAIL <spec clause> "
                            "-- <text> [-- fix: <upstream fix>]'): %s" % (where, raw.strip()))
        config, case, check, kind, clause, rest = m.groups()
        if kind not in ("XFAIL", "CRASH"):
            raise UserError("%s: unknown expectation kind '%s' (XFAIL or CRASH; the third word is the check ID glob)"
                            % (where, kind))
        if kind == "CRASH" and (check != "-" or any(ch in case for ch in "*?[")):
            raise UserError("%s: a CRASH line names one case exactly and '-' for the check: %s" % (where, raw.strip()))
        if not fnmatch.filter(configs.NAMES, config):
            raise UserError("%s: unknown configuration '%s' (known: %s)" % (where, config, ", ".join(configs.NAMES)))
        text_, fix = (_FIX.split(rest, 1) + [""])[:2]
        out.append(Expectation(config, case, check, clause.strip(), text_.strip(), fix.strip(), where, kind))
    return out


def load(version):
    """Expectations for QEMU major.minor `version`; [] when the file does not exist."""
    p = path_for(version)
    if not os.path.isfile(p):
        return []
    with open(p, encoding="utf-8") as f:
        return parse(f.read(), p)


def find(expectations, config, case, check):
    """The first line that expects check `check` of case `case` to fail, or None."""
    for e in expectations:
        if e.kind == "XFAIL" and e.matches(config, case, check):
            return e
    return None


def not_run(expectations, config, filter_globs):
    """The CRASH lines of `config` whose case a glob of the filter selects: those cases are not run on this
    QEMU. A filter that names the case exactly runs it."""
    globs = (filter_globs or "*").split(",")
    return [e for e in expectations if e.kind == "CRASH" and e.matches_config(config) and
            e.case not in globs and any(fnmatch.fnmatchcase(e.case, g) for g in globs)]
