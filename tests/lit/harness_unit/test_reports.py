import json
import os
import tempfile
import unittest
import xml.etree.ElementTree as ET

import common
from viommu_lib import matrix, report_html, report_json, report_junit, results as R


def sample_results():
    a = common.result_for(common.SAMPLE, status=1)
    b = common.result_for(common.CRASHED, config="smmuv3", timed_out=True, status=None)
    c = R.ConfigResult("amd-vi", "x86_64")
    c.available, c.unavailable_reason = False, "qemu-system-x86_64 not found"
    return [a, b, c]


class ReportTest(unittest.TestCase):
    def test_junit(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "junit.xml")
            report_junit.write(sample_results(), p)
            root = ET.parse(p).getroot()
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 2)
        cases = root.findall("./testsuite/testcase")
        self.assertEqual(len(cases), 3 + 4)
        first = cases[0]
        self.assertEqual(first.get("classname"), "qemu-7.2.noiommu-aarch64")
        self.assertEqual(first.get("name"), "dma.edu.roundtrip_4k")
        self.assertEqual(first.find("failure").get("message"), "data mismatch at offset 5")
        self.assertIn("expected dst[5]=0xa5", first.find("failure").text)
        self.assertEqual(cases[2].find("skipped").get("message"), "no virtio-rng device")
        self.assertIsNone(cases[1].find("failure"))
        self.assertEqual(suites[1].get("failures"), "3")

    def test_html_is_self_contained(self):
        text = report_html.build(sample_results(), "fail", "meta")
        self.assertIn("<style>", text)
        self.assertNotIn("http", text)
        self.assertNotIn("<script", text)
        self.assertIn("dma.edu.roundtrip_4k", text)
        self.assertIn("qemu-system-aarch64 -kernel x", text)
        self.assertIn("unavailable: qemu-system-x86_64 not found", text)
        self.assertIn("&lt;", report_html.build([common.result_for("<b>\n", status=None, problem="p")], "fail", ""))

    def test_summary_json(self):
        data = report_json.build(sample_results(), "fail")
        self.assertEqual(data["configs"]["noiommu-aarch64 (qemu 7.2)"]["counts"], {"P": 1, "F": 1, "X": 0, "S": 1, "U": 0})
        self.assertEqual(data["configs"]["noiommu-aarch64 (qemu 7.2)"]["groups"]["dma.edu"]["F"], 1)
        self.assertFalse(data["configs"]["amd-vi"]["available"])
        self.assertEqual(data["totals"]["F"], 4)
        json.dumps(data)

    def test_verdicts_lead_every_report(self):
        import test_expectations as te
        rs = [te.classified()]
        data = report_json.build(rs, "fail")
        counts = data["deviations"]["qemu 7.2"]["counts"]
        self.assertEqual((counts["must_deviations"], counts["should_warnings"], counts["notes"]), (2, 1, 1))
        self.assertEqual(data["configs"]["smmuv3 (qemu 7.2)"]["failed"][0]["checks"][1]["id"], "dma.untouched")
        text = report_html.build(rs, "fail", "meta")
        self.assertLess(text.index("<section id=deviations>"), text.index("<table id=matrix"))
        self.assertIn("<h3 class=headline>qemu 7.2: 2 MUST deviations (5 failed checks, 4 known), 1 SHOULD warning, "
                      "1 note</h3>", text)
        root = report_junit.build(rs)
        known = [tc for tc in root.iter("testcase") if tc.get("name") == "smmuv3.inval.known_only"][0]
        self.assertIsNone(known.find("failure"))
        self.assertIn("known-deviation event.CLASS MUST", known.find("system-out").text)
        warned = [tc for tc in root.iter("testcase") if tc.get("name") == "smmuv3.s1.warned"][0]
        self.assertIn("should-warning map.range SHOULD", warned.find("system-out").text)

    def test_matrix(self):
        text = matrix.render(sample_results())
        self.assertIn("dma.edu", text)
        self.assertIn("0/1/0/0", text)
        self.assertIn("UNAVAILABLE: ? for amd-vi: qemu-system-x86_64 not found", text)
        fails = matrix.failures(sample_results())
        self.assertEqual(len([l for l in fails if l.startswith("FAIL")]), 4)

    def test_differences_between_implementations(self):
        a = common.result_for(common.SAMPLE, status=1)
        b = common.result_for(common.SAMPLE.replace("not ok 1 dma.edu.roundtrip_4k # data mismatch at offset 5",
                                                    "ok 1 dma.edu.roundtrip_4k"), status=0)
        b.qemu_version, b.qemu_series, b.impl, b.impl_id = "10.0.13", "10.0", "qemu 10.0", "qemu-10.0"
        diffs = R.differences([a, b])
        self.assertEqual(diffs, [("noiommu-aarch64", "dma.edu.roundtrip_4k",
                                  [("qemu 7.2", "fail"), ("qemu 10.0", "pass")])])
        text = matrix.render([a, b])
        self.assertIn("qemu 7.2", text.splitlines()[0])
        self.assertIn("qemu 10.0", text.splitlines()[0])
        lines = matrix.difference_lines([a, b])
        self.assertEqual(lines[1], "DIFF  noiommu-aarch64  dma.edu.roundtrip_4k: qemu 7.2 fail, qemu 10.0 pass")
        data = report_json.build([a, b], "fail")
        self.assertEqual(data["implementations"]["qemu 10.0"]["groups"]["dma.edu"]["P"], 1)
        self.assertEqual(data["differences"][0]["outcomes"], {"qemu 7.2": "fail", "qemu 10.0": "pass"})
        html_text = report_html.build([a, b], "fail", "")
        self.assertIn("<th class=impl>qemu 10.0</th>", html_text)
        self.assertIn("Outcomes that differ between implementations (1)", html_text)

    def test_rows_skipped_everywhere_are_not_shown(self):
        a = common.result_for(common.SAMPLE, status=1)
        text = matrix.render([a])
        self.assertNotIn("dma.virtio-rng", text)  # its only case skipped
        self.assertIn("not shown: 1 configuration x group rows", text)
        self.assertIn("1/1/0/1", text)

    def test_model_rows_follow_their_peers(self):
        m = common.result_for(common.SAMPLE, config="model-smmuv3", arch="host", status=1)
        m.impl, m.impl_id, m.rows = "model", "model", ["smmuv3"]
        q = common.result_for(common.SAMPLE, config="smmuv3", status=1)
        rows, by_row = matrix.rows([q, m])
        self.assertEqual(list(by_row), ["smmuv3"])
        self.assertEqual(matrix.counts_at(by_row, "smmuv3", "model", "dma.edu")["F"], 1)


if __name__ == "__main__":
    unittest.main()
