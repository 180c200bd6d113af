"""Bayes-optimal (likelihood-ratio) attacks where the laws are known (device, jnp).

Gaussian mean (THEORY §3): data ``z ~ N(μ, σ² I_d)``, release ``θ̂`` = mean of ``n`` points.
Per-coordinate quantized mean (THEORY §5): release ``Q(θ̂)_k = offset + step·round((θ̂_k −
offset)/step)``; given the challenge ``z``, ``θ̂_k ~ N(z_k/n + (n−1)μ_k/n, σ²(n−1)/n²)`` for a
member and ``N(μ_k, σ²/n)`` for a non-member, so the llr is a sum of log cell probabilities.
By Neyman–Pearson these scores give the largest TPR at every FPR: their advantage is ``Δ``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from theory import gaussian_mean_llr, log_interval_prob


def gaussian_mean_bayes_score(theta: ArrayLike, z: ArrayLike, n: int, *, mu: ArrayLike = 0.0,
                              sigma: float = 1.0) -> jax.Array:
    """Exact ``log dP_member/dP_non(θ̂, z)`` for the Gaussian mean (``theta, z: [..., d]``)."""
    return gaussian_mean_llr((jnp.asarray(theta) - mu) / sigma, (jnp.asarray(z) - mu) / sigma, n)


def quantized_gaussian_mean_bayes_score(q_theta: ArrayLike, z: ArrayLike, n: int, *, step: float,
                                        mu: ArrayLike = 0.0, sigma: float = 1.0,
                                        offset: float = 0.0) -> jax.Array:
    """Exact llr of a per-coordinate rounded Gaussian mean ``q_theta`` and challenge ``z``."""
    q, z = jnp.asarray(q_theta), jnp.asarray(z)
    mu = jnp.broadcast_to(jnp.asarray(mu, q.dtype), q.shape)
    lo, hi = q - step / 2, q + step / 2
    member_mean = z / n + (n - 1) * mu / n
    log_p1 = log_interval_prob(lo, hi, member_mean, jnp.asarray(sigma * math.sqrt(n - 1) / n))
    log_p0 = log_interval_prob(lo, hi, mu, jnp.asarray(sigma / math.sqrt(n)))
    return jnp.sum(log_p1 - log_p0, axis=-1)
