"""``mis theorems``: reproduce every claim of the theory numerically."""

from __future__ import annotations

import argparse

from mis.commands._common import Subparsers, positive_int


def register(sub: Subparsers) -> None:
    th = sub.add_parser("theorems", help="reproduce every claim of the theory "
                        "(docs/theory.md) numerically")
    th.add_argument("--out", default="results/theorems", help="output directory "
                    "(default: results/theorems)")
    th.add_argument("--quick", action="store_true", help="reduced run (under a minute)")
    th.add_argument("--seed", type=positive_int, default=0, help="PRNG seed (default 0)")
    th.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import jax

    jax.config.update("jax_enable_x64", True)  # CLI boundary: tails need float64

    from mis.io import check_out_dir, write_files
    from mis.progress import ProgressBars
    from mis.provenance import provenance
    from mis.theorems import TheoremsConfig, print_table, run_theorems, theorems_outputs

    out = check_out_dir(args.out, "theorems")
    config = TheoremsConfig.quick() if args.quick else TheoremsConfig()
    with ProgressBars() as bars:
        result = run_theorems(config, jax.random.key(args.seed), progress=bars)
    print_table(result.claims)
    prov = provenance(config, args.seed, "mis theorems" + (" --quick" if args.quick else ""))
    files = theorems_outputs(result, prov)
    write_files(out, files, command="theorems")
    held = sum(c.holds for c in result.claims)
    print(f"\n{held} of {len(result.claims)} claims hold; wrote {', '.join(sorted(files))} "
          f"to {out}")
    return 0
