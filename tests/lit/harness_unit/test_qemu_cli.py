import unittest

import common
from viommu_lib import cli, configs, qemu
from viommu_lib.errors import UserError


def outcome(rc, stdout=b"KTAP version 1\n"):
    o = qemu.Outcome()
    o.returncode, o.stdout = rc, stdout
    return o


class StatusTest(unittest.TestCase):
    def test_aarch64(self):
        self.assertEqual(qemu.guest_status("aarch64", outcome(0)), (0, None))
        self.assertEqual(qemu.guest_status("aarch64", outcome(3)), (3, None))

    def test_x86(self):
        self.assertEqual(qemu.guest_status("x86_64", outcome(1)), (0, None))
        self.assertEqual(qemu.guest_status("x86_64", outcome(7)), (3, None))
        self.assertIsNone(qemu.guest_status("x86_64", outcome(0))[0])
        self.assertIsNone(qemu.guest_status("x86_64", outcome(2))[0])

    def test_crashes(self):
        self.assertIn("SIGSEGV", qemu.guest_status("aarch64", outcome(-11))[1])
        self.assertIsNone(qemu.guest_status("x86_64", outcome(1, b""))[0])


class CommandLineTest(unittest.TestCase):
    def test_amd_iommu_before_endpoints(self):
        argv = configs.command_line(configs.get("amd-vi"), "qemu-system-x86_64", "/q.rom", "/img", "tcg",
                                    "/tmp/b.img", ["filter=a.*", "seed=1"])
        self.assertLess(argv.index("amd-iommu"), argv.index("edu,dma_mask=0xffffffffffffffff"))
        self.assertEqual(argv[argv.index("-append") + 1], "filter=a.* seed=1")
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04", argv)
        self.assertIn("if=none,id=blk0,format=raw,file=/tmp/b.img,cache=unsafe", argv)

    def test_smmuv3(self):
        argv = configs.command_line(configs.get("smmuv3"), "qemu-system-aarch64", "/q.rom", "/img", "kvm",
                                    "/b", [])
        self.assertEqual(argv[argv.index("-machine") + 1], "virt,iommu=smmuv3")
        self.assertEqual(argv[argv.index("-accel") + 1], "kvm")
        self.assertIn("enable=on,target=native", argv)

    def test_select(self):
        self.assertEqual(len(configs.select("all")[0]), 6)
        self.assertEqual([c.name for c in configs.select("smmuv3,amd-vi")[0]], ["smmuv3", "amd-vi"])
        with self.assertRaises(UserError) as cm:
            configs.select("smmuv3,foo")
        self.assertIn("unknown configuration 'foo' (known: ", str(cm.exception))

    def test_cli_errors(self):
        for argv in (["run", "--bogus"], ["run", "--jobs", "0"], ["run", "--accel", "xen"], ["boot"], [],
                     ["run", "--timeout", "-1"], ["nosuch"]):
            with self.assertRaises(UserError, msg=argv) as cm:
                cli.parse(argv)
            self.assertEqual(cm.exception.status, 2)

    def test_boot_guest_args(self):
        args = cli.parse(["boot", "--config", "smmuv3", "--", "filter=a.*", "tags=demo-failure"])
        self.assertEqual(args.guest_args, ["filter=a.*", "tags=demo-failure"])
        with self.assertRaises(UserError):
            configs.guest_args(extra=["has space"])



class SummaryParseTest(unittest.TestCase):
    def test_lit_and_ctest(self):
        from viommu_lib import cmd_test
        self.assertEqual(cmd_test.parse_lit(1, "Total Discovered Tests: 6\n  Unsupported: 2 (33.33%)\n"
                                               "  Passed     : 1 (16.67%)\n  Failed     : 3 (50.00%)\n"), (1, 3))
        self.assertEqual(cmd_test.parse_lit(2, "lit.py: fatal: bad config\n"), (0, 1))
        self.assertEqual(cmd_test.parse_ctest(8, "83% tests passed, 2 tests failed out of 12"), (10, 2))
        self.assertEqual(cmd_test.parse_ctest(0, "No tests were found!!!"), (0, 0))


if __name__ == "__main__":
    unittest.main()
