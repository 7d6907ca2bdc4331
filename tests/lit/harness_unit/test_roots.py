"""Debian roots (roots.py), QEMU option probes, configuration variants and build/root progress lines."""
import io
import os
import sys
import tempfile
import unittest

import common
from viommu_lib import configs, expectations, plan, progress, qemu, roots
from viommu_lib.errors import UserError


class MirrorTest(unittest.TestCase):
    def test_sources_and_list(self):
        self.assertEqual(roots.mirrors_in_sources("Types: deb\nURIs: http://m.example/debian\nSuites: bookworm\n"),
                         ["http://m.example/debian"])
        self.assertEqual(roots.mirrors_in_list("# c\ndeb [arch=amd64 signed-by=/k] http://a/debian bookworm main\n"
                                               "deb-src http://b/debian bookworm main\n"), ["http://a/debian"])


PACKAGES = """\
Package: qemu-system-x86
Version: 1:11.1.3+ds-2~bpo13+1
Architecture: amd64
Depends: libc6 (>= 2.38), libfdt1 (>= 1.7.2), qemu-system-common (= 1:11.1.3+ds-2~bpo13+1), seabios (>> 1.17.0-1~), ipxe-qemu | foo
Filename: pool/main/q/qemu/qemu-system-x86_11.1.3+ds-2~bpo13+1_amd64.deb
SHA256: 00

Package: qemu-system-common
Version: 1:11.1.3+ds-2~bpo13+1
Architecture: amd64
Depends: libc6 (>= 2.38)
Filename: pool/main/q/qemu/qemu-system-common_11.1.3+ds-2~bpo13+1_amd64.deb

Package: seabios
Version: 1.17.0-1~bpo13+1
Architecture: all
Filename: pool/main/s/seabios/seabios_1.17.0-1~bpo13+1_all.deb

Package: libfdt1
Version: 1.7.2-4~bpo13+1
Architecture: amd64
Depends: libnew (>= 2)
Filename: pool/main/d/dtc/libfdt1_1.7.2-4~bpo13+1_amd64.deb
"""

STATUS = """\
Package: libc6
Status: install ok installed
Version: 2.41-12

Package: libfdt1
Status: install ok installed
Version: 1.7.2-4

Package: seabios
Status: install ok installed
Version: 1.16.3-2

Package: ipxe-qemu
Status: deinstall ok config-files
Version: 1.0

Package: foo-impl
Status: install ok installed
Version: 3
Provides: foo (= 3), bar
"""


class IndexTest(unittest.TestCase):
    def index(self):
        return {f["Package"]: f for f in roots.stanzas(PACKAGES)}

    def test_installed_and_provides(self):
        have = roots.installed(STATUS)
        self.assertEqual(have["libc6"], "2.41-12")
        self.assertNotIn("ipxe-qemu", have)  # only configuration files left: not installed
        self.assertEqual(have["foo"], "3")
        self.assertIsNone(have["bar"])

    def test_relations(self):
        rel = roots.relations("a (>= 1), b | c:any (<< 2~x), d")
        self.assertEqual(rel, [[("a", ">=", "1")], [("b", None, None), ("c", "<<", "2~x")], [("d", None, None)]])

    def test_resolve_adds_what_the_base_lacks(self):
        debs = roots.resolve(["qemu-system-x86"], self.index(), roots.installed(STATUS))
        # seabios 1.16 in the base is older than >> 1.17.0-1~: the suite's goes in; libfdt1 1.7.2-4 is enough;
        # ipxe-qemu is missing but its alternative foo is provided.
        self.assertEqual([d["Package"] for d in debs], ["qemu-system-x86", "qemu-system-common", "seabios"])

    def test_resolve_refuses_what_nobody_has(self):
        have = roots.installed(STATUS.replace("Version: 1.7.2-4\n", "Version: 1.6.0-1\n"))
        with self.assertRaises(UserError) as e:
            roots.resolve(["qemu-system-x86"], self.index(), have)
        self.assertIn("libfdt1 needs libnew (>= 2)", str(e.exception))

    def test_release_hash(self):
        text = ("Codename: trixie-backports\nMD5Sum:\n 11 5 main/binary-amd64/Packages.xz\nSHA256:\n"
                " aa 7 main/binary-arm64/Packages.xz\n bb 9 main/binary-amd64/Packages.xz\n")
        self.assertEqual(roots.release_sha256(text, "main/binary-amd64/Packages.xz"), ("bb", 9))
        with self.assertRaises(UserError):
            roots.release_sha256(text, "contrib/binary-amd64/Packages.xz")


