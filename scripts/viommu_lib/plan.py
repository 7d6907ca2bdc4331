"""Resolving a configuration on this machine: its QEMU binary, firmware, guest image, availability;
and the per-run scratch files (the virtio-blk backing file)."""
import contextlib
import os
import platform
import shutil
import tempfile

from . import configs, qemu


class Model:
    """The reference model as an implementation: the hosted runner executes the conformance cases on the
    host with the drivers' MMIO and the endpoints' DMA routed into the model. No expectations apply."""
    name = "model"
    ident = "model"
    label = "model"
    source = "hosted runner"
    problem = None

    def series(self):
        return None

    def env(self):
        return {}


class Target:
    """One column of the matrix: a configuration on one implementation (a QEMU or the model)."""
    unsupported = False
    uses = ()
    settings = ()

    def __init__(self, config, q, accel="tcg", cpu=None):
        self.config = config
        self.qemu = q
        self.accel = accel
        self.cpu = cpu
        self.image, image_problem = configs.image_status(config.arch)
        self.problem = None
        self.version = None
        if config.is_model:
            self.binary = self.image
            self.qboot = None
            self.problem = image_problem
            return
        self.binary = q.binary(config.arch)
        self.qboot = q.qboot()
        if q.problem:
            self.problem = q.problem
        elif not self.binary:
            self.problem = "%s not found" % q.expected_binary(config.arch)
        elif image_problem:
            self.problem = image_problem
        elif accel == "kvm" and config.arch != host_arch():
            self.problem = "--accel kvm runs only %s guests on this %s host" % (host_arch(), host_arch())
        elif config.arch == "x86_64" and not os.path.isfile(self.qboot):
            self.problem = "x86 firmware %s not found" % self.qboot
        elif config.arch == "riscv64" and not os.path.isfile(os.path.join(os.path.dirname(self.qboot), configs.OPENSBI)):
            self.problem = "riscv64 firmware %s not found" % os.path.join(os.path.dirname(self.qboot), configs.OPENSBI)
        self.version = q.version(config.arch) if self.binary else None
        # What this QEMU has of the options the configuration needs or uses (asked from the binary).
        self.uses, self.settings, self.unsupported = [], [], False
        if self.problem is None:
            for need in config.needs:
                why = need.missing(q, config.arch)
                if why:
                    self.problem = "skipped (not a failure): %s" % why
                    self.unsupported = True
                    break
            # A need that is a setting: under the property name this QEMU has.
            if self.problem is None:
                named = [(n.device, n.resolve(q, config.arch), n.value) for n in config.needs if n.value is not None]
                self.settings = [s for s in named if s[1]]
            for dev, prop, value in config.uses:
                opts = q.device_options(config.arch, dev)
                if opts is not None and prop in opts["options"]:
                    self.uses.append((dev, prop, value))

    @property
    def available(self):
        return self.problem is None

    @property
    def env(self):
        return self.qemu.env()

    def argv(self, accel, blk_image, guest_args):
        if self.config.is_model:
            # model=NAME picks the hosted machine (hosted/machine.h): the configuration without "model-".
            return [self.binary, "model=" + self.config.name[len("model-"):]] + list(guest_args)
        return configs.command_line(self.config, self.qemu.argv0(self.config.arch), self.qboot, self.image,
                                    accel, blk_image, guest_args, self.cpu, self.settings + self.uses)


def targets(chosen, impls, accel="tcg", cpu=None):
    """Every (configuration, implementation) pair to run: QEMU configurations on every QEMU, model
    configurations on the model."""
    out = []
    for c in chosen:
        if c.is_model:
            out.append(Target(c, Model(), accel, cpu))
        else:
            out += [Target(c, q, accel, cpu) for q in impls]
    return out


def host_arch():
    m = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)


@contextlib.contextmanager
def scratch():
    """A per-run temporary directory holding a fresh 1 MiB zero-filled disk image; yields its path."""
    d = tempfile.mkdtemp(prefix="viommu-")
    try:
        blk = os.path.join(d, "blk0.img")
        with open(blk, "wb") as f:
            f.write(bytes(1 << 20))
        yield blk
    finally:
        shutil.rmtree(d, ignore_errors=True)


def reproduce_line(argv, blk_image, env=None):
    """A shell line that reproduces a run exactly, including its scratch disk and environment."""
    prefix = "".join("%s=%s " % (k, configs.shell_line([v])) for k, v in sorted((env or {}).items()))
    return "truncate -s 1M %s && %s%s" % (blk_image, prefix, configs.shell_line(argv))
