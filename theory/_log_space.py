"""Log-space helpers for Gaussian interval probabilities (device, private).

Tails down to ``e^-700`` stay exact in float64 because every probability is formed from
``log_ndtr`` tails and never as ``1 - something``.
"""

import jax
import jax.numpy as jnp
from jax.scipy.special import log_ndtr


def log_diff_exp(a: jax.Array, b: jax.Array) -> jax.Array:
    """``log(exp(a) - exp(b))`` for ``a >= b``; ``-inf`` where ``a == b``."""
    diff = jnp.where(jnp.isneginf(b), -jnp.inf, b - a)
    return jnp.where(jnp.isneginf(a), -jnp.inf, a + jnp.log(-jnp.expm1(diff)))


def log_abs_diff_exp(a: jax.Array, b: jax.Array) -> jax.Array:
    """``log|exp(a) - exp(b)|``."""
    return log_diff_exp(jnp.maximum(a, b), jnp.minimum(a, b))


def log_interval_prob(
    lo: jax.Array, hi: jax.Array, mean: jax.Array, sd: jax.Array
) -> jax.Array:
    """``log P(lo <= X < hi)`` for ``X ~ N(mean, sd^2)``, exact in the tails.

    Intervals above the mean use upper tails, intervals below use lower tails, and an
    interval that holds the mean is ``log1p(-(P(X < lo) + P(X >= hi)))``. ``lo`` may be
    ``-inf`` and ``hi`` may be ``+inf``.
    """
    u_lo, u_hi = (lo - mean) / sd, (hi - mean) / sd
    above = log_diff_exp(log_ndtr(-u_lo), log_ndtr(-u_hi))
    below = log_diff_exp(log_ndtr(u_hi), log_ndtr(u_lo))
    outside = jnp.logaddexp(log_ndtr(u_lo), log_ndtr(-u_hi))
    middle = jnp.log(-jnp.expm1(outside))
    return jnp.where(u_lo >= 0, above, jnp.where(u_hi <= 0, below, middle))
