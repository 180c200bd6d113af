"""Uniform (round-to-nearest and stochastic) and power-of-two quantizers (device, jnp).

Symmetric absmax, ``b`` bits: ``s = max|w| / (2^{b-1} − 1)``, ``Q(w) = s·round(w/s)``, codes in
``[−(2^{b−1}−1), 2^{b−1}−1]``. Asymmetric min–max: ``s = (max(w,0) − min(w,0)) / (2^b − 1)``,
zero point ``z = round(−min(w,0)/s)``, ``Q(w) = s·(clip(round(w/s) + z, 0, 2^b − 1) − z)``.
Decision thresholds sit half-way between codes. Stochastic rounding rounds ``u = w/s`` up with
probability ``u − ⌊u⌋`` (unbiased). Power-of-two: magnitudes ``s·2^{−j}``, ``j < 2^{b−1} − 1``,
``s = max|w|``, rounded to nearest in ``log2``, plus zero.

References:
    Jacob et al., "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-
    Only Inference", 2017, arXiv:1712.05877.
    Gupta et al., "Deep Learning with Limited Numerical Precision", 2015, arXiv:1502.02551.
    Miyashita et al., "Convolutional Neural Networks using Logarithmic Data Representation",
    2016, arXiv:1603.01025.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from mis.quantizers._base import (
    SCALE_BITS,
    GroupQuantizer,
    check_bits,
    per_weight,
    quantizer_class,
    safe_scale,
)


class Grid(NamedTuple):
    """A uniform grid ``scale·(code − zero)``, ``code ∈ [qmin, qmax]``."""

    scale: jax.Array
    zero: jax.Array
    qmin: int
    qmax: int


def uniform_grid(g: jax.Array, bits: int, symmetric: bool) -> Grid:
    """The absmax (symmetric) or min–max (asymmetric, zero included) grid of one group."""
    if symmetric:
        qmax = 2 ** (bits - 1) - 1
        return Grid(safe_scale(jnp.max(jnp.abs(g)) / qmax), jnp.zeros((), g.dtype), -qmax, qmax)
    qmax = 2**bits - 1
    lo, hi = jnp.minimum(jnp.min(g), 0), jnp.maximum(jnp.max(g), 0)
    scale = safe_scale((hi - lo) / qmax)
    return Grid(scale, jnp.round(-lo / scale), 0, qmax)


def round_to_grid(x: jax.Array, grid: Grid) -> jax.Array:
    """Round-to-nearest (ties to even) onto ``grid``, clipped to its range."""
    code = jnp.clip(jnp.round(x / grid.scale) + grid.zero, grid.qmin, grid.qmax)
    return (code - grid.zero) * grid.scale


def grid_distance(x: jax.Array, grid: Grid) -> jax.Array:
    """Distance of ``x`` to the nearest mid-point between two codes of ``grid``."""
    u = x / grid.scale + grid.zero
    t = jnp.clip(jnp.round(u - 0.5) + 0.5, grid.qmin + 0.5, grid.qmax - 0.5)
    return jnp.abs(u - t) * grid.scale


@quantizer_class
class Uniform(GroupQuantizer):
    """Uniform ``bits``-bit round-to-nearest, symmetric absmax or asymmetric min–max."""

    bits: int = 8
    symmetric: bool = True
    per_channel: bool = False

    def __post_init__(self):
        check_bits(self.bits, 2, 16, "uniform")

    def _group(self, g):
        return round_to_grid(g, uniform_grid(g, self.bits, self.symmetric))

    def _group_distance(self, g):
        return grid_distance(g, uniform_grid(g, self.bits, self.symmetric))

    def storage_bits(self, w: ArrayLike) -> float:
        extra = SCALE_BITS if self.symmetric else SCALE_BITS + self.bits  # scale (+ zero point)
        return per_weight(jnp.shape(w), self.per_channel, self.bits, extra)

    @property
    def spec(self) -> str:
        return f"uniform:{self.bits}" + ("" if self.symmetric else ":asym") + self._suffix()


@quantizer_class
class FixedGrid(GroupQuantizer):
    """Round to the fixed grid ``step·ℤ`` (no scale, no clipping): the data-independent
    quantizer of THEORY §5, ``Q(x) = step·round(x/step)``, thresholds at ``step·(ℤ + ½)``.

    The only zoo member whose cells do not depend on the weights, hence the one for which the
    exact MIS of the quantized Gaussian mean is computable (``theory``). Storage: the codes
    actually used, ``ceil(log2(#codes))`` bits per weight, and no scale."""

    step: float = 0.1
    per_channel: bool = False

    def __post_init__(self):
        ok = isinstance(self.step, int | float) and not isinstance(self.step, bool)
        if not (ok and 0 < self.step < float("inf")):
            raise ValueError(f"grid: step={self.step!r} is not allowed; use a number > 0")

    def _group(self, g):
        return (jnp.round(g / self.step) * self.step).astype(g.dtype)

    def _group_distance(self, g):
        u = g / self.step
        return (jnp.abs(u - (jnp.floor(u) + 0.5)) * self.step).astype(g.dtype)

    def storage_bits(self, w: ArrayLike) -> float:
        codes = jnp.round(jnp.asarray(w) / self.step)
        span = float(jnp.max(codes) - jnp.min(codes)) + 1 if jnp.size(w) else 1
        return per_weight(jnp.shape(w), False, math.ceil(math.log2(max(span, 2))), 0)

    @property
    def spec(self) -> str:
        return f"grid:{self.step:g}"


@quantizer_class
class Stochastic(GroupQuantizer):
    """Uniform symmetric ``bits``-bit grid with unbiased stochastic rounding (needs a key):
    ``E[Q(w)] = w``. It has no decision thresholds: every weight is randomised."""

    bits: int = 8
    per_channel: bool = False
    needs_key = True
    has_thresholds = False

    def __post_init__(self):
        check_bits(self.bits, 2, 16, "stochastic")

    def _group(self, g, key):
        grid = uniform_grid(g, self.bits, True)
        u = g / grid.scale
        low = jnp.floor(u)
        up = jax.random.uniform(key, g.shape, g.dtype) < (u - low)
        return jnp.clip(low + up.astype(g.dtype), grid.qmin, grid.qmax) * grid.scale

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), self.per_channel, self.bits, SCALE_BITS)

    @property
    def spec(self) -> str:
        return f"stochastic:{self.bits}" + self._suffix()


