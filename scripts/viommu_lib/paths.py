"""Where things are in the repository."""
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(REPO, "build")
LOGS = os.path.join(BUILD, "logs")
REPORT = os.path.join(REPO, "report")
EXPECTATIONS = os.path.join(REPO, "tests", "expectations")
LIT_DIR = os.path.join(REPO, "tests", "lit")
VIOMMU = os.path.join(REPO, "scripts", "viommu")
ARCHES = ("aarch64", "x86_64", "riscv64")
# The Debian roots holding newer QEMUs (roots.py): machine-wide, shared by every clone, as qemu-<name>
# (else in the build tree).
ROOTS_CACHE = "/var/cache/viommu-conformance"
# The hosted reference-model runner (hosted/: the runner and cases compiled for the host against the model);
# VIOMMU_HOSTED_RUNNER points the harness at another build of it.
HOSTED_DIR = os.path.join(REPO, "hosted")
HOSTED_RUNNER = os.path.abspath(os.environ.get("VIOMMU_HOSTED_RUNNER")
                                or os.path.join(BUILD, "hosted", "viommu-hosted"))


def image(arch):
    """The guest image for an architecture (VIOMMU_IMAGE_AARCH64 / _X86_64 / _RISCV64 override it)."""
    override = os.environ.get("VIOMMU_IMAGE_" + arch.upper())
    if override:
        return os.path.abspath(override)
    return os.path.join(BUILD, arch, "viommu-%s.elf" % arch)


def logs_dir():
    os.makedirs(LOGS, exist_ok=True)
    return LOGS


def rel(path):
    """A path shown to the user: relative to the repository when inside it."""
    try:
        r = os.path.relpath(path, REPO)
    except ValueError:
        return path
    return path if r.startswith("..") else r
