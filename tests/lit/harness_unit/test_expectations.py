import unittest

import common
from viommu_lib import deviations, expectations, results as R
from viommu_lib.errors import UserError

GOOD = """\
# comment
smmuv3 smmuv3.strtab.* event.type XFAIL IHI0070 G.b §5.1 -- two-level tables ignore SPAN -- fix: 'abc123'

noiommu-* dma.edu.roundtrip_4k dma.* XFAIL edu spec -- see https://example.invalid/x#y
"""

# One config's guest output in the check protocol (kernel/test.h).
CHECKS = """\
KTAP version 1
1..6
# start smmuv3.inval.known_only
# check fail event.CLASS MUST [IHI0070 G.b §7.3.13]: expected 0x2, observed 0x0
#   spec: "CLASS"
# checks passed: dma.data event.type
not ok 1 smmuv3.inval.known_only # event.CLASS: expected 0x2, observed 0x0
# start smmuv3.inval.known_and_new
# check fail event.CLASS MUST [IHI0070 G.b §7.3.13]: expected 0x2, observed 0x0
# check fail dma.untouched MUST [IHI0070 G.b §3.12]: memory changed
# checks passed: event.type
not ok 2 smmuv3.inval.known_and_new # event.CLASS: expected 0x2, observed 0x0
# start smmuv3.inval.timeout
# check fail event.CLASS MUST [IHI0070 G.b §7.3.13]: expected 0x2, observed 0x0
# error: case aborted: timeout
not ok 3 smmuv3.inval.timeout # timeout after 10000 ms
# start smmuv3.inval.exception
# check fail event.CLASS MUST [IHI0070 G.b §7.3.13]: expected 0x2, observed 0x0
# error: case aborted: exception ESR=0x96000010
not ok 4 smmuv3.inval.exception # exception ESR=0x96000010
# start smmuv3.s1.warned
# check warn map.range SHOULD [VIRTIO 1.2 §5.13.6.5]: accepted
# check note fault.reason OPEN [VIRTIO 1.2 §5.13.6.9]: device chose UNKNOWN, model DOMAIN
# checks passed: dma.data
ok 5 smmuv3.s1.warned # WARN 1 SHOULD check(s) failed
# start smmuv3.s1.clean
# checks passed: gone.check dma.data
ok 6 smmuv3.s1.clean
4 passed, 2 failed, 0 skipped
"""

EXPECT = """\
smmuv3 smmuv3.* event.CLASS XFAIL IHI0070 G.b §7.3.13 -- CLASS never filled -- fix: 'Fix encoding of CLASS'
smmuv3 smmuv3.s1.* gone.check XFAIL IHI0070 G.b §1 -- a deviation QEMU no longer has
"""


def classified(text=CHECKS, expect=EXPECT, config="smmuv3"):
    r = common.result_for(text, config=config, status=1)
    R.classify(r, expectations.parse(expect, "/tmp/qemu-7.2.txt"))
    return r


