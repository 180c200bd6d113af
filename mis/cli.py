"""The ``mis`` command line: the parser assembled from :mod:`mis.commands` (one module per
command). User errors print one line and exit with status 2."""

import argparse
import sys

from mis import __version__
from mis.errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump)."""

    def error(self, message):
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public for tests and docs)."""
    from mis.commands import COMMANDS

    parser = _Parser(prog="mis", description="Membership inference security of "
                     "(quantized) models: theory and experiment.")
    parser.add_argument("--version", action="version", version=f"mis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``mis`` console script."""
    import matplotlib

    matplotlib.use("Agg")  # figures are rendered to files, never shown (CLI boundary)
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 0
        return args.func(args)
    except UserError as err:
        print(f"mis: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mis: interrupted; no output was written for the step in progress",
              file=sys.stderr)
        return 130
    finally:
        from mis.io import release_out_dirs

        release_out_dirs()


if __name__ == "__main__":
    sys.exit(main())
