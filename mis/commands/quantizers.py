"""``mis quantizers``: the quantizer zoo on a sample tensor."""

from __future__ import annotations

import argparse

from mis.commands._common import Subparsers, positive_int


def register(sub: Subparsers) -> None:
    qz = sub.add_parser("quantizers", help="list the quantizer zoo with bits per weight, "
                        "sparsity and error on a sample tensor")
    qz.add_argument("--list", action="store_true", help="also print the accepted spec forms")
    qz.add_argument("--spec", action="append", help="a quantizer spec (repeatable; default: "
                    "the whole zoo)")
    qz.add_argument("--seed", type=positive_int, default=0, help="PRNG seed (default 0)")
    qz.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import jax
    import jax.numpy as jnp

    from mis.quantizers import VALID_FORMS, ZOO, parse, summarize

    specs = args.spec or list(ZOO)
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