class MergeTest(unittest.TestCase):
    def test_hard_linked_base_is_never_written(self):
        with tempfile.TemporaryDirectory() as d:
            base, new, stage = (os.path.join(d, n) for n in ("base", "new", "stage"))
            os.makedirs(os.path.join(base, "usr", "lib"))
            os.symlink("usr/lib", os.path.join(base, "lib"))
            with open(os.path.join(base, "usr", "lib", "libq.so"), "w") as f:
                f.write("old")
            os.makedirs(new)
            os.makedirs(os.path.join(new, "usr", "lib"))
            os.link(os.path.join(base, "usr", "lib", "libq.so"), os.path.join(new, "usr", "lib", "libq.so"))
            os.symlink("usr/lib", os.path.join(new, "lib"))
            os.makedirs(os.path.join(stage, "lib"))
            os.makedirs(os.path.join(stage, "usr", "bin"))
            with open(os.path.join(stage, "lib", "libq.so"), "w") as f:  # through the /lib -> usr/lib link
                f.write("new")
            with open(os.path.join(stage, "usr", "bin", "qemu"), "w") as f:
                f.write("q")
            roots.merge(stage, new)
            with open(os.path.join(new, "usr", "lib", "libq.so")) as f:
                self.assertEqual(f.read(), "new")
            with open(os.path.join(base, "usr", "lib", "libq.so")) as f:
                self.assertEqual(f.read(), "old")
            self.assertTrue(os.path.islink(os.path.join(new, "lib")))
            self.assertTrue(os.path.isfile(os.path.join(new, "usr", "bin", "qemu")))

    def test_not_root_is_a_clear_error(self):
        if os.geteuid() == 0:
            self.skipTest("runs as root")
        with common.environ(VIOMMU_ROOTS_DIR=tempfile.gettempdir() + "/viommu-no-roots"):
            with self.assertRaises(UserError) as e:
                roots.ensure("trixie")
            self.assertIn("needs root", str(e.exception))
            self.assertIn("needs root", roots.missing_reason("trixie"))


class FakeQemu:
    """A QEMU whose probes answer from tables."""
    label = "qemu 9.9"

    def __init__(self, devices, machines=("virt", "q35")):
        self.devices, self.machine_list = devices, list(machines)

    def device_options(self, arch, device):
        if device not in self.devices:
            return {"present": False, "options": []}
        return {"present": True, "options": list(self.devices[device])}

    def machines(self, arch):
        return self.machine_list


