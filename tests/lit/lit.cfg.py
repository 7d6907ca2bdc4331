# lit configuration of viommu-conformance: the guest runs (one .test per configuration x group) and
# the harness's own tests. Run through `scripts/viommu test`, or directly:
#   python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv tests/lit [--param qemu-dir=DIR] [--param accel=kvm]
import os
import sys

import lit.formats

config.name = "viommu"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".test"]
config.excludes = ["harness_unit"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(config.test_source_root, "..", ".."))
config.test_exec_root = os.path.join(repo, "build", "lit")

sys.path.insert(0, os.path.join(repo, "scripts"))
from viommu_lib import configs, plan, qemu  # noqa: E402

config.environment["PATH"] = os.pathsep.join(["/usr/lib/llvm-19/bin", os.environ.get("PATH", "")])
for var in ("HOME", "TMPDIR", "VIOMMU_IMAGE_AARCH64", "VIOMMU_IMAGE_X86_64"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

viommu = os.path.join(repo, "scripts", "viommu")
qemu_dir = lit_config.params.get("qemu-dir")
accel = lit_config.params.get("accel", "tcg")
boot_opts = " --accel %s" % accel + (" --qemu-dir %s" % qemu_dir if qemu_dir else "")

config.substitutions.append(("%viommu", viommu))
config.substitutions.append(("%python", sys.executable))
q = qemu.Qemu(qemu_dir)
for c in configs.CONFIGS:
    config.substitutions.append(("%%boot-%s" % c.name, "%s boot --config %s%s --" % (viommu, c.name, boot_opts)))
    target = plan.Target(c, q)
    if target.version:
        config.available_features.add("qemu-%s" % target.version[1])
        config.available_features.add("qemu-%s-%s" % (c.arch, target.version[1]))
    if target.available:
        config.available_features.add("config-%s" % c.name)
    else:
        lit_config.note("configuration %s unavailable: %s" % (c.name, target.problem))
