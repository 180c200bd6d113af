"""Membership Inference Security (MIS) in closed form and by exact computation.

Pure mathematics on ``jax.numpy``/``jax.scipy``; never imports ``mis``. Enable
``jax_enable_x64`` for tail probabilities. See THEORY.md (shared reference) for the
formulas; each function's docstring states its formula and source.
"""

from theory._bounds import dp_advantage_bound as dp_advantage_bound
from theory._bounds import epsilon_lower_bound as epsilon_lower_bound
from theory._bounds import overfitting_mis_bound as overfitting_mis_bound
from theory._discrete import discrete_delta as discrete_delta
from theory._discrete import diversity_constant as diversity_constant
from theory._estimate import Estimate as Estimate
from theory._estimate import mean_estimate as mean_estimate
from theory._estimate import normal_z as normal_z
from theory._gaussian_mean import gaussian_mean_delta as gaussian_mean_delta
from theory._gaussian_mean import gaussian_mean_delta_rate as gaussian_mean_delta_rate
from theory._gaussian_mean import (
    gaussian_mean_fixed_d_constant as gaussian_mean_fixed_d_constant,
)
from theory._gaussian_mean import gaussian_mean_llr as gaussian_mean_llr
from theory._gaussian_mean import gaussian_mean_mis_limit as gaussian_mean_mis_limit
from theory._log_space import log_interval_prob as log_interval_prob
from theory._quantized import (
    quantized_gaussian_mean_delta as quantized_gaussian_mean_delta,
)
from theory._quantized import (
    quantized_mean_log_coupling_bound as quantized_mean_log_coupling_bound,
)
from theory._quantized import quantized_mean_log_delta as quantized_mean_log_delta
from theory._quantized import (
    quantized_mean_log_delta_approx as quantized_mean_log_delta_approx,
)
from theory._quantized import quantized_mean_rate as quantized_mean_rate

__all__ = [
    "Estimate",
    "discrete_delta",
    "diversity_constant",
    "dp_advantage_bound",
    "epsilon_lower_bound",
    "gaussian_mean_delta",
    "gaussian_mean_delta_rate",
    "gaussian_mean_fixed_d_constant",
    "gaussian_mean_llr",
    "gaussian_mean_mis_limit",
    "log_interval_prob",
    "mean_estimate",
    "normal_z",
    "overfitting_mis_bound",
    "quantized_gaussian_mean_delta",
    "quantized_mean_log_coupling_bound",
    "quantized_mean_log_delta",
    "quantized_mean_log_delta_approx",
    "quantized_mean_rate",
]
