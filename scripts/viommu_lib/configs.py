"""The configurations (names used everywhere) and the QEMU command line of each."""
import os
import shlex

from . import paths
from .errors import UserError

# Every run gets these; -serial stdio carries the guest console (KTAP) on QEMU's stdout.
COMMON_ARGS = ["-nodefaults", "-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot", "-m", "512M"]

SYSTEM_QBOOT = "/usr/share/qemu/qboot.rom"
# QEMU riscv64 virt's default -bios (OpenSBI, fw_dynamic), looked up in the same data directory as qboot.rom.
OPENSBI = "opensbi-riscv64-generic-fw_dynamic.bin"


class Need:
    """Something a configuration needs from QEMU, asked from the binary (qemu.Qemu.device_options /
    machines): a device (`-device DEVICE,help` answers), a device property (it lists PROP) or a machine type
    (`-machine help`). PROP may be a tuple of the names one property had over the versions (intel-iommu's
    `scalable-mode`, `x-scalable-mode` on QEMU 7.2 and 10.0): the first the binary lists is the one it has. With a
    VALUE the need is also a setting: `,NAME=VALUE` under the name this QEMU has is added to the device."""

    def __init__(self, device=None, prop=None, machine=None, value=None):
        self.device, self.machine, self.value = device, machine, value
        self.props = tuple(prop) if isinstance(prop, (tuple, list)) else ((prop,) if prop else ())
        self.prop = self.props[0] if self.props else None

    def resolve(self, q, arch):
        """The property name QEMU q has (of self.props), or None when it has none (or cannot be asked)."""
        d = q.device_options(arch, self.device)
        if d is None:
            return None
        return next((p for p in self.props if p in d["options"]), None)

    def missing(self, q, arch):
        """None when QEMU q has it, else the reason (one line)."""
        if self.machine:
            have = q.machines(arch)
            if have is not None and self.machine not in have:
                return "this QEMU has no machine type %s (-machine help)" % self.machine
            return None
        d = q.device_options(arch, self.device)
        if d is None:
            return None
        if not d["present"]:
            return "this QEMU has no device %s" % self.device
        if self.props and not any(p in d["options"] for p in self.props):
            return "this QEMU's %s has no option %s (-device %s,help)" % (self.device, " or ".join(self.props),
                                                                        self.device)
        return None

    def __repr__(self):
        if self.machine:
            return "machine %s" % self.machine
        return "%s %s=" % (self.device, "|".join(self.props)) if self.props else "device %s" % self.device


class Config:
    """One configuration: an architecture, its machine, and the IOMMU devices it adds. A variant of another
    configuration (its `family`) turns on a QEMU option; it needs that option (`needs`) and is skipped,
    loudly, on a QEMU without it. `uses` are (device, property, value) added wherever QEMU has the property
    (amd-iommu dma-remap=on since QEMU 10.2) and left out, with a note, where it has not."""

    def __init__(self, name, arch, machine, iommu_devices=(), description="", peers=None, cases=None,
                 family=None, needs=(), uses=(), in_all=True):
        self.name = name
        # Part of `--config all` (the default); a configuration outside it runs only by name.
        self.in_all = in_all
        # The case globs a run of this configuration selects when the user gives no --filter: the
        # endpoint baseline and runner self-tests everywhere, plus the configuration's own IOMMU group.
        # Other IOMMUs' cases would only SKIP here (their device is absent). None: every case.
        self.cases = cases
        self.arch = arch                          # "host" for the hosted reference model
        self.machine = machine
        self.iommu_devices = list(iommu_devices)  # placed before the endpoints on the command line
        self.description = description
        # The matrix rows this configuration's results appear in: a QEMU configuration its own, a model
        # configuration those of the QEMU configurations it is compared with.
        self.peers = list(peers or [name])
        # The configuration this one is a variant of: the expectations of the family apply to it too
        # (a QEMU deviation does not go away with a machine type or a granule).
        self.family = family or name
        self.needs = list(needs)
        self.uses = list(uses)

    @property
    def is_model(self):
        return self.arch == "host"


