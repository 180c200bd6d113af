"""``mis dpaudit`` described for the command line (DP-SGD at several noise multipliers, audited by
LiRA on canaries)."""

from mis.dpaudit._config import CANARIES, DATASETS, MODES, DPAuditConfig
from mis.dpaudit._pipeline import run_dpaudit
from mis.dpaudit._report import console_summary, dpaudit_outputs
from mis.study import Study

STUDY = Study(
    name="dpaudit",
    help="train shadow models with DP-SGD at several noise multipliers and compare the "
         "empirical ε lower bound of LiRA on canaries with the accountant's ε",
    config=DPAuditConfig, run=run_dpaudit, outputs=dpaudit_outputs, summary=console_summary,
    header=lambda c: (f"{c.dataset}, σ ∈ {{{', '.join(f'{s:g}' for s in c.sigmas)}}}, "
                      + (f"{c.num_models} shadow models each" if c.mode == "shadow" else
                         f"one run each, {c.num_canaries} {c.canary} canaries")),
    seconds=lambda r: sum(r.seconds.values()),
    choices={"dataset": DATASETS, "mode": MODES, "canary": CANARIES},
    helps={"dataset": "digits or fashion-mnist (ConvNet), adult or mixture (MLP) "
                      "(default digits)",
           "sigmas": "comma-separated noise multipliers (default 0,0.5,1,2,4)",
           "mode": "shadow (LiRA over shadow models, default) or one-run (one DP-SGD run per "
                   "σ, each canary IN with probability 1/2; Steinke et al.)",
           "canary": "mislabeled (the shadow mode's), input (out-of-distribution inputs) or "
                     "gradient (Dirac gradient canaries; the one-run mode's default)",
           "observers": "one-run attacker's view: black-box (input-space canaries), "
                        "white-box,every-step (gradient canaries; default: all that apply)",
           "num_canaries": "canaries (default 16 shadow, 1000 one-run)",
           "train_sigma": "plant a violation: train every σ with this noise multiplier "
                          "(0 = noise off) while the accountant reports σ's ε (default -1: "
                          "train as accounted)"})

__all__ = ["STUDY"]
