"""Shared bits of the harness unit tests: puts scripts/ on sys.path and holds canned guest output."""
import contextlib
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts")))

SAMPLE = """\
KTAP version 1
1..3
# viommu guest arch=aarch64 seed=1 filter=dma.* tags=
# start dma.edu.roundtrip_4k
# dma.edu.roundtrip_4k: expected dst[5]=0xa5 observed 0x00
not ok 1 dma.edu.roundtrip_4k # data mismatch at offset 5
# start dma.virtio-blk.roundtrip_page_cross
ok 2 dma.virtio-blk.roundtrip_page_cross
# start dma.virtio-rng.fill
ok 3 dma.virtio-rng.fill # SKIP no virtio-rng device
# 1 passed, 1 failed, 1 skipped
1 passed, 1 failed, 1 skipped
"""

CRASHED = """\
KTAP version 1
1..4
# start smmuv3.strtab.linear
ok 1 smmuv3.strtab.linear
# start smmuv3.strtab.two_level
# step 1
PANIC: unexpected exception
"""


def result_for(text, config="noiommu-aarch64", arch="aarch64", status=0, problem=None, timed_out=False):
    from viommu_lib import ktap
    from viommu_lib import results as R
    r = R.ConfigResult(config, arch)
    r.qemu_version, r.qemu_series, r.qemu_binary = "7.2.22", "7.2", "/usr/bin/qemu-system-" + arch
    r.console = text
    r.guest_status, r.problem, r.timed_out, r.timeout = status, problem, timed_out, 300.0
    r.reproduce = "qemu-system-%s -kernel x" % arch
    r.run = ktap.parse(text)
    R.complete(r)
    return r


@contextlib.contextmanager
def environ(**values):
    """Sets (value) or removes (None) environment variables for the duration of a with block."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
