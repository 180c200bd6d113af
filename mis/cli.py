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


def _csv_of(kind):
    def parse_list(text: str):
        try:
            return tuple(kind(v) for v in text.split(",") if v.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of "
                                             f"{kind.__name__}") from None
    return parse_list


def _add_config_options(parser, cls) -> None:
    """One flag per field of the config dataclass ``cls``, plus ``--config``, ``--smoke``,
    ``--seed``."""
    import dataclasses
    import typing

    from mis.rank import TASKS

    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        hint = hints[f.name]
        if f.name == "task":
            parser.add_argument(flag, choices=TASKS, default=None,
                                help=f"task (default {f.default})")
        elif f.name == "quantizers" and not f.default:
            parser.add_argument(flag, type=_csv_of(str), default=None,
                                help="comma-separated quantizer specs (default: the task's zoo)")
        elif typing.get_origin(hint) is tuple:
            parser.add_argument(flag, type=_csv_of(typing.get_args(hint)[0]), default=None,
                                help=f"comma-separated (default {','.join(map(str, f.default))})")
        else:
            parser.add_argument(flag, type=hint, default=None,
                                help=f"default {f.default!r}" if f.default != "" else None)
    parser.add_argument("--config", help="TOML file holding any of these options "
                        "(flags override it)")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI (under a minute)")
    parser.add_argument("--seed", type=_positive_int, default=None, help="PRNG seed (default 0)")


def _config_values(args, section: str, cls, extras: tuple[str, ...] = ()) -> tuple:
    """Config values from ``--config`` (its ``[section]`` table, and the tables named in
    ``extras``) and the flags; returns ((file fields, flag fields), seed, the first extra
    table)."""
    import dataclasses

    from mis.rank._config import check_keys, load_toml

    fields = {f.name for f in dataclasses.fields(cls)}
    values, extra = {}, {}
    seed = 0
    if args.config:
        data = load_toml(args.config)
        check_keys(data, {section, *extras, "seed", "smoke"}, f"--config {args.config!r}")
        seed = data.get("seed", 0)
        values = dict(data.get(section, {}))
        extra = dict(data.get(extras[0], {})) if extras else {}
        if data.get("smoke"):
            args.smoke = True
    if not isinstance(seed, int) or seed < 0:
        raise UserError(f"seed={seed!r} must be an integer >= 0")
    flags = {name: getattr(args, name) for name in fields if getattr(args, name, None)
             is not None}
    if args.seed is not None:
        seed = args.seed
    return (values, flags), seed, extra


def _out_dir(text: str) -> Path:
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {text!r} exists and is not a directory")
    return out


def _cmd_rank(args) -> int:
    import jax

    from mis._provenance import provenance, write_outputs
    from mis.rank import RankConfig, make_config, run_rank
    from mis.rank._pipeline import print_progress
    from mis.rank._report import console_table, rank_outputs, table_rows

    (values, flags), seed, _ = _config_values(args, "rank", RankConfig, ("sweep",))
    config = make_config(values, flags=flags, smoke=args.smoke)
    out = _out_dir(args.out)
    if config.task == "gaussian-mean":
        jax.config.update("jax_enable_x64", True)  # exact Δ tails (CLI boundary)
    command = "mis " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["rank"] else "mis rank"
    print(f"mis rank: task {config.task}, {len(config.zoo)} quantizers, "
          f"{config.num_models} shadow models, seed {seed}", file=sys.stderr, flush=True)
    result = run_rank(config, jax.random.key(seed), progress=print_progress)
    prov = provenance(config, seed, command)
    files = rank_outputs(result, prov, command)
    write_outputs(out, files)
    print(console_table(table_rows(result)))
    for name, est in result.kendall.items():
        print(f"Kendall τ {name}: {float(est.value):.3f} "
              f"[{float(est.lower):.3f}, {float(est.upper):.3f}]")
    print(f"Pareto front (accuracy vs LiRA AUC): {', '.join(result.pareto)}")
    total = sum(result.seconds.values())
    print(f"wrote {', '.join(files)} to {out} ({total:.0f} s)")
    return 0