BASELINE = "dma.*,selftest.*"

AMD_VI_DEVICES = ["-device", "pcie-root-port,id=amdvi_rp1,chassis=1,addr=0x1c",
                  "-drive", "if=none,id=amdvi_null,driver=null-co,read-zeroes=on",
                  "-device", "virtio-blk-pci,bus=amdvi_rp1,drive=amdvi_null,disable-legacy=on,iommu_platform=on"]
# Since QEMU 10.2 amd-iommu translates the DMA of emulated devices only with dma-remap=on (default off).
DMA_REMAP = ("amd-iommu", "dma-remap", "on")


def _amd_vi(name, options="", needs=(), cases=BASELINE + ",amd-vi.*", description="AMD-Vi", in_all=True):
    return Config(name, "x86_64", "q35", ["-device", "amd-iommu,intremap=on" + options] + AMD_VI_DEVICES,
                  description, cases=cases, family="amd-vi", needs=needs, uses=[DMA_REMAP], in_all=in_all)


def _virtio_iommu(name, arch, option=None, needs=(), description="virtio-iommu", cases=BASELINE + ",virtio-iommu.*",
                  in_all=True):
    dev = "virtio-iommu-pci" + ("," + option if option else "")
    return Config(name, arch, "virt" if arch == "aarch64" else "q35", ["-device", dev], description,
                  cases=cases, family="virtio-iommu-" + arch, needs=needs, in_all=in_all)


# Intel VT-d (QEMU's intel-iommu, a platform device at 0xfed90000 found through the ACPI DMAR table). QEMU gives a PCI
# function its DMA address space when the function is realized, so the IOMMU comes before the endpoints. intremap=on
# needs the IOAPIC in QEMU under KVM: kernel-irqchip=split (TCG ignores the property). The device comes out of
# reset with translation off (GSTS.TES=0): the cases enable what they use.
def _intel_vtd(name, needs=(), description="Intel VT-d", options=""):
    return Config(name, "x86_64", "q35,kernel-irqchip=split", ["-device", "intel-iommu,intremap=on" + options],
                  description, cases="intel-vtd.*", family="intel-vtd", needs=[Need("intel-iommu")] + list(needs))