class OptionTest(unittest.TestCase):
    def test_help_parsers(self):
        text = ("amd-iommu options:\n  device-iotlb=<bool>    - on/off (default: off)\n"
                "  dma-remap=<bool>       - on/off (default: off)\n  pci-id=<str>\n")
        self.assertEqual(qemu.parse_device_help(text), ["device-iotlb", "dma-remap", "pci-id"])
        self.assertEqual(qemu.parse_machine_help("Supported machines are:\nvirt-9.1  QEMU 9.1 ARM Virtual Machine\n"
                                                 "virt                 QEMU 11.1 ARM Virtual Machine (alias of virt-11.1)\n"),
                         ["virt-9.1", "virt"])

    def test_needs(self):
        old = FakeQemu({"amd-iommu": ["intremap", "pt"]})
        new = FakeQemu({"amd-iommu": ["intremap", "xtsup", "dma-remap"]}, ["virt", "virt-9.1"])
        xt = configs.Need("amd-iommu", "xtsup")
        self.assertIn("has no option xtsup (-device amd-iommu,help)", xt.missing(old, "x86_64"))
        self.assertIsNone(xt.missing(new, "x86_64"))
        self.assertIn("no device virtio-iommu-pci", configs.Need("virtio-iommu-pci", "granule").missing(old, "x86_64"))
        m = configs.Need(machine="virt-9.1")
        self.assertIn("no machine type virt-9.1", m.missing(old, "aarch64"))
        self.assertIsNone(m.missing(new, "aarch64"))
        # A device alone (riscv-iommu: QEMU 9.2+): present or not, whatever its options.
        rv = configs.Need("riscv-iommu-pci")
        self.assertIn("no device riscv-iommu-pci", rv.missing(old, "riscv64"))
        self.assertIsNone(rv.missing(FakeQemu({"riscv-iommu-pci": []}), "riscv64"))

    def test_need_under_the_name_this_qemu_has(self):
        # intel-iommu's scalable mode: x-scalable-mode on QEMU 7.2 and 10.0, scalable-mode on 11.1.
        sm = configs.Need("intel-iommu", ("scalable-mode", "x-scalable-mode"), value="on")
        v10 = FakeQemu({"intel-iommu": ["x-scalable-mode", "x-flts"]})
        v11 = FakeQemu({"intel-iommu": ["scalable-mode", "fsts"]})
        self.assertIsNone(sm.missing(v10, "x86_64"))
        self.assertIsNone(sm.missing(v11, "x86_64"))
        self.assertEqual(sm.resolve(v10, "x86_64"), "x-scalable-mode")
        self.assertEqual(sm.resolve(v11, "x86_64"), "scalable-mode")
        self.assertIn("has no option scalable-mode or x-scalable-mode",
                      sm.missing(FakeQemu({"intel-iommu": ["caching-mode"]}), "x86_64"))
        self.assertIn("no device intel-iommu", sm.missing(FakeQemu({}), "x86_64"))
        argv = configs.command_line(configs.get("intel-vtd-scalable"), "q", "/q.rom", "/img", "tcg", "/b", [],
                                    uses=[("intel-iommu", sm.resolve(v10, "x86_64"), "on")])
        self.assertIn("intel-iommu,intremap=on,x-scalable-mode=on", argv)
        self.assertIn("intel-vtd-scalable", [c.name for c in configs.select(None)[0]])

    def test_dma_remap_where_present(self):
        argv = configs.command_line(configs.get("amd-vi"), "q", "/q.rom", "/img", "tcg", "/b", [],
                                    uses=[("amd-iommu", "dma-remap", "on")])
        self.assertIn("amd-iommu,intremap=on,dma-remap=on", argv)
        argv = configs.command_line(configs.get("amd-vi"), "q", "/q.rom", "/img", "tcg", "/b", [])
        self.assertIn("amd-iommu,intremap=on", argv)
        self.assertEqual(configs.with_properties(["-device", "a,x=1", "-drive", "a"], [("a", "y", "2")]),
                         ["-device", "a,x=1,y=2", "-drive", "a"])

    def test_variant_skipped_loudly_where_the_option_is_missing(self):
        with tempfile.TemporaryDirectory() as d:
            img = os.path.join(d, "x.elf")
            open(img, "w").close()
            rom = os.path.join(d, "qboot.rom")
            open(rom, "w").close()
            with common.environ(VIOMMU_IMAGE_X86_64=img):
                q = qemu.SystemQemu()
                q.binary = lambda arch: "/usr/bin/qemu-system-" + arch
                q.version = lambda arch: ("7.2.22", "7.2")
                q.qboot = lambda: rom
                q.device_options = FakeQemu({"amd-iommu": ["intremap"]}).device_options
                t = plan.Target(configs.get("amd-vi-xtsup"), q)
                self.assertFalse(t.available)
                self.assertTrue(t.unsupported)
                self.assertEqual(t.problem, "skipped (not a failure): this QEMU's amd-iommu has no option xtsup "
                                            "(-device amd-iommu,help)")
                t = plan.Target(configs.get("amd-vi"), q)
                self.assertTrue(t.available)
                self.assertEqual(t.uses, [])
                q.device_options = FakeQemu({"amd-iommu": ["intremap", "xtsup", "dma-remap"]}).device_options
                t = plan.Target(configs.get("amd-vi-xtsup"), q)
                self.assertTrue(t.available)
                self.assertIn("amd-iommu,intremap=on,xtsup=on,dma-remap=on", t.argv("tcg", "/b", []))

    def test_family_expectations_cover_variants(self):
        e = expectations.parse("smmuv3 smmuv3.s1.* event.CLASS XFAIL IHI0070 G.b 7.3.13 -- no CLASS\n"
                               "smmuv3-virt-9.1 smmuv3.s2.* status XFAIL IHI0070 -- only there\n", "x.txt")
        self.assertTrue(e[0].matches("smmuv3-virt-9.1", "smmuv3.s1.a", "event.CLASS"))
        self.assertTrue(e[0].matches("smmuv3", "smmuv3.s1.a", "event.CLASS"))
        self.assertFalse(e[1].matches("smmuv3", "smmuv3.s2.a", "status"))
        self.assertTrue(e[1].matches("smmuv3-virt-9.1", "smmuv3.s2.a", "status"))

    def test_every_variant_names_a_family(self):
        for c in configs.CONFIGS:
            self.assertIn(c.family, configs.BY_NAME, c.name)
            self.assertEqual(configs.BY_NAME[c.family].family, c.family, c.name)


