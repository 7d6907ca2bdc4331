import unittest

import common
from viommu_lib import expectations, results as R
from viommu_lib.errors import UserError

GOOD = """\
# comment
smmuv3 smmuv3.strtab.* XFAIL IHI0070E 3.4.3 -- two-level tables ignore SPAN; fixed upstream by abc123

noiommu-* dma.edu.roundtrip_4k XFAIL edu spec -- see https://example.invalid/x#y
"""


class ParseTest(unittest.TestCase):
    def test_good(self):
        exps = expectations.parse(GOOD, "/tmp/qemu-7.2.txt")
        self.assertEqual(len(exps), 2)
        self.assertEqual(exps[0].clause, "IHI0070E 3.4.3")
        self.assertEqual(exps[0].text, "two-level tables ignore SPAN; fixed upstream by abc123")
        self.assertTrue(exps[1].text.endswith("x#y"))
        self.assertTrue(exps[0].where.endswith("qemu-7.2.txt:2"))
        self.assertIs(expectations.find(exps, "smmuv3", "smmuv3.strtab.linear"), exps[0])
        self.assertIs(expectations.find(exps, "noiommu-x86_64", "dma.edu.roundtrip_4k"), exps[1])
        self.assertIsNone(expectations.find(exps, "smmuv3", "dma.edu.roundtrip_4k"))

    def assertBad(self, text, needle):
        with self.assertRaises(UserError) as cm:
            expectations.parse(text, "/tmp/qemu-7.2.txt")
        self.assertIn("qemu-7.2.txt:2:", str(cm.exception))
        self.assertIn(needle, str(cm.exception))

    def test_malformed(self):
        self.assertBad("# c\nsmmuv3 a.b.c XFAIL\n", "malformed")
        self.assertBad("# c\nsmmuv3 a.b.c XFAIL clause\n", "malformed")
        self.assertBad("# c\nsmmuv3 a.b.c XFAIL clause --\n", "malformed")
        self.assertBad("# c\nsmmuv3 a.b.c FLAKY clause -- text\n", "unknown expectation kind")
        self.assertBad("# c\nnosuch a.b.c XFAIL clause -- text\n", "unknown configuration 'nosuch'")

    def test_shipped_files_are_valid(self):
        for v in ("7.2", "10.0"):
            expectations.load(v)

    def test_classify(self):
        r = common.result_for(common.SAMPLE, status=1)
        exps = expectations.parse("noiommu-aarch64 dma.edu.* XFAIL c1 -- t1\n"
                                  "noiommu-aarch64 dma.virtio-blk.* XFAIL c2 -- t2\n"
                                  "noiommu-aarch64 dma.virtio-rng.* XFAIL c3 -- t3\n", "/tmp/q.txt")
        R.classify(r, exps)
        self.assertEqual([c.status for c in r.cases], ["xfail", "xpass", "skip"])
        self.assertEqual(r.counts(), {"P": 0, "F": 0, "X": 1, "S": 1, "U": 1})
        self.assertIn("XPASS", r.cases[1].reason)


if __name__ == "__main__":
    unittest.main()