CONFIGS = [
    Config("noiommu-aarch64", "aarch64", "virt", description="no IOMMU", cases=BASELINE),
    Config("noiommu-x86_64", "x86_64", "q35", description="no IOMMU", cases=BASELINE),
    Config("noiommu-riscv64", "riscv64", "virt", description="no IOMMU", cases=BASELINE),
    Config("smmuv3", "aarch64", "virt,iommu=smmuv3", description="SMMUv3", cases=BASELINE + ",smmuv3.*"),
    _virtio_iommu("virtio-iommu-aarch64", "aarch64"),
    _virtio_iommu("virtio-iommu-x86_64", "x86_64"),
    _amd_vi("amd-vi"),
    # riscv-iommu-pci (QEMU 9.2+) is placed before the endpoints: QEMU gives a PCI device its DMA address space
    # when it is realized, so only the functions created after the IOMMU translate through it. The device
    # comes out of reset with ddtp.iommu_mode Off (QEMU's default, the spec's recommendation), which blocks
    # every DMA until a driver programs it: the baseline, which programs no IOMMU, would only show that, so the
    # configuration runs the riscv-iommu cases (they attach what they use). The AIA machine (APLIC + an IMSIC per
    # hart) gives the IOMMU's own MSI-X and the endpoints' MSIs a target: on virt with the PLIC QEMU's
    # riscv-iommu-pci has no MSI-X at all (msix_init fails: the platform has no MSI controller).
    Config("riscv-iommu", "riscv64", "virt,aia=aplic-imsic", ["-device", "riscv-iommu-pci"], "RISC-V IOMMU (PCI function)",
           cases="riscv-iommu.*", needs=[Need("riscv-iommu-pci")]),
    # Variants: the option users turn on, on every QEMU that has it (skipped, loudly, elsewhere).
    Config("smmuv3-virt-9.1", "aarch64", "virt-9.1,iommu=smmuv3", description="SMMUv3 on the virt-9.1 "
           "machine type (stage 1 only, as before QEMU 9.2)", cases=BASELINE + ",smmuv3.*", family="smmuv3",
           needs=[Need(machine="virt-9.1")]),
    _virtio_iommu("virtio-iommu-16k", "aarch64", "granule=16k", [Need("virtio-iommu-pci", "granule")],
                  "virtio-iommu, 16 KiB granule"),
    _virtio_iommu("virtio-iommu-64k", "aarch64", "granule=64k", [Need("virtio-iommu-pci", "granule")],
                  "virtio-iommu, 64 KiB granule"),
    _virtio_iommu("virtio-iommu-aw39", "x86_64", "aw-bits=39", [Need("virtio-iommu-pci", "aw-bits")],
                  "virtio-iommu, 39-bit input range"),
    # Without boot bypass an endpoint the driver never attached is blocked: the dma.* baseline (which
    # attaches nothing) would only show that; the virtio-iommu cases attach what they use.
    _virtio_iommu("virtio-iommu-no-bypass", "x86_64", "boot-bypass=off", [Need("virtio-iommu-pci", "boot-bypass")],
                  "virtio-iommu, no DMA bypass before the driver", cases="virtio-iommu.*"),
    _amd_vi("amd-vi-xtsup", ",xtsup=on", [Need("amd-iommu", "xtsup")], description="AMD-Vi, x2APIC (XTSup)"),
    # With DMA translation off QEMU sets IVHD HATDis=1 (and EFR.HATS=11b, "not meaningful" then): the cases that
    # need a v1 page table skip, naming HATDis; discovery, commands, registers, event log, interrupts and
    # interrupt remapping still run, and the baseline's untranslated DMA (every DTE V=0).
    _amd_vi("amd-vi-hatdis", ",dma-translation=off", [Need("amd-iommu", "dma-translation")],
            description="AMD-Vi, DMA translation off (HATDis)"),
    _intel_vtd("intel-vtd", description="Intel VT-d, legacy mode"),
    # Scalable mode: x-scalable-mode on QEMU 7.2 and 10.0, scalable-mode on 11.1 (the option the binary lists).
    _intel_vtd("intel-vtd-scalable", [Need("intel-iommu", ("scalable-mode", "x-scalable-mode"), value="on")],
               "Intel VT-d, scalable mode"),
    # First-stage translation in scalable mode (ECAP.FLTS; QEMU then offers SLTS=0 and walks every PASID entry's
    # first-stage table): x-flts on QEMU 10.0, fsts on 11.1; QEMU 7.2 has neither (unavailable there).
    _intel_vtd("intel-vtd-scalable-fs", [Need("intel-iommu", ("scalable-mode", "x-scalable-mode"), value="on"),
                                         Need("intel-iommu", ("fsts", "x-flts"), value="on")],
               "Intel VT-d, scalable mode, first-stage translation"),
    # Caching mode (CAP.CM=1): what every VFIO user of intel-iommu turns on; not-present entries may be cached.
    _intel_vtd("intel-vtd-cm", [Need("intel-iommu", "caching-mode")], "Intel VT-d, caching mode", ",caching-mode=on"),
    # riscv64 with the AIA's interrupt controllers instead of the PLIC: an IMSIC per hart takes the endpoints' MSIs
    # (the guest picks the controller from the DT). virt has had aia= since QEMU 7.0: every QEMU here runs it.
    Config("noiommu-riscv64-aia", "riscv64", "virt,aia=aplic-imsic", description="no IOMMU, AIA (APLIC + IMSIC)",
           cases=BASELINE, family="noiommu-riscv64"),
    # The reference model, hosted: the same cases compiled for the host, MMIO and DMA routed into the model.
    Config("model-smmuv3", "host", "hosted", description="SMMUv3 reference model", peers=["smmuv3"]),
    Config("model-virtio-iommu", "host", "hosted", description="virtio-iommu reference model",
           peers=["virtio-iommu-aarch64", "virtio-iommu-x86_64"]),
    Config("model-amd-vi", "host", "hosted", description="AMD-Vi reference model", peers=["amd-vi"]),
    Config("model-riscv-iommu", "host", "hosted", description="RISC-V IOMMU reference model",
           peers=["riscv-iommu"]),
    # The hardware-assisted vIOMMU of the T-Head design (issue 13): the same model with its register file in a
    # page of memory that the driver's loads and stores reach directly (model/riscv_iommu/reg_page.h). Its own
    # matrix row: no QEMU has this device, and its cells must not add to model-riscv-iommu's.
    Config("model-riscv-iommu-regpage", "host", "hosted", description="RISC-V IOMMU reference model, "
           "memory-resident register page"),
    # Intel VT-d (issue 14): hosted/intel_vtd_machine.cpp, QEMU 10.0's DMAR; legacy and caching mode with 10.0's
    # CAP/ECAP.
    Config("model-intel-vtd", "host", "hosted", description="Intel VT-d reference model, legacy mode",
           peers=["intel-vtd"]),
    # Caching mode (CAP.CM=1): the model caches not-present entries, which QEMU never does.
    Config("model-intel-vtd-cm", "host", "hosted", description="Intel VT-d reference model, caching mode",
           peers=["intel-vtd-cm"]),
    # Scalable mode with QEMU 11.1's CAP/ECAP: second-stage only (scalable-mode=on), first-stage only (fsts=on).
    Config("model-intel-vtd-scalable", "host", "hosted", description="Intel VT-d reference model, scalable mode",
           peers=["intel-vtd-scalable"]),
    Config("model-intel-vtd-scalable-fs", "host", "hosted",
           description="Intel VT-d reference model, scalable mode, first-stage translation",
           peers=["intel-vtd-scalable-fs"]),
]
BY_NAME = {c.name: c for c in CONFIGS}
NAMES = [c.name for c in CONFIGS]


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise UserError("unknown configuration '%s' (known: %s)" % (name, ", ".join(NAMES))) from None


