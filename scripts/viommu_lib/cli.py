"""Command line: `viommu <command> [options]`. Every bad input is one line and exit status 2."""
import argparse

from . import configs
from .errors import UserError

USAGE = """scripts/viommu <command> [options]

commands:
  run     install, build and create what is missing, then run the suite; verdicts and matrix on the
          terminal, report/ written
  boot    boot one configuration, guest console on stdout, exit with the guest's status
  list    configurations and test cases
  test    the project's own tests (ctest + lit)
  bench   the vIOMMU overhead tables: DMA cost per vIOMMU and mapping policy as a share of no IOMMU
  setup   what run does first: missing Debian packages, Debian roots (QEMU 10.0, 11.1), build
  build   configure and build host tests and guest images

'scripts/viommu <command> --help' shows a command's options."""


QEMU_METAVAR = "all|system|trixie|trixie-backports|sid"


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UserError(_where(self.prog) + message + " (see 'scripts/%s --help')" % self.prog)


def _where(prog):
    words = prog.split()
    return (words[-1] + ": ") if len(words) > 1 else ""


def _positive_int(text):
    try:
        v = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text) from None
    if v < 1:
        raise argparse.ArgumentTypeError("'%s' must be at least 1" % text)
    return v


def _seed(text):
    try:
        v = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number" % text) from None
    if v < 0 or v >= 1 << 64:
        raise argparse.ArgumentTypeError("'%s' must be between 0 and 2^64-1" % text)
    return v


def _seconds(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("'%s' is not a number of seconds" % text) from None
    if not v > 0:
        raise argparse.ArgumentTypeError("'%s' must be more than 0" % text)
    return v


def _common_qemu(p, many=True, timeout=300.0):
    p.add_argument("--qemu", metavar=QEMU_METAVAR + ("[,..]" if many else ""),
                   help=("QEMUs to run: system = the host's (PATH), trixie = QEMU 10.0 and trixie-backports = "
                         "QEMU 11.1 from Debian roots, sid = QEMU 11.1 from a sid root (only by name); "
                         "all (default) = system, trixie, trixie-backports" if many else
                         "the QEMU to boot: system (default), trixie, trixie-backports or sid"))
    p.add_argument("--qemu-dir", metavar="DIR", help="a QEMU build: qemu-system-* from DIR (narrows to it "
                   "unless --qemu names others too)")
    p.add_argument("--accel", choices=("tcg", "kvm"), default="tcg", help="QEMU accelerator (default tcg)")
    p.add_argument("--cpu", metavar="MODEL", help="QEMU -cpu (default: max under tcg, host under kvm; "
                   "a host whose KVM rejects -cpu host needs e.g. --cpu qemu64)")
    p.add_argument("--timeout", type=_seconds, default=timeout, metavar="SECONDS",
                   help="host-side limit per QEMU run (default %g)" % timeout)


def parser():
    top = Parser(prog="viommu", usage=USAGE, add_help=True, allow_abbrev=False)
    sub = top.add_subparsers(dest="command", metavar="command", parser_class=Parser)

    run = sub.add_parser("run", prog="viommu run", help="run the conformance suite", allow_abbrev=False)
    run.add_argument("--config", metavar="A,B|all", help="configurations (default: all available; known: %s)"
                     % ", ".join(configs.NAMES))
    run.add_argument("--filter", metavar="GLOB[,GLOB]", help="case names to run (guest filter=)")
    _common_qemu(run)
    run.add_argument("--jobs", type=_positive_int, default=2, metavar="N", help="parallel QEMU runs (default 2)")
    run.add_argument("--report", metavar="DIR", help="report directory (default report/)")
    run.add_argument("--seed", type=_seed, default=1, metavar="N", help="guest random seed (default 1)")
    run.add_argument("--no-build", action="store_true", help="skip the install check and incremental build")

    boot = sub.add_parser("boot", prog="viommu boot", help="boot one configuration", allow_abbrev=False,
                          usage="viommu boot --config C [--qemu-dir DIR] [--accel A] [--timeout S] [-- guest args...]")
    boot.add_argument("--config", required=True, metavar="C")
    _common_qemu(boot, many=False)

    lst = sub.add_parser("list", prog="viommu list", help="configurations and test cases", allow_abbrev=False)
    lst.add_argument("--config", metavar="C", help="only this configuration")
    lst.add_argument("--qemu", metavar=QEMU_METAVAR + "[,..]")
    lst.add_argument("--qemu-dir", metavar="DIR")

    bench = sub.add_parser("bench", prog="viommu bench", help="vIOMMU overhead per mapping policy",
                           allow_abbrev=False)
    bench.add_argument("--config", metavar="A,B|all", help="benchmark configurations (default all: noiommu-aarch64, "
                       "smmuv3, virtio-iommu-aarch64, noiommu-x86_64, amd-vi, virtio-iommu-x86_64; the noiommu "
                       "baseline of each architecture is added)")
    bench.add_argument("--quick", action="store_true", help="short measuring windows (CI: the table's shape)")
    _common_qemu(bench, timeout=180.0)
    bench.add_argument("--report", metavar="DIR", help="report directory (default report/)")
    bench.add_argument("--no-build", action="store_true", help="skip the install check and incremental build")

    test = sub.add_parser("test", prog="viommu test", help="the project's own tests", allow_abbrev=False)
    test.add_argument("--num-shards", type=_positive_int, metavar="N", help="split ctest and lit into N shards")
    test.add_argument("--run-shard", type=_positive_int, metavar="I", help="run shard I (1..N)")
    test.add_argument("--qemu", metavar=QEMU_METAVAR + "[,..]", help="lit runs for these QEMUs (default: all; "
                      "missing Debian roots are created first)")
    setup = sub.add_parser("setup", prog="viommu setup", help="install missing packages, create missing Debian roots, build",
                           allow_abbrev=False)
    setup.add_argument("--qemu", metavar=QEMU_METAVAR + "[,..]", help="the Debian roots to create when missing "
                       "(default: all = trixie, trixie-backports; sid only by name)")
    sub.add_parser("build", prog="viommu build", help="configure and build", allow_abbrev=False)
    return top


def parse(argv):
    guest = []
    if argv and argv[0] == "boot" and "--" in argv:
        i = argv.index("--")
        argv, guest = argv[:i], argv[i + 1:]
    args, extra = parser().parse_known_args(argv)
    if extra:
        where = "%s: " % args.command if args.command else ""
        raise UserError("%sunrecognized %s '%s' (see 'scripts/viommu %s--help')"
                        % (where, "option" if extra[0].startswith("-") else "argument", extra[0],
                           args.command + " " if args.command else ""))
    if not args.command:
        raise UserError("no command given (commands: run, boot, list, test, bench, setup, build; see 'viommu --help')")
    args.guest_args = guest
    if args.command == "test" and (args.num_shards is None) != (args.run_shard is None):
        raise UserError("test: --num-shards and --run-shard go together")
    if args.command == "test" and args.num_shards and args.run_shard > args.num_shards:
        raise UserError("test: --run-shard %d is more than --num-shards %d" % (args.run_shard, args.num_shards))
    return args
