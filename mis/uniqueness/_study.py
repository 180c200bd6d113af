"""``mis uniqueness`` described for the command line (per-example gradient uniqueness (GNQ)
checked against per-example LiRA)."""

from mis.study import Study
from mis.uniqueness._config import DATASETS, UniquenessConfig
from mis.uniqueness._pipeline import run_uniqueness
from mis.uniqueness._report import console_summary, uniqueness_outputs

STUDY = Study(
    name="uniqueness",
    help="score every training example by its gradient uniqueness (GNQ), validate against "
         "per-example LiRA, and compare GNQ censoring with DP-SGD",
    config=UniquenessConfig, run=run_uniqueness, outputs=uniqueness_outputs,
    summary=console_summary,
    header=lambda c: (f"{c.dataset}, {c.num_models} shadow models per recipe, "
                      f"{len(c.budgets)} budgets, {len(c.sigmas)} noise multipliers"),
    seconds=lambda r: r.seconds["total"],
    choices={"dataset": DATASETS, "optimizer": ("adam", "sgd")},
    helps={"dataset": "digits or fashion-mnist (ConvNet), adult or mixture (MLP) "
                      "(default digits)",
           "budgets": "comma-separated censoring budgets τ > 0 on Σ ½ log(1 + GNQ) "
                      "(default 20,28,34,40,60)",
           "sigmas": "comma-separated DP-SGD noise multipliers (default 0.5,1,2)"})

__all__ = ["STUDY"]
