"""The `Estimate` result type shared by every estimated quantity (host and device).

An estimate is a point value with a two-sided confidence interval. Every estimator in
`theory` and `mis` returns one, never "a float or a tuple depending on an argument", so
that vmapping over trials and stacking results just works.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import ndtri


class Estimate(NamedTuple):
    """A point estimate with a two-sided confidence interval.

    Attributes:
      value: the point estimate.
      lower: lower end of the interval.
      upper: upper end of the interval (an interval is never forced to contain ``value``:
        a bias-corrected bootstrap interval may lie beside its estimate).

    The confidence level is an argument of the function that produced the estimate
    (0.95 unless stated) and is documented there together with the interval method.
    """

    value: jax.Array | np.ndarray | float
    lower: jax.Array | np.ndarray | float
    upper: jax.Array | np.ndarray | float


def normal_z(confidence: float) -> float:
    r"""Two-sided standard-normal quantile :math:`z = \Phi^{-1}((1 + c)/2)`."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence!r} must lie strictly in (0, 1)")
    return float(ndtri(0.5 + 0.5 * confidence))


def mean_estimate(samples: jax.Array, confidence: float = 0.95) -> Estimate:
    r"""Sample mean with the normal-approximation interval :math:`\bar x \pm z\,s/\sqrt m`.

    Args:
      samples: 1-D array of i.i.d. draws, ``m >= 2``.
      confidence: two-sided confidence level.

    Returns:
      ``Estimate(mean, mean - z*se, mean + z*se)`` with the unbiased standard error.
    """
    z = normal_z(confidence)
    m = samples.shape[0]
    mean = jnp.mean(samples)
    se = jnp.std(samples, ddof=1) / jnp.sqrt(m)
    return Estimate(mean, mean - z * se, mean + z * se)