@quantizer_class
class Log2(GroupQuantizer):
    """Power-of-two ``bits``-bit: sign bit plus ``2^{b−1} − 1`` magnitudes ``s·2^{−j}`` and
    zero, ``s = max|w|``; rounding to nearest in ``log2`` (thresholds ``s·2^{−j−1/2}``)."""

    bits: int = 4
    per_channel: bool = False

    def __post_init__(self):
        check_bits(self.bits, 2, 8, "log2")

    def _log_position(self, g):
        s = safe_scale(jnp.max(jnp.abs(g)))
        return s, -jnp.log2(jnp.abs(g) / s)  # v >= 0; +inf at zero

    def _group(self, g):
        s, v = self._log_position(g)
        m = 2 ** (self.bits - 1) - 1
        j = jnp.floor(v + 0.5)
        mag = jnp.where(j <= m - 1, jnp.ldexp(s, -jnp.minimum(j, m - 1).astype(jnp.int32)), 0.0)
        return jnp.where(g >= 0, mag, -mag).astype(g.dtype)

    def _group_distance(self, g):
        s, v = self._log_position(g)
        m = 2 ** (self.bits - 1) - 1
        j = jnp.clip(jnp.floor(v - 0.5), 0, m - 1)
        below = s * jnp.exp2(-jnp.minimum(j + 1, m - 1) - 0.5)
        here = s * jnp.exp2(-j - 0.5)
        a = jnp.abs(g)
        return jnp.minimum(jnp.abs(a - here), jnp.abs(a - below))

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), self.per_channel, self.bits, SCALE_BITS)

    @property
    def spec(self) -> str:
        return f"log2:{self.bits}" + self._suffix()
