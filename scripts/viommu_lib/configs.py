"""The configurations (names used everywhere) and the QEMU command line of each."""
import os
import shlex

from . import paths
from .errors import UserError

# Every run gets these; -serial stdio carries the guest console (KTAP) on QEMU's stdout.
COMMON_ARGS = ["-nodefaults", "-nographic", "-monitor", "none", "-serial", "stdio", "-no-reboot", "-m", "512M"]

SYSTEM_QBOOT = "/usr/share/qemu/qboot.rom"


class Config:
    """One configuration: an architecture, its machine, and the IOMMU devices it adds."""

    def __init__(self, name, arch, machine, iommu_devices=(), description="", peers=None, cases=None):
        self.name = name
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

    @property
    def is_model(self):
        return self.arch == "host"


BASELINE = "dma.*,selftest.*"

CONFIGS = [
    Config("noiommu-aarch64", "aarch64", "virt", description="no IOMMU", cases=BASELINE),
    Config("noiommu-x86_64", "x86_64", "q35", description="no IOMMU", cases=BASELINE),
    Config("smmuv3", "aarch64", "virt,iommu=smmuv3", description="SMMUv3", cases=BASELINE + ",smmuv3.*"),
    Config("virtio-iommu-aarch64", "aarch64", "virt", ["-device", "virtio-iommu-pci"], "virtio-iommu",
           cases=BASELINE + ",virtio-iommu.*"),
    Config("virtio-iommu-x86_64", "x86_64", "q35", ["-device", "virtio-iommu-pci"], "virtio-iommu",
           cases=BASELINE + ",virtio-iommu.*"),
    Config("amd-vi", "x86_64", "q35", ["-device", "amd-iommu,intremap=on",
                                        "-device", "pcie-root-port,id=amdvi_rp1,chassis=1,addr=0x1c",
                                        "-drive", "if=none,id=amdvi_null,driver=null-co,read-zeroes=on",
                                        "-device", "virtio-blk-pci,bus=amdvi_rp1,drive=amdvi_null,"
                                                   "disable-legacy=on,iommu_platform=on"],
           "AMD-Vi", cases=BASELINE + ",amd-vi.*"),
    # The reference model, hosted: the same cases compiled for the host, MMIO and DMA routed into the model.
    Config("model-smmuv3", "host", "hosted", description="SMMUv3 reference model", peers=["smmuv3"]),
    Config("model-virtio-iommu", "host", "hosted", description="virtio-iommu reference model",
           peers=["virtio-iommu-aarch64", "virtio-iommu-x86_64"]),
    Config("model-amd-vi", "host", "hosted", description="AMD-Vi reference model", peers=["amd-vi"]),
]
BY_NAME = {c.name: c for c in CONFIGS}
NAMES = [c.name for c in CONFIGS]


def get(name):
    try:
        return BY_NAME[name]
    except KeyError:
        raise UserError("unknown configuration '%s' (known: %s)" % (name, ", ".join(NAMES))) from None


def select(spec):
    """--config value ('a,b' or 'all' or None) -> (configs, explicit)."""
    if spec is None or spec.strip() == "all":
        return list(CONFIGS), False
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise UserError("--config needs a configuration name (known: %s)" % ", ".join(NAMES))
    out = []
    for n in names:
        c = get(n)
        if c not in out:
            out.append(c)
    return out, True


def endpoint_args(blk_image):
    """The DMA endpoints every configuration gets (one place; later work adds more)."""
    return [
        "-device", "edu,dma_mask=0xffffffffffffffff",
        "-device", "virtio-rng-pci,disable-legacy=on,iommu_platform=on",
        "-device", "virtio-blk-pci,drive=blk0,disable-legacy=on,iommu_platform=on",
        "-drive", "if=none,id=blk0,format=raw,file=%s,cache=unsafe" % blk_image,
    ]


def default_cpu(accel):
    """TCG: '-cpu max' (every feature QEMU models). KVM: '-cpu host', right on real KVM hosts; a host whose
    KVM rejects it (this project's PVM machines abort on MSR 0x10a) needs '--cpu qemu64'."""
    return "host" if accel == "kvm" else "max"


def arch_args(config, qboot, cpu="max"):
    if config.arch == "aarch64":
        return ["-machine", config.machine, "-cpu", cpu, "-semihosting-config", "enable=on,target=native"]
    return ["-machine", config.machine, "-cpu", cpu, "-bios", qboot,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def command_line(config, qemu_binary, qboot, image, accel, blk_image, guest_args, cpu=None):
    """The full QEMU argv for one run of a configuration. qemu_binary: a path, or the list of words
    that start QEMU (a loader prefix for a trixie root)."""
    start = [qemu_binary] if isinstance(qemu_binary, str) else list(qemu_binary)
    return (start + COMMON_ARGS + ["-accel", accel] + arch_args(config, qboot, cpu or default_cpu(accel))
            + config.iommu_devices + endpoint_args(blk_image)
            + ["-kernel", image, "-append", " ".join(guest_args)])


def shell_line(argv):
    return " ".join(shlex.quote(a) for a in argv)


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
