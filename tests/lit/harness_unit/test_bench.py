import unittest

import common  # noqa: F401 (puts scripts/ on the path)
from viommu_lib import bench


def console(policy, iops_cycles, result="ok 1 bench.smmuv3.%s", row="smmuv3"):
    lines = ["# start bench.%s.%s" % (row, policy),
             "# bench-inval row=%s policy=%s n=31 median=100 min=90 max=900 hz=1000" % (row, policy)]
    for size, qd, ios, cycles in iops_cycles:
        lines.append("# bench row=%s policy=%s size=%d qd=%d rep=0 ios=%d cycles=%d hz=1000 ops=%d median=%d"
                     % (row, policy, size, qd, ios, cycles, 2 * ios, cycles // ios))
    lines.append(result % policy)
    return "\n".join(lines) + "\n"


class BenchParseTest(unittest.TestCase):
    def test_median_spread_share(self):
        boots = [console("strict", [(4096, 1, n, 1000)]) for n in (10, 40, 20)]
        rows = bench.parse([b + console("static", [(4096, 1, 40, 1000)]).replace("ok 1", "ok 2")
                            for b in boots], "7.2", "smmuv3", "aarch64")
        strict = rows[0]
        self.assertEqual((strict.name, strict.status), ("smmuv3 strict", "ok"))
        p = strict.points[(4096, 1)]
        # IOPS from the median interval: 1000 Hz / (1000 / n) cycles = n per second.
        self.assertEqual((p["iops_median"], p["iops_min"], p["iops_max"], p["reps"]), (20.0, 10.0, 40.0, 3))
        self.assertEqual(p["spread_pct"], 150.0)
        self.assertEqual(p["window_iops_median"], 20.0)
        self.assertEqual(p["ops_per_io"], 2.0)
        self.assertEqual(strict.inval["median_cycles"], 100)
        base = bench.parse([console("none", [(4096, 1, 40, 1000)], "ok 1 bench.noiommu.%s", "noiommu")],
                           "7.2", "noiommu-aarch64", "aarch64")
        bench.add_shares(base + rows)
        self.assertEqual(base[0].points[(4096, 1)]["share_pct"], 100.0)
        self.assertEqual(p["share_pct"], 50.0)

    def test_a_failed_case_gives_no_number(self):
        bad = console("strict", [(4096, 1, 10, 1000)], "not ok 1 bench.smmuv3.%s # error: map failed")
        rows = bench.parse([bad], "7.2", "smmuv3", "aarch64")
        self.assertEqual((rows[0].status, rows[0].reason, rows[0].points), ("error", "error: map failed", {}))
        # Never reported (the guest died first): missing, and no number either.
        self.assertEqual(rows[1].status, "missing")
        self.assertEqual(rows[1].points, {})
        # smmuv3's second row (nested) reported nothing either.
        self.assertEqual([(r.name, r.status) for r in rows[4:]],
                         [("smmuv3-nested strict", "missing"), ("smmuv3-nested static", "missing")])
        self.assertIn("ERROR: error: map failed", bench.table(rows, "7.2"))

    def test_small_shares_keep_their_digits(self):
        self.assertEqual(bench.share_text(0.4), "0.4%")
        self.assertEqual(bench.share_text(5.26), "5.3%")
        self.assertEqual(bench.share_text(100.0), "100%")


if __name__ == "__main__":
    unittest.main()
