"""``mis dpaudit``: DP-SGD at several noise multipliers, audited by LiRA on canaries."""

from __future__ import annotations

from mis.commands._common import add_config_options, config_from_args, run_study


def register(sub) -> None:
    from mis.dpaudit import DATASETS, DPAuditConfig

    dp = sub.add_parser("dpaudit", help="train shadow models with DP-SGD at several noise "
                        "multipliers and compare the empirical ε lower bound of LiRA on "
                        "canaries with the accountant's ε")
    add_config_options(dp, DPAuditConfig, choices={"dataset": DATASETS}, helps={
        "dataset": "digits (ConvNet) or mixture (MLP) (default digits)",
        "sigmas": "comma-separated noise multipliers (default 0,0.5,1,2,4)"})
    dp.add_argument("--out", default="results/dpaudit", help="output directory "
                    "(default: results/dpaudit)")
    dp.set_defaults(func=run)


def run(args) -> int:
    import logging

    from mis.dpaudit import DPAuditConfig, console_summary, dpaudit_outputs, run_dpaudit

    config, seed, _ = config_from_args(args, DPAuditConfig, "dpaudit")
    logging.getLogger("absl").setLevel(logging.ERROR)  # the accountant's per-order notes
    sigmas = ", ".join(f"{s:g}" for s in config.sigmas)
    return run_study(args, "dpaudit", config, seed,
                     f"{config.dataset}, σ ∈ {{{sigmas}}}, {config.num_models} shadow models "
                     "each", study=run_dpaudit, outputs=dpaudit_outputs,
                     summary=console_summary, seconds=lambda r: sum(r.seconds.values()))
