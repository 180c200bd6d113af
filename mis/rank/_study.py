"""``mis rank`` described for the command line (rank quantizers by membership inference security
(the main job))."""

from mis.rank._config import TASKS, RankConfig
from mis.rank._pipeline import run_rank
from mis.rank._report import console_summary, rank_outputs
from mis.study import Study

STUDY = Study(
    name="rank",
    help="rank quantizers by membership inference security: indicator, attacks on "
         "quantization-aware shadow models, utility (the main job)",
    config=RankConfig, run=run_rank, outputs=rank_outputs, summary=console_summary,
    header=lambda c: (f"task {c.task}, {len(c.zoo)} quantizers, {c.num_models} shadow "
                      "models"),
    seconds=lambda r: sum(r.seconds.values()),
    choices={"task": TASKS},
    helps={"task": "task (default mixture)",
           "quantizers": "comma-separated quantizer specs (default: the task's zoo)"},
    extra_sections=("sweep",))

__all__ = ["STUDY"]