def _cmd_sweep(args) -> int:
    from mis._provenance import provenance, to_json, write_outputs
    from mis.rank import RankConfig, make_config
    from mis.rank._config import check_keys
    from mis.rank._pipeline import print_progress
    from mis.rank._sweep import run_sweep, sweep_outputs

    (values, flags), seed, extra = _config_values(args, "rank", RankConfig, ("sweep",))
    check_keys(extra, {"families", "bits", "sparsity", "pool_sizes"}, "the [sweep] table")
    for name in ("families", "bits", "sparsity", "pool_sizes"):
        if getattr(args, name) is not None:
            extra[name] = getattr(args, name)
    config = make_config(values, flags=flags, smoke=args.smoke)
    families = tuple(extra.get("families", ("uniform", "kmeans", "sign", "ternary", "prune")))
    bits = tuple(extra.get("bits", range(1, 9)))
    sparsities = tuple(extra.get("sparsity", (0.33, 0.5, 0.9)))
    pool_sizes = tuple(extra.get("pool_sizes", (config.pool_size,)))
    for p in sparsities:
        if not (isinstance(p, int | float) and 0 <= p < 1):
            raise UserError(f"sparsity {p!r} is not allowed; use numbers in [0, 1)")
    for b in bits:
        if not (isinstance(b, int) and 1 <= b <= 8):
            raise UserError(f"bits {b!r} is not allowed; use integers in 1..8")
    for n in pool_sizes:
        if not (isinstance(n, int) and n >= 8):
            raise UserError(f"pool size {n!r} is not allowed; use integers >= 8")
    out = _out_dir(args.out)
    sweep = {"families": families, "bits": bits, "sparsity": sparsities,
             "pool_sizes": pool_sizes}
    cells = run_sweep(config, seed, out, families=families, bits=bits, sparsities=sparsities,
                      pool_sizes=pool_sizes, progress=print_progress)
    prov = provenance({"rank": config.__dict__, "sweep": sweep}, seed, "mis sweep")
    write_outputs(out, {**sweep_outputs(cells), "summary.json": to_json(
        {"provenance": prov, "cells": cells})})
    print(f"{len(cells)} cells in {out}/cells; wrote sweep.csv, leakage_vs_bits.png, "
          "summary.json")
    return 0


def _cmd_molecular(args) -> int:
    import jax

    from mis._provenance import provenance, write_outputs
    from mis.molecules import MolecularConfig, dataset_names, molecular_outputs, run_molecular
    from mis.rank._config import make_config
    from mis.rank._pipeline import print_progress

    if args.list:
        print("datasets: " + ", ".join(dataset_names()))
        return 0
    (values, flags), seed, _ = _config_values(args, "molecular", MolecularConfig)
    config = make_config(values, flags=flags, smoke=args.smoke, cls=MolecularConfig,
                         name="molecular")
    out = _out_dir(args.out)
    command = ("mis " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["molecular"]
               else "mis molecular")
    print(f"mis molecular: {len(config.datasets)} datasets x {len(config.embedders)} embedders "
          f"x {len(config.quantizers)} quantizers, {config.num_models} shadow heads each, "
          f"seed {seed}", file=sys.stderr, flush=True)
    result = run_molecular(config, jax.random.key(seed), progress=print_progress)
    files = molecular_outputs(result, provenance(config, seed, command), command)
    write_outputs(out, files)
    print(files["report.md"].decode().split("## Performance")[0].rstrip())
    total = sum(sum(p.seconds.values()) for p in result.pairs)
    print(f"\nwrote {', '.join(files)} to {out} ({total:.0f} s)")
    return 0


