"""Entry point of scripts/viommu: dispatches a command; turns every error into one line."""
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from viommu_lib import cli, paths  # noqa: E402
from viommu_lib.errors import UserError, error_line  # noqa: E402


def dispatch(args):
    if args.command == "run":
        from viommu_lib import cmd_run
        return cmd_run.main(args)
    if args.command == "boot":
        from viommu_lib import cmd_boot
        return cmd_boot.main(args)
    if args.command == "list":
        from viommu_lib import cmd_list
        return cmd_list.main(args)
    if args.command == "bench":
        from viommu_lib import cmd_bench
        return cmd_bench.main(args)
    if args.command == "test":
        from viommu_lib import cmd_test
        return cmd_test.main(args)
    from viommu_lib import build, prepare, qemu
    if args.command == "setup":
        qemu.implementations(None, args.qemu)  # validates --qemu
        prepare.prepare(None, qemu.root_names(None, args.qemu))
        return 0
    build.build()
    return 0


def _internal_error():
    text = "viommu internal error at %s\nargv: %r\n\n%s" % (time.strftime("%Y-%m-%d %H:%M:%S"), sys.argv,
                                                          traceback.format_exc())
    try:
        path = os.path.join(paths.logs_dir(), "internal-error.log")
        with open(path, "w") as f:
            f.write(text)
    except OSError:
        import tempfile
        fd, path = tempfile.mkstemp(prefix="viommu-internal-error-", suffix=".log")
        with os.fdopen(fd, "w") as f:
            f.write(text)
    exc = sys.exc_info()[1]
    print("viommu: internal error: %s: %s (details: %s)" % (type(exc).__name__, exc, path), file=sys.stderr)


def main(argv):
    try:
        return dispatch(cli.parse(argv))
    except UserError as e:
        sys.stdout.flush()
        if e.detail:
            sys.stderr.write(e.detail if e.detail.endswith("\n") else e.detail + "\n")
        print(error_line(str(e)), file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print("viommu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 141
    except SystemExit:
        raise
    except Exception:  # noqa: BLE001 - the one place that turns surprises into a single line
        _internal_error()
        return 70


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
