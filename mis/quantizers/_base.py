"""The quantizer contract and the per-group machinery every quantizer shares (device, jnp).

A quantizer is a frozen dataclass registered as a pytree. Its call ``q(w, *, key=None)`` maps one
tensor to a tensor of the same shape and dtype. Scales are computed from the tensor itself, per
tensor or per output channel; the output channel is the last axis (flax ``Dense`` kernels are
``[in, out]``). Each quantizer writes the code for one *group* (a flat vector sharing one scale)
and the group code is vmapped over channels here, the "single example, vmapped at the edge"
pattern.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from typing import Protocol, TypeVar, runtime_checkable

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

SCALE_BITS = 32  # a float32 scale, offset or codebook entry


@runtime_checkable
class Quantizer(Protocol):
    """What every quantizer provides.

    ``__call__(w, *, key=None, inputs=None)`` quantizes one tensor (same shape and dtype).
    ``distance_to_threshold(w, *, key=None, inputs=None)`` is the distance of every weight to its
    nearest decision threshold, recomputed from ``w`` for data-dependent quantizers (THEORY §6,
    variant A). ``storage_bits(w)`` is the cost of storing the quantized tensor, scales and
    codebooks included. ``spec`` is the string that ``mis.quantizers.parse`` turns back into an
    equal quantizer.

    What a caller must know is a static attribute, never found out by catching an exception:

    - ``needs_key``: randomised (``key`` is required; stochastic rounding, k-means init);
    - ``needs_calibration``: ``inputs`` (``[n, d_in]`` inputs of a ``[d_in, d_out]`` kernel)
      is required (GPTQ); every other quantizer accepts and ignores it;
    - ``has_thresholds``: the output is a deterministic step function of ``w`` given the key,
      so ``distance_to_threshold`` is defined (False for stochastic rounding).
    """

    @property
    def needs_key(self) -> bool: ...

    @property
    def needs_calibration(self) -> bool: ...

    @property
    def has_thresholds(self) -> bool: ...

    def __call__(self, w: ArrayLike, *, key: jax.Array | None = None,
                 inputs: ArrayLike | None = None) -> jax.Array: ...

    def distance_to_threshold(self, w: ArrayLike, *, key: jax.Array | None = None,
                              inputs: ArrayLike | None = None) -> jax.Array: ...

    def storage_bits(self, w: ArrayLike) -> float: ...

    @property
    def spec(self) -> str: ...


T = TypeVar("T")
F = TypeVar("F", bound=typing.Callable)


@typing.dataclass_transform(frozen_default=True)
def quantizer_class(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass and a pytree.

    Fields named in ``cls._children`` (nested quantizers) are pytree children; every other field
    (bit widths, sparsities, flags) is static, so quantizers are hashable and cost nothing to pass
    through ``jit``.
    """
    data = dataclasses.dataclass(frozen=True)(cls)
    names = [f.name for f in dataclasses.fields(data)]  # type: ignore[arg-type]
    children = list(getattr(data, "_children", ()))
    meta = [n for n in names if n not in children]
    return jax.tree_util.register_dataclass(data, data_fields=children, meta_fields=meta)


def check_bits(bits: int, lo: int, hi: int, name: str) -> None:
    if not isinstance(bits, int) or isinstance(bits, bool) or not lo <= bits <= hi:
        raise ValueError(f"{name}: bits={bits!r} is not allowed; use an integer in {lo}..{hi}")


def check_fraction(p: float, name: str, *, allow_zero: bool = True) -> None:
    ok = isinstance(p, int | float) and not isinstance(p, bool) and (0 <= p < 1)
    if not ok or (not allow_zero and p == 0):
        lo = "0 <=" if allow_zero else "0 <"
        raise ValueError(f"{name}: p={p!r} is not allowed; use a number with {lo} p < 1")


def num_groups(shape: tuple[int, ...], per_channel: bool) -> int:
    """Number of scale groups: one per output channel (last axis) or one per tensor."""
    return shape[-1] if per_channel and len(shape) >= 2 else 1


def to_groups(w: jax.Array, per_channel: bool) -> jax.Array:
    """``[G, m]`` view of ``w``: row g holds output channel g (or the whole tensor)."""
    if per_channel and w.ndim >= 2:
        return jnp.moveaxis(w, -1, 0).reshape(w.shape[-1], -1)
    return w.reshape(1, -1)


