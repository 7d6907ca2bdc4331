"""The outcome of one configuration's run: the guest's cases completed with what the harness saw
(cases that never reported, a crash, a bad exit status), then classified against the expectations."""
import fnmatch

from . import expectations as exp_mod
from . import ktap

# Final statuses and the matrix letter each counts under.
PASS, FAIL, TIMEOUT, MISSING, SKIP, XFAIL, XPASS = "pass", "fail", "timeout", "missing", "skip", "xfail", "xpass"
FAILED = (FAIL, TIMEOUT, MISSING)
LETTERS = ("P", "F", "X", "S", "U")  # passed, failed, known deviation (only expected checks failed), skipped, XPASS
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
    """Applies the expectations of this configuration's QEMU at check level.

    A failed case whose every failed check matches a line is an expected failure (passed with known
    deviations, letter X); any unmatched failed check keeps it failed, the known ones annotated. A case that
    failed without naming a failed check (timeout, crash, exception, suite error, missing result) is never
    expected. A line none of whose checks failed in this run while some of them passed is an unexpected pass:
    every passing case that ran such a check becomes XPASS."""
    mine = [e for e in expectations if e.matches_config(result.config)]
    fired = set()
    for case in result.cases:
        for chk in case.checks:
            if chk.result in ("fail", "warn") and chk.expectation is None:
                chk.expectation = exp_mod.find(mine, result.config, case.name, chk.id)
                if chk.expectation:
                    fired.add(chk.expectation.where)
        if case.status != FAIL:
            continue
        failed = [c for c in case.checks if c.result == "fail"]
        if not failed or case.errors or any(c.expectation is None for c in failed):
            continue  # not expectable, or an unknown deviation among the failures
        case.status = XFAIL
        case.reason = "known deviation%s: %s" % ("s" if len(failed) > 1 else "", "; ".join(
            "%s (%s)" % (c.id, c.expectation.where) for c in failed))
    for e in mine:
        if e.kind != "XFAIL" or e.where in fired:
            continue
        ran = [c for c in result.cases if e.matches_case(result.config, c.name) and
               any(fnmatch.fnmatchcase(i, e.check) for i in c.passed)]
        for case in ran:
            if case.status == PASS:
                case.status = XPASS
                case.reason = ("XPASS: %s expects check '%s' to fail, but it passed in every case that ran it: %s"
                               % (e.where, e.check, e.describe()))


def add_not_run(result, crash_lines):
    """Cases left out because they kill this QEMU (expectations CRASH lines): reported skipped, each with a
    known failed MUST check `vmm.survives`, so the deviation is counted and shown, never hidden."""
    for e in crash_lines:
        case = ktap.Case(len(result.cases) + 1, e.case, SKIP,
                         "not run on this QEMU: it kills QEMU (%s; %s)" % (e.describe(), e.where))
        chk = ktap.Check("fail", "vmm.survives", "MUST", e.clause, "not run: " + e.text)
        chk.expectation = e
        case.checks.append(chk)
        result.cases.append(case)


def run_diagnosis(result):
    """One diagnosis for a whole class of failure, or None: a failed `dma.translated` check means the
    endpoints' DMA is not translated by the IOMMU at all, and every other failure of the run follows."""
    for case in result.cases:
        for chk in case.checks:
            if chk.result == "fail" and chk.id == "dma.translated":
                return chk
    return None


class RootCause:
    """One deviation of one implementation: an expectations line (known) or, for an unknown one, a check ID
    under one clause; with every failed check it explains."""

    def __init__(self, key, strength, ref, title, known=None):
        self.key = key
        self.strength = strength
        self.ref = ref
        self.title = title
        self.known = known          # the Expectation, or None
        self.checks = []            # (ConfigResult, Case, Check)
        self.seen_in = []           # implementations where a root cause with the same key was seen

    @property
    def check_ids(self):
        return sorted({c.id for _, _, c in self.checks})

    @property
    def cases(self):
        return sorted({"%s %s" % (r.config, case.name) for r, case, _ in self.checks})


def root_causes(results, kind):
    """Root causes of one implementation's results: kind 'fail' (MUST deviations), 'warn' (SHOULD
    warnings) or 'note' (OPEN choices that differ from the model's)."""
    causes = {}
    for r in results:
        diagnosis = run_diagnosis(r) if kind == "fail" else None
        for case in r.cases:
            for chk in case.checks:
                if chk.result != kind:
                    continue
                if diagnosis is not None:
                    key = ("untranslated", r.config)
                    title = ("DMA is not translated by the IOMMU (%s): %s; every other failure of the run follows "
                             "from it" % (r.config, diagnosis.message))
                    cause = causes.setdefault(key, RootCause(key, diagnosis.strength, diagnosis.ref, title))
                elif chk.expectation is not None:
                    e = chk.expectation
                    key = ("known", e.clause, e.check, e.text)
                    cause = causes.setdefault(key, RootCause(key, chk.strength, e.clause, e.text, e))
                else:
                    key = ("check", chk.strength, chk.ref, chk.id)
                    cause = causes.setdefault(key, RootCause(key, chk.strength, chk.ref,
                                                             chk.quote or chk.message))
                cause.checks.append((r, case, chk))
    return sorted(causes.values(), key=lambda c: (c.known is not None, c.ref, c.check_ids))


def verdicts(all_results):
    """Per implementation: {'fail': [RootCause], 'warn': [...], 'note': [...]}, with seen_in filled across
    implementations (a root cause is matched by its clause and check IDs)."""
    out = {}
    for impl in _implementations(all_results):
        rs = [r for r in all_results if r.implementation == impl and r.available]
        out[impl] = {k: root_causes(rs, k) for k in ("fail", "warn", "note")}
    index = {}
    for impl, kinds in out.items():
        for kind, causes in kinds.items():
            for c in causes:
                seen = index.setdefault((kind, c.ref, tuple(c.check_ids)), [])
                if impl not in seen:
                    seen.append(impl)
    for impl, kinds in out.items():
        for kind, causes in kinds.items():
            for c in causes:
                c.seen_in = index[(kind, c.ref, tuple(c.check_ids))]
    return out


def check_counts(results):
    """Failed MUST checks (known and unknown), SHOULD warnings and OPEN notes over some results."""
    c = {"must": 0, "must_known": 0, "should": 0, "notes": 0}
    for r in results:
        for case in r.cases:
            for chk in case.checks:
                if chk.result == "fail":
                    c["must"] += 1
                    c["must_known"] += chk.expectation is not None
                elif chk.result == "warn":
                    c["should"] += 1
                else:
                    c["notes"] += 1
    return c


def _implementations(all_results):
    out = []
    for r in all_results:
        if r.implementation not in out:
            out.append(r.implementation)
    return out


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
