"""``mis rank`` and ``mis sweep``: quantizers ranked by membership inference security, the
indicator of THEORY §6 beside real attacks on quantization-aware shadow models. A thin study
over :mod:`mis.release`."""

from mis.rank._config import MEAN_ZOO as MEAN_ZOO
from mis.rank._config import MIXTURE_ZOO as MIXTURE_ZOO
from mis.rank._config import SMOKE_ZOO as SMOKE_ZOO
from mis.rank._config import TASKS as TASKS
from mis.rank._config import RankConfig as RankConfig
from mis.rank._config import SweepConfig as SweepConfig
from mis.rank._pipeline import RankResult as RankResult
from mis.rank._pipeline import privacy_measures as privacy_measures
from mis.rank._pipeline import run_rank as run_rank
from mis.rank._pipeline import summarize_rows as summarize_rows
from mis.rank._report import console_summary as console_summary
from mis.rank._report import rank_outputs as rank_outputs
from mis.rank._report import table_rows as table_rows
from mis.rank._study import STUDY as STUDY
from mis.rank._sweep import FAMILIES as FAMILIES
from mis.rank._sweep import SweepCell as SweepCell
from mis.rank._sweep import SweepFront as SweepFront
from mis.rank._sweep import cell_fingerprint as cell_fingerprint
from mis.rank._sweep import run_sweep as run_sweep
from mis.rank._sweep import sweep_fronts as sweep_fronts
from mis.rank._sweep import sweep_outputs as sweep_outputs
from mis.rank._sweep import sweep_specs as sweep_specs
from mis.rank._tasks import build_setup as build_setup

__all__ = ["STUDY", "FAMILIES", "MEAN_ZOO", "MIXTURE_ZOO", "SMOKE_ZOO", "TASKS", "RankConfig",
           "RankResult", "SweepCell", "SweepConfig", "SweepFront", "build_setup",
           "cell_fingerprint", "sweep_fronts",
           "console_summary",
           "privacy_measures",
           "rank_outputs", "run_rank", "run_sweep", "summarize_rows",
           "sweep_outputs", "sweep_specs", "table_rows"]
