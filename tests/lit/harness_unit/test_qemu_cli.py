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

    def test_riscv64(self):  # the sifive,test0 finisher is sent (s << 1) | 1, as on x86_64
        self.assertEqual(qemu.guest_status("riscv64", outcome(1)), (0, None))
        self.assertEqual(qemu.guest_status("riscv64", outcome(3)), (1, None))
        self.assertIsNone(qemu.guest_status("riscv64", outcome(0))[0])

    def test_crashes(self):
        self.assertIn("SIGSEGV", qemu.guest_status("aarch64", outcome(-11))[1])
        self.assertIsNone(qemu.guest_status("x86_64", outcome(1, b""))[0])


class CommandLineTest(unittest.TestCase):
    def test_amd_iommu_before_endpoints(self):
        argv = configs.command_line(configs.get("amd-vi"), "qemu-system-x86_64", "/q.rom", "/img", "tcg",
                                    "/tmp/b.img", ["filter=a.*", "seed=1"])
        iommu = next(i for i, a in enumerate(argv) if a.split(",")[0] == "amd-iommu")
        self.assertLess(iommu, argv.index("edu,dma_mask=0xffffffffffffffff"))
        self.assertEqual(argv[argv.index("-append") + 1], "filter=a.* seed=1")
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04", argv)
        self.assertIn("if=none,id=blk0,format=raw,file=/tmp/b.img,cache=unsafe", argv)

    def test_smmuv3(self):
        argv = configs.command_line(configs.get("smmuv3"), "qemu-system-aarch64", "/q.rom", "/img", "kvm",
                                    "/b", [])
        self.assertEqual(argv[argv.index("-machine") + 1], "virt,iommu=smmuv3")
        self.assertEqual(argv[argv.index("-accel") + 1], "kvm")
        self.assertIn("enable=on,target=native", argv)

    def test_riscv64(self):
        argv = configs.command_line(configs.get("noiommu-riscv64"), "qemu-system-riscv64", "/q.rom", "/img", "tcg",
                                    "/b", [])
        self.assertEqual(argv[argv.index("-machine") + 1], "virt")
        self.assertEqual(argv[argv.index("-cpu") + 1], "rv64")  # QEMU 7.2 has no riscv64 'max'
        self.assertNotIn("-bios", argv)  # QEMU's default: OpenSBI fw_dynamic
        argv = configs.command_line(configs.get("noiommu-riscv64-aia"), "qemu-system-riscv64", "/q.rom", "/img",
                                    "tcg", "/b", [])
        self.assertEqual(argv[argv.index("-machine") + 1], "virt,aia=aplic-imsic")

    def test_riscv_iommu(self):
        # The IOMMU before the endpoints: QEMU gives a function its DMA address space when it is realized.
        argv = configs.command_line(configs.get("riscv-iommu"), "qemu-system-riscv64", "/q.rom", "/img", "tcg", "/b",
                                    [])
        self.assertLess(argv.index("riscv-iommu-pci"), argv.index("edu,dma_mask=0xffffffffffffffff"))
        self.assertEqual(configs.get("riscv-iommu").cases, "riscv-iommu.*")
        # The AIA machine: an IMSIC takes the IOMMU's MSI-X (with the PLIC QEMU gives the function no MSI-X).
        self.assertEqual(argv[argv.index("-machine") + 1], "virt,aia=aplic-imsic")

    def test_cpu_defaults(self):
        def cpu(accel, override=None):
            argv = configs.command_line(configs.get("noiommu-x86_64"), "q", "/q.rom", "/img", accel, "/b", [],
                                        override)
            return argv[argv.index("-cpu") + 1]
        self.assertEqual(cpu("tcg"), "max")
        self.assertEqual(cpu("kvm"), "host")
        self.assertEqual(cpu("kvm", "qemu64"), "qemu64")

    def test_loader_prefix(self):
        argv = configs.command_line(configs.get("smmuv3"), ["/r/lib64/ld.so", "/r/usr/bin/qemu-system-aarch64"],
                                    None, "/img", "tcg", "/b", [])
        self.assertEqual(argv[:2], ["/r/lib64/ld.so", "/r/usr/bin/qemu-system-aarch64"])
        self.assertEqual(argv[2], "-nodefaults")

    def test_select(self):
        self.assertEqual(len(configs.select("all")[0]), 29)  # 9 QEMU configurations, 11 variants, 9 model ones
        self.assertIn("virtio-iommu-64k", [c.name for c in configs.select("virtio-iommu-64k")[0]])
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

    def test_guest_args_longer_than_the_guest_takes(self):
        globs = ",".join("a.case_%03d" % i for i in range(100))  # 1099 characters
        with self.assertRaisesRegex(UserError, "filter= is 1099 characters; the guest takes at most 1023"):
            configs.guest_args(filter_glob=globs)
        with self.assertRaisesRegex(UserError, "guest command line would be"):
            configs.guest_args(filter_glob=globs[:1000], exclude=["b.*"] * 10)
        self.assertEqual(configs.guest_args(filter_glob=globs[:1000])[0], "filter=" + globs[:1000])



