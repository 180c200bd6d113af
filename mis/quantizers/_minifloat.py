"""Minifloat quantizers: fp8 e4m3 / e5m2 and fp4 e2m1, round-to-nearest-even (device, jnp).

A format with ``E`` exponent bits, ``M`` mantissa bits and bias ``B`` represents ``0``,
subnormals ``k·2^{1−B−M}`` and normals ``(1 + k/2^M)·2^e``, ``e ≥ 1 − B``, up to its largest
finite value. ``Q(w) = s·RNE(w/s)`` saturates at ``±max``; with ``scaled=True`` (the default, as
in fp8 inference) ``s = max|w| / max`` per group, else ``s = 1`` (a plain cast). Rounding is
computed from the binary exponent (``frexp``), so it is exact; tests check it against the
``ml_dtypes`` casts ``float8_e4m3fn``, ``float8_e5m2`` and ``float4_e2m1fn``.

References:
    Micikevicius et al., "FP8 Formats for Deep Learning", 2022, arXiv:2209.05433.
    Open Compute Project, "OCP Microscaling Formats (MX) v1.0", 2023 (fp4 e2m1).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from mis.quantizers._base import (
    SCALE_BITS,
    GroupQuantizer,
    distance_to_sorted,
    per_weight,
    quantizer_class,
    safe_scale,
)

# name: (exponent bits, mantissa bits, bias, largest finite value)
FORMATS = {
    "fp8_e4m3": (4, 3, 7, 448.0),
    "fp8_e5m2": (5, 2, 15, 57344.0),
    "fp4_e2m1": (2, 1, 1, 6.0),
}


def format_levels(name: str) -> np.ndarray:
    """Every finite value of format ``name``, sorted (host, NumPy; used for thresholds)."""
    _, man, bias, top = FORMATS[name]
    emin = 1 - bias
    pos = [k * 2.0 ** (emin - man) for k in range(2**man)]  # zero and subnormals
    e = emin
    while 2.0**e <= top:
        pos += [(1 + k / 2**man) * 2.0**e for k in range(2**man)]
        e += 1
    kept = np.array([v for v in pos if v <= top])
    return np.unique(np.concatenate([-kept, kept]))


@quantizer_class
class MiniFloat(GroupQuantizer):
    """Round-to-nearest-even onto a minifloat format (``fp8_e4m3``, ``fp8_e5m2``, ``fp4_e2m1``)."""

    format: str = "fp8_e4m3"
    scaled: bool = True
    per_channel: bool = False

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"minifloat format {self.format!r} is unknown; use one of "
                             + ", ".join(FORMATS))

    def _scale(self, g):
        if not self.scaled:
            return jnp.ones((), g.dtype)
        return safe_scale(jnp.max(jnp.abs(g)) / FORMATS[self.format][3])

    def _group(self, g):
        _, man, bias, top = FORMATS[self.format]
        s = self._scale(g)
        a = jnp.abs(g / s)
        _, exp = jnp.frexp(a)  # a = f·2^exp, f in [0.5, 1)
        e = jnp.maximum(exp - 1, 1 - bias)
        quantum = jnp.ldexp(jnp.ones((), g.dtype), e - man)  # exact power of two
        q = jnp.minimum(jnp.round(a / quantum) * quantum, top)
        return (jnp.where(g < 0, -q, q) * s).astype(g.dtype)

    def _group_distance(self, g):
        levels = format_levels(self.format)
        mids = jnp.asarray((levels[1:] + levels[:-1]) / 2, g.dtype)
        s = self._scale(g)
        return distance_to_sorted(g / s, mids) * s

    def storage_bits(self, w: ArrayLike) -> float:
        code = 1 + sum(FORMATS[self.format][:2])
        return per_weight(jnp.shape(w), self.per_channel, code, SCALE_BITS if self.scaled else 0)

    @property
    def spec(self) -> str:
        return self.format + ("" if self.scaled else ":raw") + self._suffix()
