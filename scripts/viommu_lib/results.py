"""The outcome of one configuration's run: the guest's cases completed with what the harness saw
(cases that never reported, a crash, a bad exit status), then classified against the expectations."""
from . import expectations as exp_mod
from . import ktap

# Final statuses and the matrix letter each counts under.
PASS, FAIL, TIMEOUT, MISSING, SKIP, XFAIL, XPASS = "pass", "fail", "timeout", "missing", "skip", "xfail", "xpass"
FAILED = (FAIL, TIMEOUT, MISSING)
LETTERS = ("P", "F", "X", "S", "U")  # passed, failed, expected-fail, skipped, unexpected-pass
_LETTER = {PASS: "P", FAIL: "F", TIMEOUT: "F", MISSING: "F", XFAIL: "X", SKIP: "S", XPASS: "U"}
NOT_REPORTED = "run ended before the case reported"


class ConfigResult:
    """One configuration run on one QEMU."""

    def __init__(self, config, arch, impl=None, impl_id=None, rows=None):
        self.config = config
        self.arch = arch
        self.impl = impl                # column title of the implementation: 'qemu 7.2', 'qemu 10.0', 'model'
        self.impl_id = impl_id          # its short id: qemu-7.2, qemu-10.0, model
        self.rows = list(rows or [config])  # matrix rows (configurations) this result is shown in
        self.available = True
        self.unavailable_reason = None
        self.qemu_binary = None
        self.qemu_version = None        # full, e.g. 7.2.22
        self.qemu_series = None         # major.minor, e.g. 7.2
        self.command = []
        self.reproduce = ""
        self.console = ""
        self.stderr = ""
        self.guest_status = None
        self.problem = None             # crash / signal / bad status text
        self.timed_out = False
        self.timeout = None
        self.elapsed = 0.0
        self.run = None                 # ktap.Run
        self.cases = []                 # ktap.Case with final statuses

    @property
    def implementation(self):
        if self.impl:
            return self.impl
        return "qemu %s" % self.qemu_series if self.qemu_series else "?"

    @property
    def ident(self):
        if self.impl_id:
            return self.impl_id
        return "qemu-%s" % self.qemu_series if self.qemu_series else "unknown"

    @property
    def label(self):
        if self.impl or self.qemu_series:
            return "%s (%s)" % (self.config, self.implementation)
        return self.config

    def counts(self, group=None):
        c = dict.fromkeys(LETTERS, 0)
        for case in self.cases:
            if group is None or case.group == group:
                c[_LETTER[case.status]] += 1
        return c


def complete(result):
    """Fills result.cases from result.run plus what the harness observed about the run's end."""
    run = result.run
    cases = list(run.cases)
    end = _end_reason(result)
    tail = run.pending[-20:]
    if run.plan is None:
        if not cases:
            if result.guest_status == 0 and not result.problem and not result.timed_out:
                result.cases = []
                return  # a run that announced nothing and exited cleanly: nothing ran
            cases.append(ktap.Case(0, "harness.run.boot", MISSING,
                                   "run ended before the KTAP plan" + (" (%s)" % end if end else ""),
                                   (run.preamble + run.pending)[-40:]))
    elif len(cases) < run.plan:
        reported = run.reported_names()
        missing = run.plan - len(cases)
        number = len(cases) + 1
        started = run.last_started
        if started and started not in reported:
            cases.append(ktap.Case(number, started, MISSING,
                                   NOT_REPORTED + (" (%s)" % end if end else ""), tail))
            number += 1
            missing -= 1
        for _ in range(missing):
            why = NOT_REPORTED + " (never started"
            why += "; last case started: %s" % started if started else ""
            why += "; %s)" % end if end else ")"
            cases.append(ktap.Case(number, "harness.unreported.case-%d" % number, MISSING, why))
            number += 1
    else:
        failed = any(c.status in (ktap.FAIL, ktap.TIMEOUT) for c in cases)
        if result.problem or result.timed_out:
            cases.append(ktap.Case(len(cases) + 1, "harness.run.exit", FAIL, end, tail))
        elif result.guest_status not in (None, 0) and not failed:
            cases.append(ktap.Case(len(cases) + 1, "harness.run.exit", FAIL,
                                   "guest exited with status %d although no case failed" % result.guest_status,
                                   tail))
        elif result.guest_status == 0 and failed:
            cases.append(ktap.Case(len(cases) + 1, "harness.run.exit", FAIL,
                                   "guest exited with status 0 although a case failed", tail))
    result.cases = cases


def _end_reason(result):
    if result.timed_out:
        return "QEMU timed out after %s s" % _fmt_seconds(result.timeout)
    if result.problem:
        return result.problem
    if result.guest_status is not None:
        return "guest exited with status %d" % result.guest_status
    return ""


def _fmt_seconds(s):
    return ("%g" % s) if s is not None else "?"


def classify(result, expectations):
    """Applies the expectations for this configuration's QEMU: failed -> xfail, passed -> xpass."""
    for case in result.cases:
        e = exp_mod.find(expectations, result.config, case.name)
        if not e:
            continue
        if case.status in FAILED:
            case.status = XFAIL
            case.reason = "%s [expected: %s]" % (case.reason, e.describe())
        elif case.status == PASS:
            case.status = XPASS
            case.reason = "XPASS: passed, but %s expects a failure: %s" % (e.where, e.describe())


def outcome(case):
    """What the implementation did, before expectations: pass, fail or skip."""
    if case.status in (PASS, XPASS):
        return "pass"
    if case.status == SKIP:
        return "skip"
    return "fail"


def differences(results):
    """Cases whose outcome differs between the implementations of one configuration (matrix row) that ran
    them: [(row config, case name, [(implementation, outcome or 'not run')])], sorted. A case only some
    implementations have (the hosted model's cases are a subset today) is no difference by itself."""
    by_row = {}
    for r in results:
        if not r.available:
            continue
        for row in r.rows:
            by_row.setdefault(row, []).append(r)
    out = []
    for row in sorted(by_row):
        rs = by_row[row]
        if len(rs) < 2:
            continue
        names = sorted({c.name for r in rs for c in r.cases})
        for name in names:
            seen = []
            for r in rs:
                case = next((c for c in r.cases if c.name == name), None)
                seen.append((r.implementation, outcome(case) if case else "not run"))
            if len({o for _, o in seen if o != "not run"}) > 1:
                out.append((row, name, seen))
    return out


def groups(results):
    seen = set()
    for r in results:
        for c in r.cases:
            seen.add(c.group)
    return sorted(seen)
