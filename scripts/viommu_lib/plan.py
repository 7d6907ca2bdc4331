"""Resolving a configuration on this machine: its QEMU binary, firmware, guest image, availability;
and the per-run scratch files (the virtio-blk backing file)."""
import contextlib
import os
import platform
import shutil
import tempfile

from . import configs, qemu


class Target:
    def __init__(self, config, q, accel="tcg"):
        self.config = config
        self.qemu = q
        self.binary = q.binary(config.arch)
        self.image, image_problem = configs.image_status(config.arch)
        self.qboot = q.qboot()
        self.problem = None
        if not self.binary:
            self.problem = "%s not found" % q.expected_binary(config.arch)
        elif image_problem:
            self.problem = image_problem
        elif accel == "kvm" and config.arch != host_arch():
            self.problem = "--accel kvm runs only %s guests on this %s host" % (host_arch(), host_arch())
        elif config.arch == "x86_64" and not os.path.isfile(self.qboot):
            self.problem = "x86 firmware %s not found" % self.qboot
        self.version = qemu.binary_version(self.binary) if self.binary else None

    @property
    def available(self):
        return self.problem is None

    def argv(self, accel, blk_image, guest_args):
        return configs.command_line(self.config, self.binary, self.qboot, self.image, accel, blk_image, guest_args)


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


def reproduce_line(argv, blk_image):
    """A shell line that reproduces a run exactly, including its scratch disk."""
    return "truncate -s 1M %s && %s" % (blk_image, configs.shell_line(argv))