class ImplementationTest(unittest.TestCase):
    def test_root_is_run_through_its_loader(self):
        import os
        import tempfile
        from viommu_lib import paths, roots
        with tempfile.TemporaryDirectory() as root:
            for a in paths.ARCHES:
                os.makedirs(os.path.join(root, "usr", "bin"), exist_ok=True)
                p = os.path.join(root, "usr", "bin", "qemu-system-" + a)
                open(p, "w").close()
                os.chmod(p, 0o755)
            q = qemu.RootQemu("trixie", root=root)
            argv = q.argv0("aarch64")
            self.assertEqual(argv[0], os.path.join(root, "lib64", "ld-linux-x86-64.so.2"))
            self.assertEqual(argv[3], os.path.join(root, "usr", "bin", "qemu-system-aarch64"))
            self.assertEqual(argv[4:], ["-L", os.path.join(root, "usr", "share", "qemu")])
            self.assertEqual(q.qboot(), os.path.join(root, "usr", "share", "qemu", "qboot.rom"))
            self.assertIn("QEMU_MODULE_DIR", q.env())
            self.assertFalse(roots.ready(root))  # no loader yet
            os.makedirs(os.path.join(root, "lib64"))
            open(os.path.join(root, "lib64", "ld-linux-x86-64.so.2"), "w").close()
            self.assertTrue(roots.ready(root))
            with common.environ(VIOMMU_ROOT_TRIXIE_BACKPORTS=root):
                self.assertEqual(roots.locations("trixie-backports"), [root])
                self.assertEqual(roots.find("trixie-backports"), root)
                self.assertEqual(roots.default_location("trixie-backports"), root)
            with common.environ(VIOMMU_ROOTS_DIR="/x", VIOMMU_ROOT_TRIXIE_BACKPORTS=None):
                self.assertEqual(roots.locations("sid"), ["/x/qemu-sid"])
            with common.environ(VIOMMU_TRIXIE_ROOT=root, VIOMMU_ROOT_TRIXIE=None):  # the older name still works
                self.assertEqual(roots.locations("trixie"), [root])

    def test_missing_root_is_reported(self):
        q = qemu.RootQemu("trixie-backports", series_hint="11.1", problem="not found in /x")
        self.assertIsNone(q.binary("aarch64"))
        self.assertEqual(q.label, "qemu 11.1")
        self.assertEqual(q.ident, "qemu-11.1")
        t = __import__("viommu_lib.plan", fromlist=["plan"]).Target(configs.get("smmuv3"), q)
        self.assertFalse(t.available)
        self.assertEqual(t.problem, "not found in /x")
        with common.environ(VIOMMU_ROOTS_DIR="/nonexistent-roots"):
            q = qemu.root_qemu("trixie-backports")
            self.assertIn("QEMU 11.1 (Debian trixie-backports root) not found in /nonexistent-roots/qemu-trixie-backports",
                          q.problem)

    def test_selection(self):
        self.assertEqual([q.name for q in qemu.implementations(None, "system")], ["system"])
        self.assertEqual([q.name for q in qemu.implementations(None, None)], ["system", "trixie", "trixie-backports"])
        self.assertEqual([q.name for q in qemu.implementations(None, "all,sid")],
                         ["system", "trixie", "trixie-backports", "sid"])
        self.assertEqual([q.name for q in qemu.implementations(None, "trixie-backports")], ["trixie-backports"])
        self.assertEqual(qemu.root_names(None, None), ["trixie", "trixie-backports"])
        self.assertEqual(qemu.root_names(None, "system"), [])
        self.assertEqual(qemu.root_names("/tmp", None), [])
        self.assertEqual(qemu.root_names(None, "sid,system"), ["sid"])
        with self.assertRaises(UserError):
            qemu.implementations(None, "bogus")

    def test_reproduce_line_has_environment(self):
        from viommu_lib import plan
        line = plan.reproduce_line(["q", "-m", "1"], "/t/b.img", {"QEMU_MODULE_DIR": "/r/m"})
        self.assertEqual(line, "truncate -s 1M /t/b.img && QEMU_MODULE_DIR=/r/m q -m 1")


class SummaryParseTest(unittest.TestCase):
    def counts(self, status, xml):
        import tempfile
        from viommu_lib import cmd_test
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(xml)
            f.flush()
            return cmd_test.junit_counts(status, f.name)

    def test_lit_xunit(self):
        xml = ('<testsuites><testsuite name="viommu">'
               '<testcase classname="viommu" name="a.test"/>'
               '<testcase classname="viommu" name="b.test"><failure><![CDATA[boom]]></failure></testcase>'
               '<testcase classname="viommu" name="c.test"><skipped message="Unsupported"/></testcase>'
               '</testsuite></testsuites>')
        self.assertEqual(self.counts(1, xml), (1, 1))

    def test_ctest_junit(self):
        xml = ('<testsuite tests="3"><testcase name="A" status="run"/><testcase name="B" status="fail">'
               '<failure message="Failed"/></testcase><testcase name="C" status="disabled"/></testsuite>')
        self.assertEqual(self.counts(8, xml), (1, 1))

    def test_a_runner_that_failed_without_a_report_is_a_failure(self):
        from viommu_lib import cmd_test
        self.assertEqual(cmd_test.junit_counts(2, "/nonexistent/report.xml"), (0, 1))
        self.assertEqual(self.counts(2, "<testsuite/>"), (0, 1))
        self.assertEqual(self.counts(0, "<testsuite/>"), (0, 0))


if __name__ == "__main__":
    unittest.main()
