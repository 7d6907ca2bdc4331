# lit configuration of viommu-conformance: the guest runs (one .test per configuration x group) and
# the harness's own tests. Run through `scripts/viommu test`, or directly:
#   python3 /usr/lib/llvm-19/build/utils/lit/lit.py -sv tests/lit [--param qemu=system|trixie|trixie-backports|sid|model]
#       [--param qemu-dir=DIR] [--param accel=kvm] [--param cpu=MODEL] [--num-shards N --run-shard I]
# Features: qemu-<major.minor> (e.g. qemu-7.2, qemu-10.0), qemu-<arch>-<major.minor>, config-<name> for
# each configuration available on this implementation, impl-<id> (impl-qemu-7.2, impl-model), chromium.
import os
import shutil
import sys

import lit.formats

config.name = "viommu"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".test"]
config.excludes = ["harness_unit"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(config.test_source_root, "..", ".."))

sys.path.insert(0, os.path.join(repo, "scripts"))
from viommu_lib import configs, plan, qemu, roots  # noqa: E402

config.environment["PATH"] = os.pathsep.join(["/usr/lib/llvm-19/bin", os.environ.get("PATH", "")])
for var in ("HOME", "TMPDIR", "VIOMMU_IMAGE_AARCH64", "VIOMMU_IMAGE_X86_64", "VIOMMU_HOSTED_RUNNER",
            "VIOMMU_TRIXIE_ROOT", "VIOMMU_ROOTS_DIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
for var in os.environ:
    if var.startswith("VIOMMU_ROOT_"):
        config.environment[var] = os.environ[var]

viommu = os.path.join(repo, "scripts", "viommu")
# One lit run per implementation: --param qemu=system (default, the host's QEMU), qemu=trixie (QEMU 10.0
# from the Debian trixie root), qemu=trixie-backports or sid (QEMU 11.1 from those roots), qemu-dir=DIR (a
# QEMU build), qemu=model (the hosted reference model).
impl = lit_config.params.get("qemu", "system")
qemu_dir = lit_config.params.get("qemu-dir")
accel = lit_config.params.get("accel", "tcg")
cpu = lit_config.params.get("cpu")
if impl not in ("system", "model") + tuple(roots.NAMES):
    lit_config.fatal("--param qemu=%s: want system, %s or model" % (impl, ", ".join(roots.NAMES)))
boot_opts = " --accel %s" % accel + (" --cpu %s" % cpu if cpu else "")
if qemu_dir:
    boot_opts += " --qemu-dir %s" % qemu_dir
elif impl in roots.NAMES:
    boot_opts += " --qemu %s" % impl

config.substitutions.append(("%viommu", viommu))
# The implementation's boot options, for a test that adds its own (e.g. --cpu) before the guest arguments.
config.substitutions.append(("%bootopts", boot_opts.strip()))
config.substitutions.append(("%python", sys.executable))
if qemu_dir:
    q = qemu.DirQemu(qemu_dir)
elif impl in roots.NAMES:
    q = qemu.root_qemu(impl)
elif impl == "system":
    q = qemu.SystemQemu()
else:
    q = plan.Model()
if q.problem:
    lit_config.warning("IMPLEMENTATION UNAVAILABLE: %s" % q.problem)
config.available_features.add("impl-%s" % q.ident)
# Each implementation's run gets its own temporaries (%t), so runs of several implementations never meet.
config.test_exec_root = os.path.join(repo, "build", "lit", q.name)
# Longest names first: %boot-amd-vi must not eat the start of %boot-amd-vi-xtsup.
for c in sorted(configs.CONFIGS, key=lambda c: -len(c.name)):
    config.substitutions.append(("%%boot-%s" % c.name, "%s boot --config %s%s --" % (viommu, c.name, boot_opts)))
for c in configs.CONFIGS:
    if c.is_model != (impl == "model"):
        continue
    target = plan.Target(c, q, accel, cpu)
    if target.version:
        config.available_features.add("qemu-%s" % target.version[1])
        config.available_features.add("qemu-%s-%s" % (c.arch, target.version[1]))
    if target.available:
        config.available_features.add("config-%s" % c.name)
    else:
        lit_config.note("configuration %s unavailable: %s" % (c.name, target.problem))
if shutil.which("chromium"):
    config.available_features.add("chromium")