def from_groups(g: jax.Array, shape: tuple[int, ...], per_channel: bool) -> jax.Array:
    """Inverse of :func:`to_groups`."""
    if per_channel and len(shape) >= 2:
        moved = (shape[-1],) + tuple(shape[:-1])
        return jnp.moveaxis(g.reshape(moved), 0, -1)
    return g.reshape(shape)


def map_groups(fn: typing.Callable[..., jax.Array], w: ArrayLike, per_channel: bool,
               key: jax.Array | None = None) -> jax.Array:
    """Apply the single-group function ``fn(group[, key])`` to every group of ``w``.

    Computation runs in float32 (float64 when ``w`` is float64); the result is cast back to the
    dtype of ``w``, and has its shape.
    """
    w = jnp.asarray(w)
    if not jnp.issubdtype(w.dtype, jnp.floating):
        raise TypeError(f"quantizers take floating-point tensors, got dtype {w.dtype}")
    work = w.astype(jnp.promote_types(w.dtype, jnp.float32))
    groups = to_groups(work, per_channel)
    if key is None:
        out = jax.vmap(fn)(groups)
    else:
        out = jax.vmap(fn)(groups, jax.random.split(key, groups.shape[0]))
    return from_groups(out, w.shape, per_channel).astype(w.dtype)


def distance_to_sorted(x: jax.Array, thresholds: jax.Array) -> jax.Array:
    """``min_t |x - t|`` over a sorted 1-D threshold vector (binary search, O(log T))."""
    i = jnp.searchsorted(thresholds, x)
    lo = thresholds[jnp.clip(i - 1, 0, thresholds.shape[0] - 1)]
    hi = thresholds[jnp.clip(i, 0, thresholds.shape[0] - 1)]
    return jnp.minimum(jnp.abs(x - lo), jnp.abs(x - hi))


def safe_scale(scale: jax.Array) -> jax.Array:
    """A scale of exactly zero (constant tensor) becomes one, so the tensor maps to itself."""
    return jnp.where(scale > 0, scale, jnp.ones_like(scale))


def per_weight(shape: tuple[int, ...], per_channel: bool, code_bits: float,
               extra_bits_per_group: float) -> float:
    """Total storage bits: ``code_bits`` per weight plus a per-group overhead."""
    size = math.prod(shape)
    return size * code_bits + num_groups(shape, per_channel) * extra_bits_per_group


def compiled(method: F) -> F:
    """Compile a quantizer method once per (quantizer, shape, dtype), the quantizer static.

    A deliberate exception to "no jit inside mis": eager dispatch re-traces every ``lax`` loop on
    every call (k-means took 7.7 s per eager call vs 2 ms compiled on a 12x3 tensor). Inside a
    caller's ``jit`` this nested ``jit`` is simply inlined.
    """
    jitted = jax.jit(method, static_argnums=0)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        return jitted(self, *args, **kwargs)

    return typing.cast(F, wrapper)


def require_key(key: jax.Array | None, spec: str) -> None:
    if key is None:
        raise ValueError(f"quantizer {spec!r} is randomised: pass key=jax.random.key(...)")


class GroupQuantizer:
    """Mixin for quantizers defined by ``_group`` (and ``_group_distance``) on one group."""

    needs_key = False
    needs_calibration = False
    has_thresholds = True
    per_channel: bool = False

    @property
    def spec(self) -> str:  # every quantizer defines its own
        raise NotImplementedError

    def storage_bits(self, w: ArrayLike) -> float:  # every quantizer defines its own
        raise NotImplementedError

    def __call__(self, w: ArrayLike, *, key: jax.Array | None = None,
                 inputs: ArrayLike | None = None) -> jax.Array:
        del inputs  # only calibrated quantizers use it
        if self.needs_key:
            require_key(key, self.spec)
        return self._quantize(jnp.asarray(w), key if self.needs_key else None)

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
    def _quantize(self, w, key):
        return map_groups(self._group, w, self.per_channel, key)

    @compiled
    def _distance(self, w, key):
        return map_groups(self._group_distance, w, self.per_channel, key)

    def _suffix(self) -> str:
        return ":channel" if self.per_channel else ""