class ParseTest(unittest.TestCase):
    def test_good(self):
        exps = expectations.parse(GOOD, "/tmp/qemu-7.2.txt")
        self.assertEqual(len(exps), 2)
        self.assertEqual(exps[0].clause, "IHI0070 G.b §5.1")
        self.assertEqual(exps[0].check, "event.type")
        self.assertEqual(exps[0].text, "two-level tables ignore SPAN")
        self.assertEqual(exps[0].fix, "'abc123'")
        self.assertEqual(exps[1].fix, "")
        self.assertTrue(exps[1].text.endswith("x#y"))
        self.assertTrue(exps[0].where.endswith("qemu-7.2.txt:2"))
        self.assertIs(expectations.find(exps, "smmuv3", "smmuv3.strtab.linear", "event.type"), exps[0])
        self.assertIsNone(expectations.find(exps, "smmuv3", "smmuv3.strtab.linear", "event.CLASS"))
        self.assertIs(expectations.find(exps, "noiommu-x86_64", "dma.edu.roundtrip_4k", "dma.data"), exps[1])
        self.assertIsNone(expectations.find(exps, "smmuv3", "dma.edu.roundtrip_4k", "dma.data"))

    def test_check_glob_list(self):
        exps = expectations.parse("amd-vi a.b dma.data,fault.* XFAIL clause -- text\n", "/tmp/qemu-7.2.txt")
        self.assertIsNotNone(expectations.find(exps, "amd-vi", "a.b", "dma.data"))
        self.assertIsNotNone(expectations.find(exps, "amd-vi", "a.b", "fault.logged"))
        self.assertIsNone(expectations.find(exps, "amd-vi", "a.b", "dma.untouched"))

    def assertBad(self, text, needle):
        with self.assertRaises(UserError) as cm:
            expectations.parse(text, "/tmp/qemu-7.2.txt")
        self.assertIn("qemu-7.2.txt:2:", str(cm.exception))
        self.assertIn(needle, str(cm.exception))

    def test_malformed(self):
        self.assertBad("# c\nsmmuv3 a.b.c * XFAIL\n", "malformed")
        self.assertBad("# c\nsmmuv3 a.b.c * XFAIL clause\n", "malformed")
        self.assertBad("# c\nsmmuv3 a.b.c * XFAIL clause --\n", "malformed")
        self.assertBad("# c\nsmmuv3 a.b.c * FLAKY clause -- text\n", "unknown expectation kind")
        self.assertBad("# c\nsmmuv3 a.b.c XFAIL clause -- text\n", "no check ID glob")
        self.assertBad("# c\nnosuch a.b.c * XFAIL clause -- text\n", "unknown configuration 'nosuch'")

    def test_shipped_files_are_valid(self):
        for v in ("7.2", "10.0", "11.1"):
            self.assertTrue(expectations.load(v))


class ClassifyTest(unittest.TestCase):
    def test_case_with_only_known_checks_is_a_known_deviation(self):
        r = classified()
        self.assertEqual(r.cases[0].status, R.XFAIL)
        self.assertIn("event.CLASS", r.cases[0].reason)

    def test_a_new_failed_check_keeps_the_case_failed(self):
        c = classified().cases[1]
        self.assertEqual(c.status, R.FAIL)
        known = {k.id: k.expectation for k in c.checks}
        self.assertIsNotNone(known["event.CLASS"])
        self.assertIsNone(known["dma.untouched"])

    def test_timeouts_and_aborts_are_never_expected(self):
        r = classified()
        self.assertEqual(r.cases[2].status, R.TIMEOUT)
        self.assertEqual(r.cases[3].status, R.FAIL)

    def test_missing_result_is_never_expected(self):
        r = classified(common.CRASHED, "smmuv3 smmuv3.* * XFAIL c -- t\n")
        self.assertEqual([c.status for c in r.cases], [R.PASS, R.MISSING, R.MISSING, R.MISSING])

    def test_warnings_and_notes_do_not_fail(self):
        self.assertEqual(classified().cases[4].status, R.PASS)

    def test_a_line_whose_checks_only_passed_is_an_unexpected_pass(self):
        r = classified()
        self.assertEqual(r.cases[5].status, R.XPASS)
        self.assertIn("gone.check", r.cases[5].reason)
        self.assertEqual(r.counts(), {"P": 1, "F": 3, "X": 1, "S": 0, "U": 1})

    def test_a_line_that_fired_somewhere_is_no_xpass(self):
        # event.CLASS passed nowhere here, but a line that fired in one case never turns passes into XPASS.
        text = CHECKS.replace("# checks passed: gone.check dma.data", "# checks passed: event.CLASS")
        self.assertEqual(classified(text).cases[5].status, R.PASS)

    def test_whole_case_glob_still_works(self):
        r = classified(expect="smmuv3 smmuv3.inval.known_and_new * XFAIL c -- t\n")
        self.assertEqual(r.cases[1].status, R.XFAIL)
        self.assertEqual(r.cases[0].status, R.FAIL)


