"""``mis condense`` described for the command line (is a model trained on a condensed (DM)
synthetic set private?)."""

from mis.condense._config import DATASETS, CondenseConfig
from mis.condense._pipeline import run_condense
from mis.condense._report import condense_outputs, console_summary
from mis.study import Study

STUDY = Study(
    name="condense",
    help="audit dataset condensation (distribution matching) with pipeline-level shadows "
         "against the random-subset, whole-pool and DP-SGD baselines",
    config=CondenseConfig, run=run_condense, outputs=condense_outputs, summary=console_summary,
    header=lambda c: (f"{c.dataset}, {c.num_models} pipelines per method, ipc "
                      f"{','.join(map(str, c.ipcs))}, {c.iterations} DM iterations"),
    seconds=lambda r: r.seconds["total"],
    choices={"dataset": DATASETS},
    helps={"dataset": "digits or fashion-mnist (ConvNet), adult or mixture (MLP) "
                      "(default digits)",
           "ipcs": "comma-separated images per class (default 1,5,10)",
           "inits": "comma-separated DM initialisations: noise, real (default both)",
           "sigmas": "comma-separated DP-SGD noise multipliers of the baseline (default 1,4)",
           "scaling_sizes": "comma-separated pool sizes n of the O(m/n) check, each at least "
                            "the audit set (default 272,544,1088)"})

__all__ = ["STUDY"]
