"""GPTQ: error-compensating rounding of a dense layer with its input Hessian (device, jnp).

For a kernel ``W ∈ R^{d_in × d_out}`` (flax layout, ``y = x W``) and calibration inputs
``X ∈ R^{n × d_in}``, GPTQ greedily minimises the layer-output error ``‖XW − XQ‖²_F``. With
``H = XᵀX + λ·mean(diag H)·I`` and ``U`` the upper Cholesky factor of ``H^{−1}``
(``H^{−1} = UᵀU``), input rows are rounded in order ``i = 1 … d_in``; the rounding error of row
``i``, ``e = (w_i − q_i) / U_ii``, is pushed onto the rows not yet rounded:
``w_j ← w_j − U_ij e`` for ``j > i``. This is the loss-aware, "discrete ERM" reading of THEORY §5.
The grid is the uniform ``b``-bit grid of each output channel of the original ``W`` (min–max by
default, as in the reference code). Decision thresholds are those of the grid, applied to the
error-compensated row at the moment it is rounded.

References:
    Frantar, Ashkboos, Hoefler, Alistarh, "GPTQ: Accurate Post-Training Quantization for
    Generative Pre-trained Transformers", 2022, arXiv:2210.17323.
    Hassibi, Stork, "Second order derivatives for network pruning: Optimal Brain Surgeon", 1993.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from mis.quantizers._base import SCALE_BITS, check_bits, compiled, per_weight, quantizer_class
from mis.quantizers._uniform import Grid, grid_distance, round_to_grid, uniform_grid


def inverse_hessian_factor(x: jax.Array, damp: float) -> tuple[jax.Array, jax.Array]:
    """``(U, dead)``: the upper Cholesky factor of the damped ``(XᵀX)^{-1}`` and the mask of
    input features that are always zero (their rows are quantized as zero)."""
    h = x.T @ x
    dead = jnp.diag(h) == 0
    h = h + jnp.diag(dead.astype(h.dtype))
    h = h + damp * jnp.mean(jnp.diag(h)) * jnp.eye(h.shape[0], dtype=h.dtype)
    return jnp.linalg.cholesky(jnp.linalg.inv(h)).T, dead


def gptq_rows(w: jax.Array, x: jax.Array, grid: Grid,
              damp: float) -> tuple[jax.Array, jax.Array]:
    """``(Q, W')``: quantized rows and the compensated rows at the time each was rounded."""
    u, dead = inverse_hessian_factor(x, damp)
    w = jnp.where(dead[:, None], 0.0, w)
    rows = jnp.arange(w.shape[0])

    def step(w, i):
        row = w[i]
        q = round_to_grid(row, grid)
        err = (row - q) / u[i, i]
        w = w - jnp.outer(jnp.where(rows > i, u[i], 0.0), err)
        return w, (q, row)

    _, (q, pre) = jax.lax.scan(step, w, rows)
    return q, pre


@quantizer_class
class GPTQ:
    """GPTQ ``bits``-bit per output channel; call as ``q(w, inputs=X)`` with ``X: [n, d_in]``.
    A convolution kernel ``[kh, kw, c_in, c_out]`` is the dense kernel
    ``w.reshape(-1, c_out)`` on image patches ``X: [n, kh·kw·c_in]``
    (``mis.shadow.image_patches``)."""

    bits: int = 4
    symmetric: bool = False
    per_channel: bool = True
    damp: float = 0.01
    needs_key = False
    needs_calibration = True
    has_thresholds = True

    def __post_init__(self):
        check_bits(self.bits, 2, 16, "gptq")

    def _grid(self, w):
        if not self.per_channel:
            return uniform_grid(w.reshape(-1), self.bits, self.symmetric)
        scale, zero = jax.vmap(lambda c: uniform_grid(c, self.bits, self.symmetric)[:2],
                               in_axes=1)(w)
        proto = uniform_grid(w[:, 0], self.bits, self.symmetric)
        return Grid(scale, zero, proto.qmin, proto.qmax)

    def _run(self, w, inputs):
        w = jnp.asarray(w)
        self._check(w, inputs)
        return self._compute(w, jnp.asarray(inputs))

    def _check(self, w, inputs):
        if w.ndim < 2:
            raise ValueError(f"{self.spec!r} quantizes dense kernels [d_in, d_out] and "
                             f"convolution kernels [..., c_in, c_out]; got shape {w.shape}")
        rows = math.prod(w.shape[:-1])
        if inputs is None:
            raise ValueError(f"{self.spec!r} needs calibration data: pass inputs=X with X of "
                             f"shape [n, {rows}]")
        x = jnp.asarray(inputs)
        if x.ndim != 2 or x.shape[1] != rows:
            raise ValueError(f"{self.spec!r}: inputs shape {x.shape} does not match the kernel "
                             f"{w.shape}; expected [n, {rows}]")

    @compiled
    def _compute(self, w, x):
        work = w.astype(jnp.promote_types(w.dtype, jnp.float32)).reshape(-1, w.shape[-1])
        grid = self._grid(work)
        q, pre = gptq_rows(work, x.astype(work.dtype), grid, self.damp)
        return q.reshape(w.shape), pre.reshape(w.shape), grid

    def __call__(self, w: ArrayLike, *, key: jax.Array | None = None,
                 inputs: ArrayLike | None = None) -> jax.Array:
        q, _, _ = self._run(w, inputs)
        return q.astype(jnp.asarray(w).dtype)

    def distance_to_threshold(self, w: ArrayLike, *, key: jax.Array | None = None,
                              inputs: ArrayLike | None = None) -> jax.Array:
        _, pre, grid = self._run(w, inputs)
        return grid_distance(pre, grid).astype(jnp.asarray(w).dtype)

    def storage_bits(self, w: ArrayLike) -> float:
        extra = SCALE_BITS if self.symmetric else SCALE_BITS + self.bits
        return per_weight(jnp.shape(w), self.per_channel, self.bits, extra)

    @property
    def spec(self) -> str:
        return (f"gptq:{self.bits}" + (":sym" if self.symmetric else "")
                + ("" if self.per_channel else ":tensor"))
