"""`viommu boot --config C [-- guest args]`: one QEMU run, console streamed to stdout unchanged,
exit status = the guest's (124: host-side timeout, 125: QEMU crashed or gave no valid guest status)."""
import sys

from . import configs, plan, qemu
from .errors import UserError


def main(args):
    config = configs.get(args.config)
    qemu.check_accel(args.accel)
    target = plan.Target(config, _one_qemu(args), args.accel, args.cpu)
    if not target.available:
        raise UserError("configuration '%s' is unavailable: %s" % (config.name, target.problem))
    words = configs.guest_args(extra=args.guest_args)
    with plan.scratch() as blk:
        argv = target.argv(args.accel, blk, words)
        out = qemu.launch(argv, args.timeout, stream=sys.stdout.buffer, env=target.env)
        cmdline = plan.reproduce_line(argv, blk, target.env)
    sys.stdout.flush()
    if out.timed_out:
        print("viommu: QEMU timed out after %g s" % args.timeout, file=sys.stderr)
        print("viommu: command: %s" % cmdline, file=sys.stderr)
        return 124
    status, problem = qemu.guest_status(config.arch, out)
    err = out.stderr.decode("utf-8", errors="replace")
    if problem:
        print("viommu: %s" % problem, file=sys.stderr)
        if err.strip():
            sys.stderr.write("viommu: QEMU stderr:\n" + err + ("" if err.endswith("\n") else "\n"))
        print("viommu: command: %s" % cmdline, file=sys.stderr)
        return 125
    if err.strip():
        sys.stderr.write(err if err.endswith("\n") else err + "\n")
    return status


def _one_qemu(args):
    """boot runs one QEMU: --qemu-dir, else --qemu NAME (a Debian root), else the host's."""
    from . import roots
    if args.qemu_dir:
        return qemu.DirQemu(args.qemu_dir)
    if args.qemu in (None, "system", "all"):
        return qemu.SystemQemu()
    if args.qemu in roots.NAMES:
        return qemu.root_qemu(args.qemu)
    raise UserError("boot: --qemu takes one of system, %s (got '%s')" % (", ".join(roots.NAMES), args.qemu))