class CrashTest(unittest.TestCase):
    LINE = "smmuv3 smmuv3.zz.fatal - CRASH IHI0070 G.b §4.1 -- assert in QEMU -- fix: abc\n"

    def test_crash_lines_name_one_case_and_no_check(self):
        with self.assertRaises(UserError):
            expectations.parse("smmuv3 smmuv3.zz.* - CRASH c -- t\n", "/tmp/q.txt")
        with self.assertRaises(UserError):
            expectations.parse("smmuv3 smmuv3.zz.fatal status CRASH c -- t\n", "/tmp/q.txt")

    def test_a_crashing_case_is_not_run_but_counted(self):
        exps = expectations.parse(self.LINE, "/tmp/q.txt")
        self.assertEqual(expectations.not_run(exps, "smmuv3", "smmuv3.*"), exps)
        self.assertEqual(expectations.not_run(exps, "smmuv3", "smmuv3.zz.fatal"), [])  # named: it runs
        self.assertEqual(expectations.not_run(exps, "smmuv3", "dma.*"), [])
        self.assertEqual(expectations.not_run(exps, "smmuv3", None), exps)  # a configuration's default selection
        self.assertIsNone(expectations.find(exps, "smmuv3", "smmuv3.zz.fatal", "status"))
        r = common.result_for(CHECKS, config="smmuv3", status=1)
        R.add_not_run(r, expectations.not_run(exps, "smmuv3", "smmuv3.*"))
        R.classify(r, exps)
        self.assertEqual((r.cases[-1].name, r.cases[-1].status), ("smmuv3.zz.fatal", R.SKIP))
        self.assertIn("kills QEMU", r.cases[-1].reason)
        s = deviations.summary([r])["qemu 7.2"]
        crash = [c for c in s["fail"] if c["checks"] == ["vmm.survives"]][0]
        self.assertEqual(crash["known"], "/tmp/q.txt:1")


class VerdictTest(unittest.TestCase):
    def test_counts_and_root_causes(self):
        r = classified()
        s = deviations.summary([r])["qemu 7.2"]
        self.assertEqual(s["counts"]["must_failed_checks"], 5)
        self.assertEqual(s["counts"]["must_known_checks"], 4)
        # event.CLASS (one known line over four checks) and dma.untouched (new)
        self.assertEqual(s["counts"]["must_deviations"], 2)
        self.assertEqual(s["counts"]["should_warnings"], 1)
        self.assertEqual(s["counts"]["notes"], 1)
        self.assertTrue(s["headline"].startswith("qemu 7.2: 2 MUST deviations (5 failed checks, 4 known), "
                                                 "1 SHOULD warning, 1 note"))
        known = [c for c in s["fail"] if c["known"]][0]
        self.assertEqual(known["checks"], ["event.CLASS"])
        self.assertEqual(known["fix"], "'Fix encoding of CLASS'")
        self.assertEqual(known["seen_in"], ["qemu 7.2"])
        new = [c for c in s["fail"] if not c["known"]][0]
        self.assertEqual((new["strength"], new["clause"], new["checks"]), ("MUST", "IHI0070 G.b §3.12",
                                                                            ["dma.untouched"]))

    def test_untranslated_dma_is_one_diagnosis(self):
        text = CHECKS.replace("# check fail dma.untouched MUST [IHI0070 G.b §3.12]: memory changed",
                              "# check fail dma.translated MUST [IHI0070 G.b §3.1]: DMA is not translated by the "
                              "IOMMU: the write landed at the IOVA")
        s = deviations.summary([classified(text)])["qemu 7.2"]
        self.assertEqual(len(s["fail"]), 1)
        self.assertIn("DMA is not translated by the IOMMU", s["fail"][0]["what"])
        self.assertEqual(s["fail"][0]["failed_checks"], 5)


if __name__ == "__main__":
    unittest.main()