def _cmd_audit(args) -> int:
    from mis._provenance import provenance, write_outputs
    from mis.attacks import check_signal_attacks, signal_attacks
    from mis.audit import audit_outputs, load_audit_input

    check_signal_attacks(args.attacks)  # before any work or progress line
    for f in args.fprs:
        if not 0 < f < 1:
            raise UserError(f"--fprs value {f!r} is not allowed; use numbers in (0, 1)")
    out = _out_dir(args.out)
    arrays, scores, is_member, kind = load_audit_input(args.input)
    if kind == "signals":
        print(f"mis audit: {arrays['signals'].shape[0]} models x {arrays['signals'].shape[1]} "
              f"examples; attacks {', '.join(args.attacks)} (leave-one-model-out)",
              file=sys.stderr, flush=True)
        named = signal_attacks(arrays["signals"], arrays["mask"], args.attacks)
        labels = arrays["mask"]
    else:
        named, labels = {"scores": scores}, is_member
    config = {"input": args.input, "kind": kind, "attacks": list(named),
              "fprs": list(args.fprs)}
    files = audit_outputs(named, labels, fprs=tuple(args.fprs),
                          provenance=provenance(config, 0, "mis " + " ".join(sys.argv[1:])),
                          source=Path(args.input))
    write_outputs(out, files)
    print(files["report.md"].decode().split("![ROC]")[0].rstrip())  # the table, computed once
    print(f"wrote {', '.join(files)} to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public for tests and docs)."""
    from mis.molecules._config import MolecularConfig
    from mis.rank import RankConfig

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
    rk = sub.add_parser("rank", help="rank quantizers by membership inference security: "
                        "indicator, attacks on quantization-aware shadow models, utility "
                        "(the main job)")
    _add_config_options(rk, RankConfig)
    rk.add_argument("--out", default="results/rank", help="output directory "
                    "(default: results/rank)")
    rk.set_defaults(func=_cmd_rank)
    sw = sub.add_parser("sweep", help="grid over quantizer family x bits x sparsity x pool "
                        "size; resumable, one atomic file per cell")
    _add_config_options(sw, RankConfig)
    sw.add_argument("--families", type=_csv_of(str), default=None,
                    help="comma-separated families (default uniform,kmeans,sign,ternary,prune)")
    sw.add_argument("--bits", type=_csv_of(int), default=None, help="default 1,...,8")
    sw.add_argument("--sparsity", type=_csv_of(float), default=None,
                    help="for ternary and prune (default 0.33,0.5,0.9)")
    sw.add_argument("--pool-sizes", type=_csv_of(int), default=None,
                    help="pool sizes (default: --pool-size)")
    sw.add_argument("--out", default="results/sweep", help="output directory "
                    "(default: results/sweep)")
    sw.set_defaults(func=_cmd_sweep)
    au = sub.add_parser("audit", help="metrics table with intervals and log-log ROC from a "
                        ".npz of attack scores (scores, is_member) or shadow-model signals "
                        "(signals [M, n], mask [M, n]: LiRA run leave-one-model-out)")
    au.add_argument("input", help="the .npz file")
    au.add_argument("--attacks", type=_csv_of(str), default=("lira", "lira-offline", "global"),
                    help="for signals: any of lira, lira-offline, lira-fixed, global "
                    "(default lira,lira-offline,global)")
    au.add_argument("--fprs", type=_csv_of(float), default=(0.001, 0.01, 0.1),
                    help="FPRs at which TPR is reported (default 0.001,0.01,0.1)")
    au.add_argument("--out", default="results/audit", help="output directory "
                    "(default: results/audit)")
    au.set_defaults(func=_cmd_audit)
    mo = sub.add_parser("molecular", help="privacy-performance trade-off of quantized "
                        "molecular property heads (real data shipped in packages, RDKit "
                        "embedders)")
    _add_config_options(mo, MolecularConfig)
    mo.add_argument("--list", action="store_true", help="list the dataset names and exit")
    mo.add_argument("--out", default="results/molecular", help="output directory "
                    "(default: results/molecular)")
    mo.set_defaults(func=_cmd_molecular)
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
