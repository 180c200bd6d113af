"""The ``Indicator`` result, the two aggregates over terms, and the sample bootstrap (device).

THEORY §5–6: with per-term rates ``r_k = δ_k² / (2σ_k²)`` the indicator is
``r̂ = min_k r_k`` (``"min"``) or the log-sum-exp ``r̂ = −(1/n) log Σ_k exp(−n r_k)``
(``"lse"``), and the implied security is ``MIS ≈ 1 − exp(−n r̂)``. THEORY's measured warning:
with many weights the minimum is set by the single weight nearest a threshold and is ~0 for
every quantizer, so it cannot rank; the log-sum-exp adds up every weight's crossing probability
(a union bound on the chance that any released code changes) and orders grid steps as the exact
Δ does. ``mis`` therefore ranks by ``"lse"`` and reports both.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp

from mis.errors import UserError
from theory import Estimate

AGGREGATES = ("lse", "min")


class Indicator(NamedTuple):
    """The privacy indicator of one quantizer (THEORY §5–6); larger ``rate`` = more private.

    Attributes:
        rate: ``r̂`` under ``aggregate`` with its bootstrap interval.
        n_rate: ``n·r̂`` (``−log`` of the implied leakage ``Δ̂ = exp(−n r̂)``); negative when
            the summed crossing probabilities exceed one (no exponential protection).
        mis: implied security ``1 − exp(−n r̂)``, clipped to ``[0, 1]``.
        rate_min: the ``"min"`` aggregate; rate_lse: the ``"lse"`` aggregate.
        n: the training-set size.
        num_terms: the weights (variant A) or candidates with a positive loss gap (variant B).
        aggregate: the aggregate behind ``rate``.
    """

    rate: Estimate
    n_rate: Estimate
    mis: Estimate
    rate_min: Estimate
    rate_lse: Estimate
    n: int
    num_terms: int
    aggregate: str


def check_aggregate(aggregate: str) -> None:
    if aggregate not in AGGREGATES:
        raise UserError(f"aggregate={aggregate!r} is unknown; use one of {', '.join(AGGREGATES)}")


# jit: the aggregate runs on every bootstrap row; eager dispatch of its reductions dominated
@functools.partial(jax.jit, static_argnames=("how",))
def aggregate_rates(rates: jax.Array, n: int, how: str) -> jax.Array:
    """``min_k r_k`` or ``−(1/n) log Σ_k exp(−n r_k)`` over the last axis (``inf`` terms drop
    out; no finite term gives ``inf``)."""
    if how == "min":
        return jnp.min(rates, axis=-1)
    return -logsumexp(-n * rates, axis=-1) / n


# jit: an eager vmap of bincount compiles each primitive anew for every (B, n)
@functools.partial(jax.jit, static_argnums=(1, 2))
def bootstrap_counts(key: jax.Array, num_bootstrap: int, n: int) -> jax.Array:
    """``[B, n]`` multiplicities of a with-replacement resample of ``n`` samples, per replicate."""
    idx = jax.random.randint(key, (num_bootstrap, n), 0, n)
    return jax.vmap(lambda i: jnp.bincount(i, length=n))(idx).astype(jnp.float32)


def weighted_mean_var(values: jax.Array, counts: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Mean and unbiased variance over the sample axis 0 of ``values [n, K]`` with multiplicities
    ``counts [..., n]`` (one row per resample): two matrix products, no gather."""
    n = values.shape[0]
    mean = counts @ values / n
    second = counts @ (values**2) / n
    return mean, jnp.maximum(second - mean**2, 0.0) * n / (n - 1)


def make_indicator(rates: jax.Array, boot_rates: jax.Array, n: int, num_terms: int,
                   aggregate: str, confidence: float) -> Indicator:
    """Both aggregates with bias-corrected percentile intervals (BC, Efron 1987; as
    :func:`mis.inference.bc_interval`) from the bootstrap rates ``[B, K]``. The interval is
    not forced to contain the estimate: the bootstrap of an aggregate of per-sample rates is
    biased, and BC moves the interval with that bias instead of hiding it."""
    z = jax.scipy.special.ndtri(0.5 + confidence / 2)

    def estimate(how):
        value = aggregate_rates(rates, n, how)
        boot = aggregate_rates(boot_rates, n, how)
        ok = jnp.isfinite(boot)
        count = jnp.maximum(ok.sum(), 1)
        p0 = (jnp.sum(ok & (boot < value)) + 0.5 * jnp.sum(ok & (boot == value))) / count
        p0 = jnp.clip(p0, 0.5 / count, 1 - 0.5 / count)
        z0 = jax.scipy.special.ndtri(p0)
        qs = jax.scipy.stats.norm.cdf(jnp.stack([2 * z0 - z, 2 * z0 + z]))
        lo, hi = jnp.nanquantile(jnp.where(ok, boot, jnp.nan), qs)
        return Estimate(value, lo, hi)

    est = {how: estimate(how) for how in AGGREGATES}
    r = est[aggregate]
    n_rate = Estimate(*(n * v for v in r))
    mis = Estimate(*(jnp.clip(1 - jnp.exp(-n * v), 0.0, 1.0) for v in r))
    return Indicator(r, n_rate, mis, est["min"], est["lse"], int(n), int(num_terms), aggregate)
