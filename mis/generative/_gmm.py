"""A diagonal Gaussian mixture density fitted by EM (device).

``p(x) = Σ_k π_k Π_j N(x_j; m_kj, v_kj)``. EM on the weighted sample (weight 1 for a training
member, 0 otherwise):

    E:  r_ik ∝ π_k N(x_i; m_k, diag v_k)                        (responsibilities)
    M:  π_k = Σ_i w_i r_ik / Σ_i w_i,   m_k = Σ_i w_i r_ik x_i / Σ_i w_i r_ik,
        v_k = max(Σ_i w_i r_ik (x_i − m_k)² / Σ_i w_i r_ik, floor)

The variance floor keeps the likelihood bounded; the floored M step is the constrained
maximiser (the Gaussian likelihood is unimodal in each variance), so the log-likelihood never
decreases. More components than the data support memorise members: the overfitting knob.

References:
    Dempster, Laird, Rubin, "Maximum likelihood from incomplete data via the EM algorithm",
    JRSS B 1977.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp


class GaussianMixture(NamedTuple):
    """Mixture parameters: ``log_weights [K]``, ``means [K, D]``, ``variances [K, D]``."""

    log_weights: jax.Array
    means: jax.Array
    variances: jax.Array


def gmm_component_log_prob(gmm: GaussianMixture, x: jax.Array) -> jax.Array:
    """``[n, K]``: ``log π_k + log N(x_i; m_k, diag v_k)``."""
    diff = x[:, None, :] - gmm.means[None]
    log_norm = -0.5 * jnp.sum(jnp.log(2 * jnp.pi * gmm.variances), axis=-1)
    return gmm.log_weights + log_norm - 0.5 * jnp.sum(diff**2 / gmm.variances, axis=-1)


def gmm_log_prob(gmm: GaussianMixture, x: jax.Array) -> jax.Array:
    """``[n]`` log-density ``log p(x_i)``."""
    return logsumexp(gmm_component_log_prob(gmm, x), axis=-1)


def _m_step(x, weights, resp, floor) -> GaussianMixture:
    wr = weights[:, None] * resp
    mass = jnp.sum(wr, axis=0)
    safe = jnp.maximum(mass, 1e-12)
    means = (wr.T @ x) / safe[:, None]
    var = (wr.T @ x**2) / safe[:, None] - means**2
    log_w = jnp.log(jnp.maximum(mass, 1e-30)) - jnp.log(jnp.sum(mass))
    return GaussianMixture(log_w, means, jnp.maximum(var, floor))


def fit_gmm(key: jax.Array, x: jax.Array, weights: jax.Array, *, components: int,
            iterations: int = 100,
            floor: float = 1e-2) -> tuple[GaussianMixture, jax.Array]:
    """EM from ``components`` distinct members drawn at random (weights ∝ membership) as
    hard assignments; returns the mixture and the weighted mean log-likelihood after each
    iteration (``[iterations]``, non-decreasing). ``x [n, D]``, ``weights [n]``."""
    n = x.shape[0]
    gumbel = jax.random.gumbel(key, (n,))
    score = jnp.where(weights > 0, gumbel, -jnp.inf)
    centres = jnp.argsort(-score)[:components]
    start = jnp.argmin(jnp.sum((x[:, None] - x[centres][None]) ** 2, -1), axis=1)
    gmm = _m_step(x, weights, jax.nn.one_hot(start, components), floor)

    def step(gmm, _):
        log_p = gmm_component_log_prob(gmm, x)
        resp = jnp.exp(log_p - logsumexp(log_p, axis=1, keepdims=True))
        gmm = _m_step(x, weights, resp, floor)
        ll = jnp.sum(weights * gmm_log_prob(gmm, x)) / jnp.sum(weights)
        return gmm, ll

    return jax.lax.scan(step, gmm, None, length=iterations)
