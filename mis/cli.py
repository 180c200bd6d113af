"""The ``mis`` command line. User errors print one line and exit with status 2."""

import argparse
import sys
from pathlib import Path

from mis import __version__
from mis._errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump)."""

    def error(self, message):
        raise UserError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


def _cmd_theorems(args) -> int:
    import jax

    jax.config.update("jax_enable_x64", True)  # CLI boundary: tails need float64

    from mis._provenance import provenance
    from mis.theorems import TheoremsConfig, print_table, run_theorems, save_theorems

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {args.out!r} exists and is not a directory")
    config = TheoremsConfig.quick() if args.quick else TheoremsConfig()
    say = (lambda m: print(m, file=sys.stderr, flush=True))
    result = run_theorems(config, jax.random.key(args.seed), progress=say)
    print_table(result.claims)
    prov = provenance(config, args.seed, "mis theorems" + (" --quick" if args.quick else ""))
    names = save_theorems(result, out, prov)
    held = sum(c.holds for c in result.claims)
    print(f"\n{held} of {len(result.claims)} claims hold; wrote {', '.join(names)} to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public for tests and docs)."""
    parser = _Parser(prog="mis", description="Membership inference security of "
                     "(quantized) models: theory and experiment.")
    parser.add_argument("--version", action="version", version=f"mis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    th = sub.add_parser("theorems", help="reproduce every claim of THEORY.md numerically")
    th.add_argument("--out", default="results/theorems", help="output directory "
                    "(default: results/theorems)")
    th.add_argument("--quick", action="store_true", help="reduced run (under a minute)")
    th.add_argument("--seed", type=_positive_int, default=0, help="PRNG seed (default 0)")
    th.set_defaults(func=_cmd_theorems)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``mis`` console script."""
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


if __name__ == "__main__":
    sys.exit(main())
