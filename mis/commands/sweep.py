"""``mis sweep``: a resumable grid of quantizer family × bits × sparsity × pool size."""

from __future__ import annotations

import argparse
import dataclasses

from mis.commands._common import (
    Subparsers,
    add_config_options,
    command_line,
    config_from_args,
    csv_of,
    flag_values,
)


def register(sub: Subparsers) -> None:
    from mis.rank import TASKS, RankConfig

    sw = sub.add_parser("sweep", help="grid over quantizer family x bits x sparsity x pool "
                        "size; resumable, one atomic file per cell")
    add_config_options(sw, RankConfig, choices={"task": TASKS}, helps={
        "task": "task (default mixture)",
        "quantizers": "not used by the sweep (its grid names the quantizers)"})
    sw.add_argument("--families", type=csv_of(str), default=None,
                    help="comma-separated families (default uniform,kmeans,sign,ternary,prune)")
    sw.add_argument("--bits", type=csv_of(int), default=None, help="default 1,...,8")
    sw.add_argument("--sparsity", type=csv_of(float), default=None,
                    help="for ternary and prune (default 0.33,0.5,0.9)")
    sw.add_argument("--pool-sizes", type=csv_of(int), default=None,
                    help="pool sizes (default: --pool-size)")
    sw.add_argument("--on-mismatch", choices=("refuse", "recompute"), default="refuse",
                    help="finished cells in --out from another config or seed: refuse with one "
                    "line (default) or recompute them")
    sw.add_argument("--executor", choices=("local", "dask"), default="local",
                    help="local: cells in this process (default); dask: one task per pool size "
                    "on a Dask cluster")
    sw.add_argument("--scheduler", default=None, help="with --executor dask: the address of "
                    "a running Dask scheduler (e.g. tcp://host:8786)")
    sw.add_argument("--workers", type=int, default=None, help="with --executor dask: start a "
                    "local cluster of N worker processes")
    sw.add_argument("--out", default="results/sweep", help="output directory "
                    "(default: results/sweep)")
    sw.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mis.config import make_config
    from mis.errors import UserError
    from mis.io import check_out_dir, to_json, write_files
    from mis.progress import ProgressBars
    from mis.provenance import provenance
    from mis.rank import RankConfig, SweepConfig, run_sweep, sweep_fronts, sweep_outputs

    if args.quantizers is not None:
        raise UserError("--quantizers does not apply to mis sweep: its grid (--families, "
                        "--bits, --sparsity) names the quantizers")
    config, seed, file = config_from_args(args, RankConfig, "rank", ("sweep",))
    if args.executor == "local" and (args.scheduler is not None or args.workers is not None):
        raise UserError("--scheduler and --workers apply to --executor dask")
    if args.executor == "dask" and (args.scheduler is None) == (args.workers is None):
        raise UserError("--executor dask needs exactly one of --scheduler ADDRESS or "
                        "--workers N")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers {args.workers} is not allowed; use an integer >= 1")
    if args.scheduler is not None:
        from mis.cluster import check_scheduler

        check_scheduler(args.scheduler)
    sweep = make_config(SweepConfig, file.extra["sweep"], flags=flag_values(args, SweepConfig),
                        smoke=bool(args.smoke or file.smoke), name="[sweep]")
    out = check_out_dir(args.out, "sweep")
    with ProgressBars() as bars:
        cells = run_sweep(config, sweep, seed, out, on_mismatch=args.on_mismatch,
                          executor=args.executor, scheduler=args.scheduler,
                          workers=args.workers, progress=bars)
    grid = dataclasses.asdict(sweep) | {"pool_sizes": sweep.pools(config)}
    prov = provenance({"rank": dataclasses.asdict(config), "sweep": grid}, seed,
                      command_line("sweep"))
    fronts = sweep_fronts(cells)
    write_files(out, {**sweep_outputs(cells), "summary.json": to_json(
        {"provenance": prov,
         "cells": [{k: v for k, v in c.columns.items() if k != "replicates"} for c in cells],
         "fronts": [f._asdict() for f in fronts]})}, command="sweep")
    for f in fronts:
        kind = "significant" if f.significant else "point-estimate"
        print(f"pool {f.pool_size}: {kind} Pareto front (utility, LiRA AUC, bits per weight): "
              + ", ".join(f.front))
    print(f"{len(cells)} cells in {out}/cells; wrote sweep.csv, leakage_vs_bits.png, "
          "summary.json")
    return 0
