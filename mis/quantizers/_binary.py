"""Identity, sign (binary) and ternary quantizers (device, jnp).

THEORY §8 definitions: sign ``α·sign(w)``, ``α = mean|w|``; ternary absmean (BitNet b1.58)
``γ·clip(round(w/γ), −1, 1)``, ``γ = mean|w|``; ternary with sparsity ``p``: the ``⌊p m⌋``
smallest magnitudes become zero, the others ``α·sign(w)`` with ``α`` = mean of the kept ``|w|``.

References:
    Rastegari et al., "XNOR-Net", 2016, arXiv:1603.05279 (sign with mean-|w| scale).
    Ma et al., "The Era of 1-bit LLMs: All Large Language Models are in 1.58 Bits", 2024,
    arXiv:2402.17764 (absmean ternary).
    Zhu et al., "Trained Ternary Quantization", 2016, arXiv:1612.01064 (ternary thresholds).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from mis.quantizers._base import (
    SCALE_BITS,
    GroupQuantizer,
    check_fraction,
    per_weight,
    quantizer_class,
)


@quantizer_class
class Identity(GroupQuantizer):
    """No quantization (float32 storage): the full-precision reference of every comparison."""

    def _group(self, g):
        return g

    def _group_distance(self, g):
        return jnp.full_like(g, jnp.inf)  # no threshold anywhere

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), False, SCALE_BITS, 0)

    @property
    def spec(self) -> str:
        return "none"


@quantizer_class
class Sign(GroupQuantizer):
    """Binary ``α·sign(w)`` with ``α = mean|w|`` per group; ``sign(0) = +1``. Threshold: 0."""

    per_channel: bool = False

    def _group(self, g):
        return jnp.mean(jnp.abs(g)) * jnp.where(g >= 0, 1.0, -1.0).astype(g.dtype)

    def _group_distance(self, g):
        return jnp.abs(g)

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), self.per_channel, 1, SCALE_BITS)

    @property
    def spec(self) -> str:
        return "sign" + self._suffix()


@quantizer_class
class BitNet(GroupQuantizer):
    """Ternary absmean: ``γ·clip(round(w/γ), −1, 1)``, ``γ = mean|w|``. Thresholds ``±γ/2``."""

    per_channel: bool = False

    def _group(self, g):
        gamma = jnp.mean(jnp.abs(g))
        safe = jnp.where(gamma > 0, gamma, 1.0)
        return gamma * jnp.clip(jnp.round(g / safe), -1, 1)

    def _group_distance(self, g):
        return jnp.abs(jnp.abs(g) - jnp.mean(jnp.abs(g)) / 2)

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), self.per_channel, math.log2(3), SCALE_BITS)

    @property
    def spec(self) -> str:
        return "bitnet" + self._suffix()


def smallest_mask(g: jax.Array, p: float) -> jax.Array:
    """True for exactly ``⌊p m⌋`` entries of smallest ``|g|`` (ties broken by position)."""
    num_zero = int(p * g.shape[0])
    ranks = jnp.argsort(jnp.argsort(jnp.abs(g), stable=True), stable=True)
    return ranks < num_zero


def magnitude_threshold(g: jax.Array, p: float) -> jax.Array:
    """Decision threshold between the pruned and the kept magnitudes: the midpoint of the
    ``⌊p m⌋``-th and next order statistics of ``|g|`` (0 when nothing is pruned)."""
    num_zero = int(p * g.shape[0])
    if num_zero == 0:
        return jnp.zeros((), g.dtype)
    a = jnp.sort(jnp.abs(g))
    return (a[num_zero - 1] + a[num_zero]) / 2


@quantizer_class
class Ternary(GroupQuantizer):
    """Ternary with sparsity ``p``: zero for the ``⌊p m⌋`` smallest ``|w|``, else ``α·sign(w)``
    with ``α`` the mean kept ``|w|``. Thresholds ``±t`` at the ``p``-quantile of ``|w|``."""

    p: float = 0.5
    per_channel: bool = False

    def __post_init__(self):
        check_fraction(self.p, "ternary")

    def _group(self, g):
        zero = smallest_mask(g, self.p)
        kept = jnp.where(zero, 0.0, jnp.abs(g))
        alpha = jnp.sum(kept) / jnp.maximum(jnp.sum(~zero), 1)
        return jnp.where(zero, 0.0, alpha * jnp.where(g >= 0, 1.0, -1.0)).astype(g.dtype)

    def _group_distance(self, g):
        return jnp.abs(jnp.abs(g) - magnitude_threshold(g, self.p))

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), self.per_channel, math.log2(3), SCALE_BITS)

    @property
    def spec(self) -> str:
        return f"ternary:{self.p:g}" + self._suffix()
