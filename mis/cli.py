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


DEFAULT_ZOO = ("none", "sign", "sign:channel", "bitnet", "ternary:0.33", "ternary:0.9",
               "uniform:8", "uniform:4", "uniform:4:asym:channel", "uniform:2", "stochastic:4",
               "log2:4", "fp8_e4m3", "fp8_e5m2", "fp4_e2m1", "kmeans:16", "kmeans:4",
               "prune:0.5", "prune:0.5+uniform:4", "gptq:4", "gptq:2")


def _cmd_quantizers(args) -> int:
    import jax
    import jax.numpy as jnp

    from mis.quantizers import VALID_FORMS, parse, summarize

    specs = args.spec or list(DEFAULT_ZOO)
    zoo = [parse(s) for s in specs]  # every spec is checked before any work
    if args.list:
        print("spec forms: " + ", ".join(VALID_FORMS))
    w_key, x_key, q_key = jax.random.split(jax.random.key(args.seed), 3)
    d_in, d_out = 256, 128
    w = jax.random.normal(w_key, (d_in, d_out)) / d_in**0.5  # a He/LeCun-scaled dense kernel
    mix = jax.random.normal(x_key, (d_in, d_in)) / d_in**0.5
    x = jax.random.normal(jax.random.fold_in(x_key, 1), (1024, d_in)) @ (mix + jnp.eye(d_in))
    print(f"sample tensor: Gaussian kernel [{d_in}, {d_out}], std 1/sqrt({d_in}); "
          f"GPTQ calibrated on 1024 correlated inputs; seed {args.seed}")
    header = f"{'spec':<24}{'bits/weight':>12}{'sparsity':>10}{'levels':>8}{'rel. error':>12}"
    print(header + f"{'median dist.':>14}")
    for q in zoo:
        row = summarize(q, w, key=q_key if q.needs_key else None,
                        inputs=x if q.needs_calibration else None)
        print(f"{row.spec:<24}{row.bits_per_weight:>12.3f}{row.sparsity:>10.3f}"
              f"{row.num_levels:>8d}{row.relative_error:>12.4f}{row.median_distance:>14.3g}")
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
    qz = sub.add_parser("quantizers", help="list the quantizer zoo with bits per weight, "
                        "sparsity and error on a sample tensor")
    qz.add_argument("--list", action="store_true", help="also print the accepted spec forms")
    qz.add_argument("--spec", action="append", help="a quantizer spec (repeatable; default: "
                    "the whole zoo)")
    qz.add_argument("--seed", type=_positive_int, default=0, help="PRNG seed (default 0)")
    qz.set_defaults(func=_cmd_quantizers)
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
