import unittest

import common
from viommu_lib import ktap
from viommu_lib import results as R


class ParseTest(unittest.TestCase):
    def test_sample(self):
        run = ktap.parse(common.SAMPLE)
        self.assertEqual(run.version, 1)
        self.assertEqual(run.plan, 3)
        self.assertEqual(run.header["arch"], "aarch64")
        self.assertEqual(run.header["filter"], "dma.*")
        self.assertEqual([(c.number, c.name, c.status) for c in run.cases],
                         [(1, "dma.edu.roundtrip_4k", "fail"), (2, "dma.virtio-blk.roundtrip_page_cross", "pass"),
                          (3, "dma.virtio-rng.fill", "skip")])
        self.assertEqual(run.cases[0].reason, "data mismatch at offset 5")
        self.assertEqual(run.cases[2].reason, "no virtio-rng device")
        self.assertEqual(run.summary, (1, 1, 1))

    def test_details_belong_to_next_result_and_markers_are_not_details(self):
        run = ktap.parse(common.SAMPLE)
        self.assertEqual(run.cases[0].details, ["dma.edu.roundtrip_4k: expected dst[5]=0xa5 observed 0x00"])
        self.assertEqual(run.cases[1].details, [])
        self.assertEqual(run.started[-1], "dma.virtio-rng.fill")

    def test_group(self):
        self.assertEqual(ktap.group_of("smmuv3.strtab.linear"), "smmuv3.strtab")
        self.assertEqual(ktap.group_of("selftest.runner.spin"), "selftest.runner")
        self.assertEqual(ktap.group_of("single"), "single")

    def test_timeout_skip_and_crlf(self):
        run = ktap.parse("KTAP version 1\r\n1..3\r\nnot ok 1 a.b.spin # timeout after 100 ms\r\n"
                         "ok 2 a.b.c # skip lower case\r\nok 3 - a.b.d\r\n2 passed, 0 failed\r\n")
        self.assertEqual([c.status for c in run.cases], ["timeout", "skip", "pass"])
        self.assertEqual(run.cases[0].reason, "timeout after 100 ms")
        self.assertEqual(run.cases[2].name, "a.b.d")
        self.assertEqual(run.summary, (2, 0, None))

    def test_not_ok_without_reason(self):
        run = ktap.parse("KTAP version 1\n1..1\nnot ok 1 a.b.c\n")
        self.assertEqual(run.cases[0].status, "fail")
        self.assertEqual(run.cases[0].reason, "failed")

    def test_list_mode(self):
        run = ktap.parse("# case dma.edu.roundtrip tags=dma,edu\n# case selftest.runner.spin tags=demo-failure\n"
                         "# case x.y.z\n")
        self.assertEqual(run.listed, [("dma.edu.roundtrip", "dma,edu"), ("selftest.runner.spin", "demo-failure"),
                                      ("x.y.z", "")])

    def test_bytes_and_noise(self):
        run = ktap.parse(b"booting...\nKTAP version 1\n# platform: x\n1..2\nok 1 a.b.c\nvirtio: odd\nok 2 a.b.d\n")
        self.assertEqual(run.preamble, ["booting...", "platform: x"])
        self.assertEqual(run.cases[0].details, [])
        self.assertEqual(run.cases[1].details, ["virtio: odd"])


class CompleteTest(unittest.TestCase):
    def test_complete_run_unchanged(self):
        r = common.result_for(common.SAMPLE, status=1)
        self.assertEqual([c.status for c in r.cases], ["fail", "pass", "skip"])
        self.assertEqual(r.counts(), {"P": 1, "F": 1, "X": 0, "S": 1, "U": 0})
        self.assertEqual(r.counts("dma.edu")["F"], 1)

    def test_crash_names_started_case_and_counts_the_rest(self):
        r = common.result_for(common.CRASHED, problem="QEMU was killed by SIGSEGV")
        self.assertEqual([c.status for c in r.cases], ["pass", "missing", "missing", "missing"])
        self.assertEqual(r.cases[1].name, "smmuv3.strtab.two_level")
        self.assertTrue(r.cases[1].reason.startswith(R.NOT_REPORTED))
        self.assertIn("SIGSEGV", r.cases[1].reason)
        self.assertEqual(r.cases[1].details, ["step 1", "PANIC: unexpected exception"])
        self.assertIn("last case started: smmuv3.strtab.two_level", r.cases[2].reason)
        self.assertEqual(r.counts()["F"], 3)

    def test_host_timeout(self):
        r = common.result_for(common.CRASHED, timed_out=True, status=None)
        self.assertIn("QEMU timed out after 300 s", r.cases[1].reason)

    def test_no_output(self):
        r = common.result_for("", status=None, problem="QEMU exited with status 1 before the guest printed anything")
        self.assertEqual(len(r.cases), 1)
        self.assertEqual(r.cases[0].name, "harness.run.boot")
        self.assertEqual(r.cases[0].status, "missing")

    def test_nothing_selected(self):
        r = common.result_for("KTAP version 1\n1..0\n0 passed, 0 failed\n", status=0)
        self.assertEqual(r.cases, [])

    def test_bad_exit_status_is_a_failure(self):
        r = common.result_for("KTAP version 1\n1..1\nok 1 a.b.c\n1 passed, 0 failed\n", status=3)
        self.assertEqual([c.name for c in r.cases], ["a.b.c", "harness.run.exit"])
        self.assertEqual(r.cases[1].status, "fail")

    def test_exit_zero_despite_failure_is_a_failure(self):
        r = common.result_for("KTAP version 1\n1..1\nnot ok 1 a.b.c # no\n", status=0)
        self.assertEqual(r.counts()["F"], 2)


class CheckProtocolTest(unittest.TestCase):
    def test_check_lines(self):
        run = ktap.parse("KTAP version 1\n1..1\n"
                         "# check fail event.type MUST [AMD 48882 Table 8 [unverified]]: expected 0x1: got ]: 0x2\n"
                         '#   spec: "a quote"\n'
                         "# check warn map.range SHOULD [VIRTIO 1.2 §5.13.6.5.2]:\n"
                         "# checks passed: dma.data dma.status\n"
                         "# error: case aborted: timeout\n"
                         "not ok 1 a.b.c # event.type: expected 0x1\n")
        c = run.cases[0]
        self.assertEqual([(k.result, k.id, k.strength, k.ref) for k in c.checks],
                         [("fail", "event.type", "MUST", "AMD 48882 Table 8 [unverified]"),
                          ("warn", "map.range", "SHOULD", "VIRTIO 1.2 §5.13.6.5.2")])
        self.assertEqual(c.checks[0].message, "expected 0x1: got ]: 0x2")
        self.assertEqual(c.checks[0].quote, "a quote")
        self.assertEqual(c.checks[1].message, "")
        self.assertEqual(c.passed, {"dma.data", "dma.status"})
        self.assertEqual(c.errors, ["case aborted: timeout"])


if __name__ == "__main__":
    unittest.main()
