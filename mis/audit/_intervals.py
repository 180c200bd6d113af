"""Exact binomial confidence intervals (host: NumPy/SciPy).

Contents: ``clopper_pearson``.
"""

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from theory import Estimate


def clopper_pearson(successes: ArrayLike, trials: ArrayLike, confidence: float = 0.95) -> Estimate:
    r"""Clopper-Pearson ("exact") two-sided interval for a binomial proportion.

    .. math::
       [B^{-1}(\tfrac{\alpha}{2}; k, m - k + 1),\ B^{-1}(1 - \tfrac{\alpha}{2}; k + 1, m - k)]

    with :math:`\alpha = 1 - c`, ``B^{-1}`` the Beta quantile, and the conventions
    ``lower = 0`` at ``k = 0`` and ``upper = 1`` at ``k = m``. Coverage is at least ``c``
    for every true proportion.

    Args:
      successes: ``k``, counts (array-like of ints), ``0 <= k <= m``.
      trials: ``m``, counts (array-like of ints), ``m >= 1``.
      confidence: two-sided confidence level in ``(0, 1)``.

    Returns:
      ``Estimate(k/m, lower, upper)`` as NumPy float64 arrays.

    References:
      Clopper and Pearson, *The use of confidence or fiducial limits illustrated in the
      case of the binomial*, Biometrika 1934.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence!r} must lie strictly in (0, 1)")
    k = np.asarray(successes, dtype=np.float64)
    m = np.asarray(trials, dtype=np.float64)
    if np.any(m < 1) or np.any(k < 0) or np.any(k > m):
        raise ValueError("need 0 <= successes <= trials and trials >= 1")
    alpha = 1 - confidence
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, stats.beta.ppf(alpha / 2, k, m - k + 1), 0.0)
        upper = np.where(k < m, stats.beta.ppf(1 - alpha / 2, k + 1, m - k), 1.0)
    return Estimate(k / m, lower, upper)