class PrepareTest(unittest.TestCase):
    """A root that cannot be made is a loud warning and its column's reason, never an error; a root made
    from it is not attempted."""

    def test_failed_base_skips_what_builds_on_it(self):
        from viommu_lib import prepare
        made = []

        def fake_ensure(name, where=None, log=None):
            made.append(name)
            roots.failures[name] = "debootstrap of the trixie root failed (status 1)"
            raise UserError(roots.failures[name], status=1)

        old_ensure, old_find = roots.ensure, roots.find
        roots.ensure, roots.find = fake_ensure, lambda name: None
        out = io.StringIO()
        try:
            failed = prepare.make_roots(["trixie", "trixie-backports"], log=out)
            self.assertEqual(failed, ["trixie", "trixie-backports"])
            self.assertEqual(made, ["trixie"])
            text = out.getvalue()
            self.assertIn("viommu: WARNING: QEMU 10.0 (Debian trixie root) UNAVAILABLE: debootstrap of the trixie "
                          "root failed (status 1)", text)
            self.assertIn("QEMU 11.1 (Debian trixie-backports root) UNAVAILABLE: it is made from the trixie root, "
                          "which could not be made", text)
            self.assertIn("'scripts/viommu run --qemu sid'", text)
            with common.environ(VIOMMU_ROOTS_DIR="/nonexistent-roots"):
                q = qemu.root_qemu("trixie-backports")
            self.assertIn("could not be created: it is made from the trixie root", q.problem)
        finally:
            roots.ensure, roots.find = old_ensure, old_find
            roots.failures.clear()


class ProgressTest(unittest.TestCase):
    def test_silent_steps_print_progress(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "log")
            out = io.StringIO()
            rc = progress.run_logged([sys.executable, "-c", "import time; print('[3/9] Building x', flush=True); "
                                      "time.sleep(0.5)"], log, "building demo", interval=0.1, log=out)
            self.assertEqual(rc, 0)
            lines = out.getvalue().splitlines()
            self.assertTrue(lines, "no progress line")
            self.assertRegex(lines[-1], r"^viommu: building demo: still running \(\d+ s\): \[3/9\] Building x$")
            with open(log) as f:
                self.assertIn("[3/9] Building x", f.read())

    def test_last_line(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("a\nI: Retrieving libc6 2.41\n\n")
        try:
            self.assertEqual(progress.last_line(f.name), "I: Retrieving libc6 2.41")
            self.assertEqual(progress.last_line(f.name, width=10), "I: Retr...")
        finally:
            os.unlink(f.name)
        self.assertEqual(progress.last_line("/nonexistent"), "")


if __name__ == "__main__":
    unittest.main()
