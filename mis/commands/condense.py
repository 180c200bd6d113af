"""``mis condense``: is a model trained on a condensed (DM) synthetic set private? Whole
pipelines as shadows, the random-subset / whole-pool / DP-SGD baselines, and five verdicts."""

from __future__ import annotations

from mis.commands._common import add_config_options, config_from_args, run_study


def register(sub) -> None:
    from mis.condense import DATASETS, CondenseConfig

    parser = sub.add_parser("condense", help="audit dataset condensation (distribution "
                            "matching) with pipeline-level shadows against the random-subset, "
                            "whole-pool and DP-SGD baselines")
    add_config_options(parser, CondenseConfig, choices={"dataset": DATASETS}, helps={
        "dataset": "digits (ConvNet) or mixture (MLP) (default digits)",
        "ipcs": "comma-separated images per class (default 1,5,10)",
        "inits": "comma-separated DM initialisations: noise, real (default both)",
        "sigmas": "comma-separated DP-SGD noise multipliers of the baseline (default 1,4)",
        "scaling_sizes": "comma-separated pool sizes n of the O(m/n) check, each at least the "
                         "audit set (default 272,544,1088)"})
    parser.add_argument("--out", default="results/condense", help="output directory "
                        "(default: results/condense)")
    parser.set_defaults(func=run)


def run(args) -> int:
    import logging

    from mis.condense import CondenseConfig, condense_outputs, console_summary, run_condense

    config, seed, _ = config_from_args(args, CondenseConfig, "condense")
    logging.getLogger("absl").setLevel(logging.ERROR)
    return run_study(args, "condense", config, seed,
                     f"{config.dataset}, {config.num_models} pipelines per method, ipc "
                     f"{','.join(map(str, config.ipcs))}, {config.iterations} DM iterations",
                     study=run_condense, outputs=condense_outputs, summary=console_summary,
                     seconds=lambda r: r.seconds["total"])