def select(spec):
    """--config value ('a,b' or 'all' or None) -> (configs, explicit). 'all' is every configuration but the
    few that run only by name (in_all False)."""
    if spec is None or spec.strip() == "all":
        return [c for c in CONFIGS if c.in_all], False
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise UserError("--config needs a configuration name (known: %s)" % ", ".join(NAMES))
    out = []
    for n in names:
        c = get(n)
        if c not in out:
            out.append(c)
    return out, True


# The benchmarks' disk (scripts/viommu bench): no file behind it, reads return zeros (written explicitly:
# QEMU changed null-co's read-zeroes default over the versions compared), 1 GiB.
NULL_BLK_DRIVE = "if=none,id=blk0,driver=null-co,read-zeroes=on,size=1G"


def endpoint_args(blk_image):
    """The DMA endpoints every configuration gets (one place; later work adds more). blk_image None: the
    virtio-blk disk is a null-co drive (the benchmarks)."""
    drive = NULL_BLK_DRIVE if blk_image is None else "if=none,id=blk0,format=raw,file=%s,cache=unsafe" % blk_image
    return [
        "-device", "edu,dma_mask=0xffffffffffffffff",
        "-device", "virtio-rng-pci,disable-legacy=on,iommu_platform=on",
        "-device", "virtio-blk-pci,drive=blk0,disable-legacy=on,iommu_platform=on",
        "-drive", drive,
    ]


def default_cpu(accel, arch=None):
    """TCG: '-cpu max' (every feature QEMU models); riscv64 'rv64', virt's default CPU, since QEMU 7.2 has no
    riscv64 'max'. KVM: '-cpu host', right on real KVM hosts; a host whose KVM rejects it (this project's PVM
    machines abort on MSR 0x10a) needs '--cpu qemu64'."""
    if accel == "kvm":
        return "host"
    return "rv64" if arch == "riscv64" else "max"


