"""`viommu list`: the configurations (available or not) and the guest's test cases per architecture,
obtained by booting the guest with the argument 'list' (it prints '# case <name> tags=<tags>')."""
from . import configs, ktap, plan, qemu
from .errors import UserError

LIST_TIMEOUT = 60.0


def main(args):
    # Every configuration, those that run only by name included.
    chosen = configs.select(args.config)[0] if args.config else list(configs.CONFIGS)
    targets = plan.targets(chosen, qemu.implementations(args.qemu_dir, args.qemu))
    rows = [("configuration", "machine", "implementation", "status")]
    for t in targets:
        if t.config.is_model:
            qtext = "model: " + (t.binary or "")
        else:
            qtext = "%s: %s" % (t.qemu.label, t.binary or t.qemu.expected_binary(t.config.arch))
            if t.version:
                qtext += " (%s)" % t.version[0]
        # The machine and the IOMMU device as this QEMU gets them (the first -device; the rest is plumbing).
        words = configs.with_properties(t.config.iommu_devices, list(t.settings) + list(t.uses))
        machine = t.config.machine + (" " + words[1] if len(words) > 1 and words[0] == "-device" else "")
        rows.append((t.config.name, machine, qtext, "available" if t.available else "unavailable: " + t.problem))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    status = 0
    for arch in configs_arches(chosen):
        # The cases do not depend on the configuration: list them once per architecture.
        t = next((t for t in targets if t.config.arch == arch and t.available), None)
        if t is None:
            print("\ncases (%s): unknown, no available configuration for this architecture" % arch)
            continue
        with plan.scratch() as blk:
            out = qemu.launch(t.argv("tcg", blk, ["list"]), LIST_TIMEOUT, env=t.env)
        guest, problem = qemu.guest_status(arch, out)
        cases = ktap.parse(out.stdout).listed
        if out.timed_out or problem or guest != 0:
            why = "timed out" if out.timed_out else problem or "guest exited with status %d" % guest
            raise UserError("listing the %s cases failed: %s" % (arch, why), status=1)
        print("\ncases (%s, %d):" % (arch, len(cases)))
        width = max([len(n) for n, _ in cases] + [0])
        for name, tags in cases:
            print("  %s  %s" % (name.ljust(width), ("tags=" + tags) if tags else ""))
    return status


def configs_arches(chosen):
    out = []
    for c in chosen:
        if c.arch not in out:
            out.append(c.arch)
    return out
