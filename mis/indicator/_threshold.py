"""Variant A of the indicator: distances to thresholds over per-sample-gradient variances.

THEORY §6, variant A: ``δ_k`` is the distance of weight ``k`` of the trained ``θ̂`` to its
nearest decision threshold of ``Q`` (recomputed for data-dependent quantizers); ``σ_k² = V_kk``
is the asymptotic variance of ``√n(θ̂_k − θ*_k)``, ``V = H⁻¹ Σ_g H⁻¹`` taken on the diagonal:
``Σ_g,kk`` the per-sample variance of ``∂ℓ/∂θ_k`` (``vmap(grad)``) and ``H_kk`` the diagonal
Gauss–Newton curvature ``mean_i J_iᵀ ∇²_out ℓ_i J_i`` plus the regulariser's. Per weight
``r_k = δ_k² / (2 V_kk)``, the exponent of ``P(θ̂_k crosses its threshold) ≈ exp(−n r_k)``.

Weights the quantizer passes through unchanged (``Q(θ̂)_k = θ̂_k``: full precision, the
survivors of pruning) are released continuously: ``δ_k = 0`` and their leakage decays only
polynomially. Weights no sample moves (``Σ_g,kk = 0``, e.g. dead units) get ``r_k = ∞``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

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
from mis.quantizers import (
    Quantizer,
    distance_to_threshold,
    is_weight,
    quantize_tree,
    selected_leaves,
)


class SampleTerms(NamedTuple):
    """Per-sample gradients and curvatures of the selected weights, and the weights' layout.

    Attributes:
        grads: ``[n, P]`` per-sample ``∂ℓ_i/∂θ_k`` of the ``P`` selected weights.
        curvatures: ``[n, P]`` per-sample diagonal Gauss–Newton ``(J_iᵀ ∇²_out ℓ_i J_i)_kk``.
        names: the ``keystr`` of each selected leaf, in order.
        sizes: the number of weights of each selected leaf.
    """

    grads: jax.Array
    curvatures: jax.Array
    names: tuple[str, ...]
    sizes: tuple[int, ...]


def sample_terms(learner: Any, params: Any, data: Dataset, *, include: Callable = is_weight,
                 batch_size: int = 64) -> SampleTerms:
    """Per-sample gradients and Gauss–Newton diagonals of ``learner`` at ``params`` on ``data``
    (single-example code, ``lax.map``-ped over samples in chunks of ``batch_size``)."""
    leaves = selected_leaves(params, include)
    names = tuple(name for name, _ in leaves)
    grads, curvs = _per_sample_terms(learner, names, batch_size, params, data.x, data.y)
    return SampleTerms(grads, curvs, names, tuple(int(leaf.size) for _, leaf in leaves))


# jit: when n is not a multiple of batch_size, lax.map runs the remainder as a plain vmap,
# which eager dispatch executes primitive by primitive (~170 compilations, 7 s for a 16-unit
# MLP on 200 samples; jitted: one program, 0.7 s). The learner is a hashable dataclass.
@functools.partial(jax.jit, static_argnums=(0, 1, 2))
def _per_sample_terms(learner, names, batch_size, params, x, y):
    def one(xy):
        x, y = xy
        out_loss = lambda o: learner.output_loss(o[None], x[None], y[None])[0]
        out = learner.predict(params, x[None])[0]
        jac = jax.jacrev(lambda p: learner.predict(p, x[None])[0])(params)
        hess = jax.hessian(out_loss)(out).reshape(out.size, out.size)
        g_out = jax.grad(out_loss)(out).reshape(out.size)
        grads, curvs = [], []
        for _, j in selected_leaves(jac, lambda name, _: name in names):
            j = j.reshape(out.size, -1)
            grads.append(g_out @ j)
            curvs.append(jnp.einsum("ck,cd,dk->k", j, hess, j))
        return jnp.concatenate(grads), jnp.concatenate(curvs)

    return jax.lax.map(one, (x, y), batch_size=batch_size)


# jit: per-weight rates over all weights and resamples, called once per quantizer: compiled once
@jax.jit
def weight_variance(grads: jax.Array, curvatures: jax.Array, penalty: float,
                    counts: jax.Array | None = None) -> jax.Array:
    """Diagonal sandwich ``V_kk = Var_i(g_ik) / H_kk²`` with ``H_kk = mean_i h_ik + penalty``
    (``counts [..., n]``: multiplicities of a resample). Zero where no sample moves the weight."""
    n = grads.shape[0]
    counts = jnp.ones((n,), grads.dtype) if counts is None else counts
    _, var = weighted_mean_var(grads, counts)
    curv = counts @ curvatures / n + penalty
    return jnp.where((var > 0) & (curv > 0), var / jnp.where(curv > 0, curv, 1.0) ** 2, 0.0)


def bootstrap_variances(terms: SampleTerms, penalty: float, counts: jax.Array) -> jax.Array:
    """``[B, K]``: :func:`weight_variance` under every resample ``counts [B, n]``. It does not
    depend on the quantizer, so a study that indicates many quantizers of one model computes
    it once and passes it to :func:`threshold_indicator` (``boot_variance=``); the values are
    those the indicator computes itself (the same resamples, mapped in the same batches)."""
    return _bootstrap_variances(terms.grads, terms.curvatures, penalty, counts)


# jit: lax.map's remainder (B not a multiple of 16) would otherwise run eagerly, op by op
@jax.jit
def _bootstrap_variances(grads, curvatures, penalty, counts):
    return jax.lax.map(lambda c: weight_variance(grads, curvatures, penalty, c), counts,
                       batch_size=16)


def weight_rates(delta: jax.Array, variance: jax.Array) -> jax.Array:
    """``r_k = δ_k² / (2 V_kk)``; ``∞`` where ``V_kk = 0``."""
    return jnp.where(variance > 0, delta**2 / (2 * jnp.where(variance > 0, variance, 1.0)),
                     jnp.inf)


def threshold_distances(quantizer: Quantizer, params: Any, *, key: jax.Array | None = None,
                        calibration: Mapping[str, jax.Array] | None = None,
                        include: Callable = is_weight) -> jax.Array:
    """``δ_k`` of every selected weight, flattened in tree order: the distance to the nearest
    threshold of ``quantizer``, and 0 for weights it leaves unchanged (continuous release).
    Leaf ``i`` uses ``fold_in(key, i)`` as in :func:`mis.quantizers.quantize_tree`."""
    calibration = dict(calibration or {})
    released = quantize_tree(quantizer, params, key=key, calibration=calibration,
                             include=include)
    flat = jax.tree_util.tree_flatten_with_path(params)[0]
    flat_q = jax.tree.leaves(released)
    out = []
    for i, ((path, w), wq) in enumerate(zip(flat, flat_q, strict=True)):
        name = jax.tree_util.keystr(path)
        if not include(name, w):
            continue
        leaf_key = None if key is None or not quantizer.needs_key else jax.random.fold_in(key, i)
        d = distance_to_threshold(quantizer, w, key=leaf_key, inputs=calibration.get(name))
        out.append(jnp.where(wq == w, 0.0, d).ravel())
    return jnp.concatenate(out)


def threshold_indicator(learner: Any, params: Any, data: Dataset, quantizer: Quantizer, *,
                        key: jax.Array | None = None,
                        calibration: Mapping[str, jax.Array] | None = None,
                        include: Callable = is_weight, aggregate: str = "lse",
                        num_bootstrap: int = 200, bootstrap_key: jax.Array | None = None,
                        confidence: float = 0.95, terms: SampleTerms | None = None,
                        delta: jax.Array | None = None,
                        boot_variance: jax.Array | None = None) -> Indicator:
    r"""Variant A: ``r̂ = agg_k δ_k² / (2 V_kk)`` from one trained model (THEORY §6).

    Args:
        learner: the learner that trained ``params`` (``predict``, ``output_loss``,
            ``penalty_curvature``).
        params: the full-precision trained parameters ``θ̂``.
        data: the training set (the ``n`` members only).
        quantizer: the release ``Q``; ``key`` / ``calibration`` as for ``quantize_tree``.
        include: which leaves are quantized (default ``mis.quantizers.is_weight``).
        aggregate: ``"lse"`` (default, ranks) or ``"min"`` (THEORY's literal formula).
        num_bootstrap: resamples of the training samples for the interval (the distances stay
            those of ``θ̂``; the interval covers the variance estimate).
        bootstrap_key: key of the resampling (default ``key(0)``).
        confidence: two-sided level of the percentile interval.
        terms: precomputed :func:`sample_terms` (shared across quantizers).
        delta: precomputed :func:`threshold_distances` (shared with variant B).
        boot_variance: precomputed :func:`bootstrap_variances` of ``terms`` under the
            resamples that ``bootstrap_key`` / ``num_bootstrap`` draw (shared across
            quantizers; the result is the same as without it).

    Returns:
        :class:`~mis.indicator.Indicator` with ``num_terms`` = number of selected weights.

    Raises:
        ValueError: for quantizers without thresholds (stochastic rounding).
    """
    check_aggregate(aggregate)
    n = int(data.x.shape[0])
    terms = terms if terms is not None else sample_terms(learner, params, data, include=include)
    penalty = float(learner.penalty_curvature(n))
    if delta is None:
        delta = threshold_distances(quantizer, params, key=key, calibration=calibration,
                                    include=include)
    rates = weight_rates(delta, weight_variance(terms.grads, terms.curvatures, penalty))
    if boot_variance is None:
        counts = bootstrap_counts(bootstrap_key if bootstrap_key is not None else
                                  jax.random.key(0), num_bootstrap, n)
        boot_variance = bootstrap_variances(terms, penalty, counts)
    elif boot_variance.shape != (num_bootstrap, delta.size):
        raise ValueError(f"boot_variance has shape {boot_variance.shape}; expected "
                         f"({num_bootstrap}, {delta.size})")
    boot = weight_rates(delta, boot_variance)
    return make_indicator(rates, boot, n, delta.size, aggregate, confidence)
