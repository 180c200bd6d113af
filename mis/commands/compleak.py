"""``mis compleak``: what an attacker learns from several compressed releases of one model
(CompLeak NR / SR / MR and a multi-version LiRA), and four verdicts."""

from __future__ import annotations

from mis.commands._common import add_config_options, config_from_args, run_study


def register(sub) -> None:
    from mis.compleak import DATASETS, CompleakConfig

    parser = sub.add_parser("compleak", help="attack the original and its compressed versions "
                            "(pruned, int8 QAT, clustered, post-training) alone (NR), in pairs "
                            "(SR), all together (MR) and with a multi-version LiRA")
    add_config_options(parser, CompleakConfig, choices={"dataset": DATASETS, "covariance":
                                                        ("diag", "full")}, helps={
        "dataset": "digits (ConvNet), mixture (MLP) or molecular (MLP head on --embedder "
                   "features of --molecules) (default digits)",
        "molecules": "a shipped classification set for --dataset molecular (default "
                     "solubility-class)",
        "versions": "comma-separated versions: prune:S, int8, cluster:K (fine-tuned on the "
                    "members) or ptq:<quantizer> (post-training; default: 4 sparsities, int8, "
                    "3 cluster counts and 3 ptq)",
        "covariance": "the multi-version LiRA's Gaussian: diag or full (default diag)"})
    parser.add_argument("--out", default="results/compleak", help="output directory "
                        "(default: results/compleak)")
    parser.set_defaults(func=run)


def run(args) -> int:
    import logging

    from mis.compleak import CompleakConfig, compleak_outputs, console_summary, run_compleak

    config, seed, _ = config_from_args(args, CompleakConfig, "compleak")
    logging.getLogger("absl").setLevel(logging.ERROR)
    return run_study(args, "compleak", config, seed,
                     f"{config.dataset}, {config.num_models} models ({config.num_victims} "
                     f"victims), versions {','.join(config.versions)}",
                     study=run_compleak, outputs=compleak_outputs, summary=console_summary,
                     seconds=lambda r: r.seconds["total"])
