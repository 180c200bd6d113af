"""``mis dpaudit`` described for the command line (DP-SGD at several noise multipliers, audited by
LiRA on canaries)."""

from mis.dpaudit._config import DATASETS, DPAuditConfig
from mis.dpaudit._pipeline import run_dpaudit
from mis.dpaudit._report import console_summary, dpaudit_outputs
from mis.study import Study

STUDY = Study(
    name="dpaudit",
    help="train shadow models with DP-SGD at several noise multipliers and compare the "
         "empirical ε lower bound of LiRA on canaries with the accountant's ε",
    config=DPAuditConfig, run=run_dpaudit, outputs=dpaudit_outputs, summary=console_summary,
    header=lambda c: (f"{c.dataset}, σ ∈ {{{', '.join(f'{s:g}' for s in c.sigmas)}}}, "
                      f"{c.num_models} shadow models each"),
    seconds=lambda r: sum(r.seconds.values()),
    choices={"dataset": DATASETS},
    helps={"dataset": "digits or fashion-mnist (ConvNet), adult or mixture (MLP) "
                      "(default digits)",
           "sigmas": "comma-separated noise multipliers (default 0,0.5,1,2,4)"})

__all__ = ["STUDY"]
