"""``mis uniqueness``: per-example gradient uniqueness (GNQ) while training, checked against
per-example LiRA; the censoring defense against DP-SGD; quantization's effect on exposure."""

from __future__ import annotations

from mis.commands._common import add_config_options, config_from_args, run_study


def register(sub) -> None:
    from mis.uniqueness import DATASETS, UniquenessConfig

    parser = sub.add_parser("uniqueness", help="score every training example by its gradient "
                            "uniqueness (GNQ), validate against per-example LiRA, and compare "
                            "GNQ censoring with DP-SGD")
    add_config_options(parser, UniquenessConfig, choices={
        "dataset": DATASETS, "optimizer": ("adam", "sgd")}, helps={
        "dataset": "digits (ConvNet) or mixture (MLP) (default digits)",
        "budgets": "comma-separated censoring budgets τ > 0 on Σ ½ log(1 + GNQ) "
                   "(default 20,28,34,40,60)",
        "sigmas": "comma-separated DP-SGD noise multipliers (default 0.5,1,2)"})
    parser.add_argument("--out", default="results/uniqueness", help="output directory "
                        "(default: results/uniqueness)")
    parser.set_defaults(func=run)


def run(args) -> int:
    import logging

    from mis.uniqueness import (
        UniquenessConfig,
        console_summary,
        run_uniqueness,
        uniqueness_outputs,
    )

    config, seed, _ = config_from_args(args, UniquenessConfig, "uniqueness")
    logging.getLogger("absl").setLevel(logging.ERROR)
    return run_study(args, "uniqueness", config, seed,
                     f"{config.dataset}, {config.num_models} shadow models per recipe, "
                     f"{len(config.budgets)} budgets, {len(config.sigmas)} noise multipliers",
                     study=run_uniqueness, outputs=uniqueness_outputs,
                     summary=console_summary, seconds=lambda r: r.seconds["total"])
