"""Query samples from models whose optimal advantage is known exactly (device).

The query is the released model's exact member/non-member likelihood ratio, a sufficient
statistic, so the best threshold on it attains Δ and every estimator of :mod:`mis.estimate`
should converge to the exact value of :mod:`theory`.

* Gaussian mean (THEORY §3): a training set of ``n`` points ``N(0, I_d)``, the release
  ``θ = mean``; a member ``z`` is one of the ``n`` points, a non-member a fresh draw. Query:
  ``theory.gaussian_mean_llr(θ, z, n)``; exact Δ: ``theory.gaussian_mean_delta``.
* Discrete data (THEORY §4): ``n`` draws from ``p`` on ``K`` values, the release = the
  counts; query: the likelihood ratio ``count_z / (n p_z)`` (a member always has count ≥ 1;
  the ratio, not its log, so a non-member's zero count stays finite); exact Δ:
  ``theory.discrete_delta``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.scipy.special import gammaln

from theory import gaussian_mean_llr


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def gaussian_mean_queries(key: jax.Array, n: int, d: int, num_members: int,
                          num_nonmembers: int) -> tuple[jax.Array, jax.Array]:
    """``(member [num_members], nonmember [num_nonmembers])`` exact llr queries, each from its
    own training set. A member's release is ``(z + S)/n`` with ``S ~ N(0, (n−1) I)`` the sum
    of the other points; a non-member's is ``S'/n`` with ``S' ~ N(0, n I)`` and ``z``
    independent. Keys: ``z_in, s_in, z_out, s_out = split(key, 4)``."""
    k = jax.random.split(key, 4)
    z_in = jax.random.normal(k[0], (num_members, d))
    theta_in = (z_in + jnp.sqrt(n - 1.0) * jax.random.normal(k[1], (num_members, d))) / n
    z_out = jax.random.normal(k[2], (num_nonmembers, d))
    theta_out = jnp.sqrt(float(n)) * jax.random.normal(k[3], (num_nonmembers, d)) / n
    return gaussian_mean_llr(theta_in, z_in, n), gaussian_mean_llr(theta_out, z_out, n)


def _binomial_cdf_table(trials: int, p: jax.Array) -> jax.Array:
    """``[K, trials + 1]`` CDFs of ``Bin(trials, p_k)`` from the exact pmf (log space)."""
    j = jnp.arange(trials + 1.0)
    log_choose = gammaln(trials + 1.0) - gammaln(j + 1) - gammaln(trials - j + 1)
    log_pmf = log_choose + j * jnp.log(p[:, None]) + (trials - j) * jnp.log1p(-p[:, None])
    return jnp.cumsum(jnp.exp(log_pmf), axis=1)


def _binomial_draws(key, trials: int, p: jax.Array, z: jax.Array) -> jax.Array:
    """``Bin(trials, p_z)`` for each ``z`` by inverting the exact CDF at a uniform."""
    cdf = _binomial_cdf_table(trials, p)[z]
    u = jax.random.uniform(key, z.shape) * cdf[:, -1]  # the table's own total (≈ 1)
    return jnp.sum(cdf < u[:, None], axis=1)


def _categorical_draws(key, p: jax.Array, num: int) -> jax.Array:
    """``num`` draws from ``p`` by inverting its CDF at uniforms (cheap to compile for every
    sample size, unlike ``jax.random.categorical``)."""
    cdf = jnp.cumsum(p)
    u = jax.random.uniform(key, (num,)) * cdf[-1]
    return jnp.minimum(jnp.searchsorted(cdf, u, side="right"), p.shape[0] - 1)


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def discrete_queries(key: jax.Array, probs: jax.Array, n: int, num_members: int,
                     num_nonmembers: int) -> tuple[jax.Array, jax.Array]:
    """``(member, nonmember)`` likelihood-ratio queries ``count_z / (n p_z)``. Only the count of
    the challenge value ``z`` in the training set matters, so it is drawn directly: a member's
    ``z ~ p`` is in the set once plus ``Bin(n − 1, p_z)`` times among the others; a
    non-member's independent ``z ~ p`` appears ``Bin(n, p_z)`` times (``z`` and the binomials
    by inverting their exact CDFs). Keys: ``z_in, count_in, z_out, count_out = split(key, 4)``."""
    p = jnp.asarray(probs, dtype=jnp.result_type(float))
    k = jax.random.split(key, 4)
    z_in = _categorical_draws(k[0], p, num_members)
    count_in = 1 + _binomial_draws(k[1], n - 1, p, z_in)
    z_out = _categorical_draws(k[2], p, num_nonmembers)
    count_out = _binomial_draws(k[3], n, p, z_out)
    return count_in / (n * p[z_in]), count_out / (n * p[z_out])
