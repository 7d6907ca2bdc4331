"""Known deviations of a QEMU version: tests/expectations/qemu-<major.minor>.txt.

Each line:  <config> <case-name-or-glob> XFAIL <spec clause> -- <free text, upstream fix>
A line starting with '#' is a comment; blank lines are ignored. <config> is a configuration name or a glob over them.
A failed case matching an expectation is an expected failure (xfail); a passing one is an
unexpected pass (xpass), which fails the run.
"""
import fnmatch
import os
import re

from . import configs, paths
from .errors import UserError

_LINE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s+--\s+(.*\S)\s*$")


class Expectation:
    def __init__(self, config, case, clause, text, where):
        self.config = config
        self.case = case
        self.clause = clause
        self.text = text
        self.where = where  # "file:line"

    def matches(self, config, case):
        return fnmatch.fnmatchcase(config, self.config) and fnmatch.fnmatchcase(case, self.case)

    def describe(self):
        return "%s -- %s" % (self.clause, self.text)


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
        if not m:
            raise UserError("%s: malformed expectation (want '<config> <case-glob> XFAIL <spec clause> "
                            "-- <text>'): %s" % (where, raw.strip()))
        config, case, kind, clause, text_ = m.groups()
        if kind != "XFAIL":
            raise UserError("%s: unknown expectation kind '%s' (only XFAIL)" % (where, kind))
        if not fnmatch.filter(configs.NAMES, config):
            raise UserError("%s: unknown configuration '%s' (known: %s)" % (where, config, ", ".join(configs.NAMES)))
        out.append(Expectation(config, case, clause.strip(), text_.strip(), where))
    return out


def load(version):
    """Expectations for QEMU major.minor `version`; [] when the file does not exist."""
    p = path_for(version)
    if not os.path.isfile(p):
        return []
    with open(p, encoding="utf-8") as f:
        return parse(f.read(), p)


def find(expectations, config, case):
    for e in expectations:
        if e.matches(config, case):
            return e
    return None
