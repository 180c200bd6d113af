"""``mis rank`` and ``mis sweep``: quantizers ranked by membership inference security, the
indicator of THEORY §6 beside real attacks on quantization-aware shadow models."""

from mis.rank._config import MEAN_ZOO as MEAN_ZOO
from mis.rank._config import MIXTURE_ZOO as MIXTURE_ZOO
from mis.rank._config import TASKS as TASKS
from mis.rank._config import RankConfig as RankConfig
from mis.rank._config import make_config as make_config
from mis.rank._pipeline import QuantizerRow as QuantizerRow
from mis.rank._pipeline import RankResult as RankResult
from mis.rank._pipeline import layer_inputs as layer_inputs
from mis.rank._pipeline import run_rank as run_rank
from mis.rank._ranking import kendall_tau as kendall_tau
from mis.rank._ranking import kendall_tau_estimate as kendall_tau_estimate
from mis.rank._ranking import pareto_front as pareto_front
from mis.rank._ranking import rank_order as rank_order
from mis.rank._report import table_rows as table_rows

__all__ = ["MEAN_ZOO", "MIXTURE_ZOO", "TASKS", "QuantizerRow", "RankConfig", "RankResult",
           "kendall_tau", "kendall_tau_estimate", "layer_inputs", "make_config", "pareto_front",
           "rank_order", "run_rank", "table_rows"]
