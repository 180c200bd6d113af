"""Variant B of the indicator: training-loss gaps to competing quantized models.

THEORY §6, variant B: candidates ``θ_k`` are quantized models near the release ``Q(θ̂)``;
on the ``n`` training samples ``X_{k,i} = L_i(θ_k) − L_i(Q(θ̂))`` (per-sample objective,
regulariser included), ``δ̂_k = mean_i X_{k,i}``, ``σ̂_k² = var_i X_{k,i}``; candidates with
``δ̂_k > 0`` give ``r_k = δ̂_k² / (2σ̂_k²)``, the exponent of the chance that a fresh training
set prefers ``θ_k`` over the release (reading B, THEORY §5).

Candidates ("the quantized neighbours of the chosen grid point"): the ``num_candidates``
weights most likely to flip by variant A's per-weight rate, each pushed across its nearest
threshold in both directions, ``θ̂ ± (δ_k + ½·sd_k) e_k`` with ``sd_k = √(V_kk/n)``, then
quantized; candidates equal to the release are dropped. Stochastic rounding has no thresholds:
its candidates are other draws of ``Q(θ̂)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from mis.data import Dataset
from mis.indicator._aggregate import (
    Indicator,
    bootstrap_counts,
    check_aggregate,
    make_indicator,
    weighted_mean_var,
)
from mis.indicator._threshold import (
    SampleTerms,
    sample_terms,
    threshold_distances,
    weight_rates,
    weight_variance,
)
from mis.quantizers import Quantizer, is_weight, quantize_tree


def _shift_selected(params, include, flat_shift):
    """``params`` with the flat vector ``flat_shift`` added to the selected leaves."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(params)
    out, start = [], 0
    for path, leaf in flat:
        if include(jax.tree_util.keystr(path), leaf):
            out.append(leaf + flat_shift[start:start + leaf.size].reshape(leaf.shape))
            start += leaf.size
        else:
            out.append(leaf)
    return jax.tree_util.tree_unflatten(treedef, out)


def _penalty(learner, params, n):
    c = learner.penalty_curvature(n)
    return 0.5 * c * sum(jnp.sum(a**2) for a in jax.tree.leaves(params))


# jit: lax.map over candidate models re-traces its closure on every eager call
@functools.partial(jax.jit, static_argnums=0)
def candidate_gaps(learner: Any, released: Any, candidates: Any, data: Dataset) -> jax.Array:
    """``X [K, n]``: per-sample objective of each stacked candidate minus the release's."""
    n = data.x.shape[0]
    base = learner.loss(released, data.x, data.y) + _penalty(learner, released, n)
    objective = lambda p: learner.loss(p, data.x, data.y) + _penalty(learner, p, n)
    return jax.lax.map(objective, candidates, batch_size=16) - base


def loss_gap_indicator(learner: Any, params: Any, data: Dataset, quantizer: Quantizer, *,
                       key: jax.Array | None = None,
                       calibration: Mapping[str, jax.Array] | None = None,
                       include: Callable = is_weight, num_candidates: int = 32,
                       aggregate: str = "lse", num_bootstrap: int = 200,
                       bootstrap_key: jax.Array | None = None,
                       confidence: float = 0.95,
                       terms: SampleTerms | None = None,
                       delta: jax.Array | None = None) -> Indicator:
    r"""Variant B: ``r̂ = agg_{k: δ̂_k > 0} δ̂_k² / (2σ̂_k²)`` over loss gaps (THEORY §6).

    Arguments as :func:`~mis.indicator.threshold_indicator` (``delta`` ``None`` means: compute
    it; pass it when variant A already did), plus ``num_candidates`` (weights
    pushed across a threshold; ``2 × num_candidates`` candidate models). The interval
    resamples the training samples. With no candidate of positive gap the rate is ``nan``
    (``num_terms = 0``): some neighbour fits the training set better than the release.
    """
    check_aggregate(aggregate)
    if num_candidates < 1:
        raise ValueError(f"num_candidates={num_candidates!r}; use an integer >= 1")
    n = int(data.x.shape[0])
    released = quantize_tree(quantizer, params, key=key, calibration=calibration,
                             include=include)
    try:
        if delta is None:
            delta = threshold_distances(quantizer, params, key=key, calibration=calibration,
                                        include=include)
    except ValueError:  # randomised rounding: no thresholds, candidates are other draws
        if key is None:
            raise ValueError(f"{quantizer!r} rounds at random: pass key=") from None
        keys = jax.random.split(jax.random.fold_in(key, 7), 2 * num_candidates)
        candidates = jax.vmap(lambda k: quantize_tree(quantizer, params, key=k,
                                                      include=include))(keys)
    else:
        terms = terms if terms is not None else sample_terms(learner, params, data,
                                                             include=include)
        variance = weight_variance(terms.grads, terms.curvatures,
                                   float(learner.penalty_curvature(n)))
        order = jnp.argsort(weight_rates(delta, variance))[:num_candidates]
        size = jnp.sqrt(variance[order] / n)
        step = delta[order] + 0.5 * jnp.where(size > 0, size, 1e-3 * (delta[order] + 1e-3))
        rows = jnp.arange(2 * order.size)
        shifts = jnp.zeros((2 * order.size, delta.size), delta.dtype).at[
            rows, jnp.concatenate([order, order])].set(jnp.concatenate([step, -step]))
        candidates = jax.vmap(lambda s: quantize_tree(
            quantizer, _shift_selected(params, include, s), key=key,
            calibration=calibration, include=include))(shifts)
    gaps = candidate_gaps(learner, released, candidates, data)  # [K, n]
    distinct = jnp.any(gaps != 0, axis=1)
    gaps = gaps[distinct].T  # [n, K']
    ones = jnp.ones((n,), gaps.dtype)

    def rates(counts):
        mean, var = weighted_mean_var(gaps, counts)
        ok = (mean > 0) & (var > 0)
        return jnp.where(ok, mean**2 / (2 * jnp.where(ok, var, 1.0)), jnp.inf)

    full = rates(ones)
    num_terms = int(jnp.sum(jnp.isfinite(full)))
    counts = bootstrap_counts(bootstrap_key if bootstrap_key is not None else
                              jax.random.key(0), num_bootstrap, n)
    boot = jax.vmap(rates)(counts)
    if num_terms == 0:
        nan = jnp.full((1,), jnp.nan)
        return make_indicator(nan, jnp.full((num_bootstrap, 1), jnp.nan), n, 0, aggregate,
                              confidence)
    return make_indicator(full, boot, n, num_terms, aggregate, confidence)
