"""Magnitude pruning, alone or composed with a quantizer (device, jnp).

``prune:p`` zeroes exactly ``⌊p m⌋`` weights of smallest magnitude per group and keeps the others
in full precision; its decision threshold is the mid-point between the largest pruned and the
smallest kept magnitude. ``prune:p+Q`` then applies ``Q`` to the pruned tensor and keeps the
pruned weights at zero (prune first, as in Deep Compression).

References:
    Han, Pool, Tran, Dally, "Learning both Weights and Connections for Efficient Neural
    Networks", 2015, arXiv:1506.02626.
    Han, Mao, Dally, "Deep Compression", 2015, arXiv:1510.00149.
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
    compiled,
    map_groups,
    quantizer_class,
    require_key,
)
from mis.quantizers._binary import magnitude_threshold, smallest_mask


@quantizer_class
class Prune(GroupQuantizer):
    """Zero the ``⌊p m⌋`` smallest ``|w|`` per group; keep the rest exactly."""

    p: float = 0.5
    per_channel: bool = False

    def __post_init__(self):
        check_fraction(self.p, "prune")

    def _group(self, g):
        return jnp.where(smallest_mask(g, self.p), jnp.zeros_like(g), g)

    def _group_distance(self, g):
        return jnp.abs(jnp.abs(g) - magnitude_threshold(g, self.p))

    def keep_mask(self, w: ArrayLike) -> jax.Array:
        """Boolean mask of the weights that survive pruning."""
        keep = lambda g: (~smallest_mask(g, self.p)).astype(g.dtype)
        return map_groups(keep, w, self.per_channel) > 0

    def num_kept(self, w: ArrayLike) -> int:
        shape = jnp.shape(w)
        groups = shape[-1] if self.per_channel and len(shape) >= 2 else 1
        per_group = math.prod(shape) // groups
        return groups * (per_group - int(self.p * per_group))

    def storage_bits(self, w: ArrayLike) -> float:
        return math.prod(jnp.shape(w)) + self.num_kept(w) * SCALE_BITS  # bitmask + kept values

    @property
    def spec(self) -> str:
        return f"prune:{self.p:g}" + self._suffix()


@quantizer_class
class Pruned:
    """``prune`` first, then ``inner`` on the pruned tensor; pruned weights stay zero."""

    prune: Prune
    inner: GroupQuantizer
    _children = ("prune", "inner")

    def __post_init__(self):
        if self.inner.needs_calibration:
            raise ValueError(f"{self.inner.spec!r} needs calibration data and cannot follow "
                             "pruning; use it alone")
        if isinstance(self.inner, Prune | Pruned):
            raise ValueError("prune can be composed with one quantizer, not with another prune")

    @property
    def needs_key(self) -> bool:
        return self.inner.needs_key

    needs_calibration = False

    @property
    def has_thresholds(self) -> bool:
        return self.inner.has_thresholds

    def __call__(self, w: ArrayLike, *, key: jax.Array | None = None,
                 inputs: ArrayLike | None = None) -> jax.Array:
        del inputs
        if self.needs_key:
            require_key(key, self.spec)
        return self._quantize(jnp.asarray(w), key if self.needs_key else None)

    @compiled
    def _quantize(self, w, key):
        keep = self.prune.keep_mask(w)
        pruned = jnp.where(keep, w, jnp.zeros_like(w))
        return jnp.where(keep, self.inner(pruned, key=key), jnp.zeros_like(w))

    def distance_to_threshold(self, w: ArrayLike, *, key: jax.Array | None = None,
                              inputs: ArrayLike | None = None) -> jax.Array:
        del inputs
        if not self.has_thresholds:
            raise ValueError(f"{self.spec!r} rounds at random and has no decision thresholds "
                             "(has_thresholds is False); use the loss-gap indicator")
        if self.needs_key:
            require_key(key, self.spec)
        return self._distance(jnp.asarray(w), key if self.needs_key else None)

    @compiled
    def _distance(self, w, key):
        keep = self.prune.keep_mask(w)
        to_prune = self.prune.distance_to_threshold(w)
        inner = self.inner.distance_to_threshold(jnp.where(keep, w, jnp.zeros_like(w)), key=key)
        return jnp.where(keep, jnp.minimum(to_prune, inner), to_prune)

    def storage_bits(self, w: ArrayLike) -> float:
        size = math.prod(jnp.shape(w))
        return size + self.prune.num_kept(w) / size * self.inner.storage_bits(w)

    @property
    def spec(self) -> str:
        return f"{self.prune.spec}+{self.inner.spec}"
