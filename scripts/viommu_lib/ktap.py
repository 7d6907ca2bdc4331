"""Parser for the guest's KTAP version 1 console output.

  KTAP version 1
  1..3
  # viommu guest arch=aarch64 seed=1 filter=dma.* tags=     <- run header (key=value words)
  # start dma.edu.roundtrip_4k                              <- marker: the case started
  # dma.edu.roundtrip_4k: expected dst[5]=0xa5 observed 0x00  <- diagnostics for the NEXT result
  not ok 1 dma.edu.roundtrip_4k # data mismatch at offset 5
  ok 2 dma.virtio-blk.roundtrip_page_cross
  ok 3 dma.virtio-rng.fill # SKIP no virtio-rng device
  # 1 passed, 1 failed, 1 skipped
  1 passed, 1 failed, 1 skipped

Statuses: pass, fail, timeout ('not ok ... # timeout ...'), skip ('# SKIP reason', never a pass).
Console lines that are not KTAP (e.g. a panic message) are kept as diagnostics of the next result.

Among a case's diagnostics, the guest's check protocol (kernel/test.h) is read into structured form:
  # check fail|warn|note <id> MUST|SHOULD|OPEN [<ref>]: <message>     -> Case.checks (Check)
  #   spec: "<quote>"                                                 -> the previous Check's quote
  # checks passed: <id> <id> ...                                      -> Case.passed
  # error: <message>                                                  -> Case.errors
"""
import re

PASS, FAIL, TIMEOUT, SKIP = "pass", "fail", "timeout", "skip"

_VERSION = re.compile(r"^K?TAP version (\d+)$")
_PLAN = re.compile(r"^1\.\.(\d+)$")
_RESULT = re.compile(r"^(ok|not ok) (\d+)\b\s*(?:-\s*)?(.*)$")
_SUMMARY = re.compile(r"^(?:#\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\b")
_START = re.compile(r"^# start (\S+)\s*$")
_CASE = re.compile(r"^# case (\S+)(?:\s+tags=(\S*))?\s*$")
_HEADER = re.compile(r"^# viommu guest\b(.*)$")
_CHECK = re.compile(r"^check (fail|warn|note) (\S+) (MUST|SHOULD|OPEN) \[(.*?)\](?:: (.*)|:?)$")
_QUOTE = re.compile(r'^spec: "(.*)"$')
_PASSED = re.compile(r"^checks passed:(.*)$")
_ERROR = re.compile(r"^error: (.*)$")


class Check:
    """One failed, warned or noted check of a case, as the guest reported it."""

    def __init__(self, result, ident, strength, ref, message, quote=""):
        self.result = result      # 'fail' (MUST/OPEN), 'warn' (SHOULD) or 'note' (OPEN choice)
        self.id = ident
        self.strength = strength
        self.ref = ref
        self.message = message or ""
        self.quote = quote
        self.expectation = None   # the expectations line that knows this deviation, if any

    def __repr__(self):
        return "Check(%r, %r, %r, %r)" % (self.result, self.id, self.strength, self.ref)


class Case:
    def __init__(self, number, name, status, reason="", details=None):
        self.number = number
        self.name = name
        self.status = status
        self.reason = reason
        self.details = list(details or [])
        self.checks, self.passed, self.errors = _read_checks(self.details)

    @property
    def group(self):
        return group_of(self.name)

    def __repr__(self):
        return "Case(%r, %r, %r, %r)" % (self.number, self.name, self.status, self.reason)


def _read_checks(details):
    checks, passed, errors = [], set(), []
    for d in details:
        m = _CHECK.match(d)
        if m:
            checks.append(Check(*m.groups()))
            continue
        m = _QUOTE.match(d)
        if m and checks and not checks[-1].quote:
            checks[-1].quote = m.group(1)
            continue
        m = _PASSED.match(d)
        if m:
            passed.update(m.group(1).split())
            continue
        m = _ERROR.match(d)
        if m:
            errors.append(m.group(1))
    return checks, passed, errors


def group_of(name):
    """Test group = the first two dot-separated components of a case name."""
    return ".".join(name.split(".")[:2])


class Run:
    def __init__(self):
        self.version = None
        self.plan = None          # number of cases announced, None if no plan line was seen
        self.header = {}          # from '# viommu guest k=v ...'
        self.cases = []
        self.summary = None       # (passed, failed, skipped or None) from the closing line
        self.started = []         # names from '# start <name>' markers, in order
        self.listed = []          # (name, tags) from '# case <name> tags=<tags>' (list mode)
        self.preamble = []        # console lines before the plan (boot messages, platform notes)
        self.pending = []         # diagnostics seen after the last result (belong to no result yet)
        self.bail = None

    @property
    def last_started(self):
        return self.started[-1] if self.started else None

    def reported_names(self):
        return {c.name for c in self.cases}


def _split_directive(rest):
    """'name # directive' -> (name, directive or None). The name never contains ' #'."""
    idx = rest.find("#")
    if idx < 0:
        return rest.strip(), None
    return rest[:idx].strip(), rest[idx + 1:].strip()


def parse(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    run = Run()
    for raw in text.splitlines():
        line = raw.rstrip("\r\n").rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        if line != stripped and line[0] in " \t":
            run.pending.append(stripped)   # nested (subtest) output: kept as details
            continue
        m = _VERSION.match(stripped)
        if m and run.version is None:
            run.version = int(m.group(1))
            continue
        m = _PLAN.match(stripped)
        if m and run.plan is None:
            run.plan = int(m.group(1))
            continue
        m = _RESULT.match(stripped)
        if m:
            run.cases.append(_result(m, run.pending))
            run.pending = []
            continue
        m = _SUMMARY.match(stripped)
        if m:
            run.summary = (int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None)
            continue
        m = _START.match(stripped)
        if m:
            run.started.append(m.group(1))
            continue
        m = _CASE.match(stripped)
        if m:
            run.listed.append((m.group(1), m.group(2) or ""))
            continue
        m = _HEADER.match(stripped)
        if m:
            for word in m.group(1).split():
                k, _, v = word.partition("=")
                run.header[k] = v
            continue
        if stripped.startswith("Bail out!"):
            run.bail = stripped[len("Bail out!"):].strip()
            run.pending.append(stripped)
            continue
        text_ = stripped[1:].strip() if stripped.startswith("#") else stripped
        (run.preamble if run.plan is None and not run.cases else run.pending).append(text_)
    return run


def _result(m, details):
    ok = m.group(1) == "ok"
    number = int(m.group(2))
    name, directive = _split_directive(m.group(3))
    if not name:
        name = "case-%d" % number
    reason = directive or ""
    word = reason.split(None, 1)[0].lower() if reason else ""
    if word == "skip":
        return Case(number, name, SKIP, reason[4:].strip(), details)
    if ok:
        return Case(number, name, PASS, "", details)
    if word == "timeout":
        return Case(number, name, TIMEOUT, reason, details)
    return Case(number, name, FAIL, reason or "failed", details)
