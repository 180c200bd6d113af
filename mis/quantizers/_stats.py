"""Per-tensor facts about a quantizer: storage cost, sparsity, levels, threshold distances."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from mis.quantizers._base import Quantizer
from mis.quantizers._tree import is_weight, selected_leaves


def bits_per_weight(q: Quantizer, w: ArrayLike) -> float:
    """Storage cost of ``q(w)`` in bits per weight, scales, zero points, codebooks and sparsity
    masks included (fixed-length codes; ternary codes counted at ``log2 3`` bits, packed)."""
    return float(q.storage_bits(w)) / math.prod(jnp.shape(w))


def sparsity(wq: ArrayLike) -> jax.Array:
    """Fraction of exact zeros in a (quantized) tensor (device, jit-able)."""
    return jnp.mean(jnp.asarray(wq) == 0)


def num_levels(wq: ArrayLike, *, per_channel: bool = False) -> int:
    """Number of distinct values in a quantized tensor; with ``per_channel`` the largest number
    over output channels (last axis). Host function (NumPy)."""
    a = np.asarray(wq)
    if per_channel and a.ndim >= 2:
        a = np.moveaxis(a, -1, 0).reshape(a.shape[-1], -1)
        return max(len(np.unique(row)) for row in a)
    return len(np.unique(a))


def distance_to_threshold(q: Quantizer, w: ArrayLike, *, key: jax.Array | None = None,
                          inputs: ArrayLike | None = None) -> jax.Array:
    r"""Distance of every weight to its nearest decision threshold of ``q``.

    ``δ_k = min_t |w_k − t|`` over the thresholds ``t`` at which ``q``'s output for weight ``k``
    changes, recomputed from ``w`` for data-dependent quantizers (scales, quantiles, centroids;
    GPTQ uses the error-compensated weight at the time it is rounded). This is the numerator of
    the threshold indicator ``r̂ = min_k δ_k² / (2σ_k²)`` (THEORY §6, variant A).

    Raises:
        ValueError: for a quantizer without thresholds (``q.has_thresholds`` is False:
        stochastic rounding).
    """
    return q.distance_to_threshold(w, key=key, inputs=inputs)


class QuantizerSummary(NamedTuple):
    """What ``mis quantizers`` prints for one quantizer on one tensor."""

    spec: str
    bits_per_weight: float
    sparsity: float
    num_levels: int
    relative_error: float  # ‖q(w) − w‖ / ‖w‖
    median_distance: float  # median distance to the nearest threshold (nan if none)


def summarize(q: Quantizer, w: ArrayLike, *, key: jax.Array | None = None,
              inputs: ArrayLike | None = None) -> QuantizerSummary:
    """Apply ``q`` to ``w`` and collect the table row (host)."""
    w = jnp.asarray(w)
    wq = q(w, key=key, inputs=inputs)
    err = float(jnp.linalg.norm(wq - w) / jnp.linalg.norm(w))
    med = (float(jnp.median(distance_to_threshold(q, w, key=key, inputs=inputs)))
           if q.has_thresholds else float("nan"))
    return QuantizerSummary(q.spec, bits_per_weight(q, w), float(sparsity(wq)),
                            num_levels(wq), err, med)


class TreeStorage(NamedTuple):
    """Storage of a released parameter tree (the leaves ``include`` selects).

    Attributes:
        bits_per_weight: total storage bits of the quantized leaves (codes, scales, masks,
            codebooks) over their number of weights.
        sparsity: fraction of exact zeros among those weights in the release.
    """

    bits_per_weight: float
    sparsity: float


def tree_storage(q: Quantizer, params: Any, released: Any, *,
                 include: Callable[[str, jax.Array], bool] = is_weight) -> TreeStorage:
    """Bits per weight and sparsity of ``released = quantize_tree(q, params)`` over the
    selected leaves of one model (host: returns Python floats)."""
    leaves = [w for _, w in selected_leaves(params, include)]
    out = [w for _, w in selected_leaves(released, include)]
    size = sum(w.size for w in leaves)
    bits = sum(float(q.storage_bits(w)) for w in leaves) / size
    zeros = sum(int(jnp.sum(r == 0)) for r in out) / size
    return TreeStorage(bits, zeros)