def arch_args(config, qboot, cpu="max"):
    if config.arch == "aarch64":
        return ["-machine", config.machine, "-cpu", cpu, "-semihosting-config", "enable=on,target=native"]
    if config.arch == "riscv64":  # QEMU's default -bios: OpenSBI fw_dynamic; exit through virt's sifive,test0
        return ["-machine", config.machine, "-cpu", cpu]
    return ["-machine", config.machine, "-cpu", cpu, "-bios", qboot,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def command_line(config, qemu_binary, qboot, image, accel, blk_image, guest_args, cpu=None, uses=()):
    """The full QEMU argv for one run of a configuration. qemu_binary: a path, or the list of words
    that start QEMU (a loader prefix for a Debian root). uses: (device, property, value) this QEMU has
    (of config.uses), appended to that device's -device argument."""
    start = [qemu_binary] if isinstance(qemu_binary, str) else list(qemu_binary)
    return (start + COMMON_ARGS + ["-accel", accel] + arch_args(config, qboot, cpu or default_cpu(accel, config.arch))
            + with_properties(config.iommu_devices, uses) + endpoint_args(blk_image)
            + ["-kernel", image, "-append", " ".join(guest_args)])


def with_properties(words, uses):
    """words with ',PROP=VALUE' appended to each '-device DEVICE,...' argument named in uses."""
    out = list(words)
    for i in range(1, len(out)):
        if out[i - 1] == "-device":
            dev = out[i].split(",")[0]
            out[i] += "".join(",%s=%s" % (p, v) for d, p, v in uses if d == dev)
    return out


def shell_line(argv):
    return " ".join(shlex.quote(a) for a in argv)


# What the guest can take (kernel/cmdline.h; the x86 PVH command line buffer in arch/x86_64/init.cpp is 1024 bytes).
GUEST_VALUE_MAX = {"filter": 1023, "exclude": 1023, "tags": 127}
GUEST_CMDLINE_MAX = 1023


def guest_args(filter_glob=None, seed=None, tags=None, extra=(), exclude=()):
    """Guest command line words: filter=GLOB[,GLOB] exclude=GLOB[,GLOB] seed=N tags=T[,T] (plus e.g. 'list')."""
    args = []
    if filter_glob:
        args.append("filter=" + filter_glob)
    if exclude:
        args.append("exclude=" + ",".join(exclude))
    if seed is not None:
        args.append("seed=%d" % seed)
    if tags:
        args.append("tags=" + tags)
    args.extend(extra)
    for a in args:
        if not a or any(ch.isspace() for ch in a) or '"' in a:
            raise UserError("guest argument %r must not be empty or contain spaces or quotes" % a)
        key = a.split("=", 1)[0]
        if key in GUEST_VALUE_MAX and len(a) - len(key) - 1 > GUEST_VALUE_MAX[key]:
            raise UserError("guest argument %s= is %d characters; the guest takes at most %d (use fewer, broader globs)"
                            % (key, len(a) - len(key) - 1, GUEST_VALUE_MAX[key]))
    if len(" ".join(args)) > GUEST_CMDLINE_MAX:
        raise UserError("the guest command line would be %d characters; the guest takes at most %d (use fewer, broader "
                        "globs)" % (len(" ".join(args)), GUEST_CMDLINE_MAX))
    return args


def image_status(arch):
    """(path, problem or None) for an architecture's guest image (the hosted runner for 'host')."""
    if arch == "host":
        img = paths.HOSTED_RUNNER
        if not os.path.isfile(img):
            return img, ("hosted model runner %s not built (scripts/viommu build)" % paths.rel(img))
        return img, None
    img = paths.image(arch)
    if not os.path.isfile(img):
        return img, "guest image %s not built" % paths.rel(img)
    return img, None
