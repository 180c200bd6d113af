"""``mis compleak`` described for the command line (what an attacker learns from several
compressed releases of one model)."""

from mis.compleak._config import DATASETS, CompleakConfig
from mis.compleak._pipeline import run_compleak
from mis.compleak._report import compleak_outputs, console_summary
from mis.study import Study

STUDY = Study(
    name="compleak",
    help="attack the original and its compressed versions (pruned, int8 QAT, clustered, "
         "post-training) alone (NR), in pairs (SR), all together (MR) and with a multi-version "
         "LiRA",
    config=CompleakConfig, run=run_compleak, outputs=compleak_outputs, summary=console_summary,
    header=lambda c: (f"{c.dataset}, {c.num_models} models ({c.num_victims} victims), "
                      f"versions {','.join(c.versions)}"),
    seconds=lambda r: r.seconds["total"],
    choices={"dataset": DATASETS, "covariance": ("diag", "full")},
    helps={"dataset": "digits or fashion-mnist (ConvNet), adult or mixture (MLP), or "
                      "molecular (MLP head on --embedder "
                      "features of --molecules) (default digits)",
           "molecules": "a shipped classification set for --dataset molecular (default "
                        "solubility-class)",
           "versions": "comma-separated versions: prune:S, int8, cluster:K (fine-tuned on the "
                       "members) or ptq:<quantizer> (post-training; default: 4 sparsities, "
                       "int8, 3 cluster counts and 3 ptq)",
           "covariance": "the multi-version LiRA's Gaussian: diag or full (default diag)"})

__all__ = ["STUDY"]
