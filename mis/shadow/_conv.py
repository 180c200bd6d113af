"""A small convolutional network as a learner written for one model (device, jnp).

``ConvNet``: for each width ``c`` of ``channels``, a 3x3 ``SAME`` convolution to ``c``
channels, ReLU and 2x2 max pooling (stride 2); then the flattened features go to a dense
softmax head of ``num_outputs`` classes. On the 8x8 digits with ``channels=(8, 16)`` that is
8x8x1 → 4x4x8 → 2x2x16 → 64 → 10 (1,898 parameters).

``ConvLearner`` follows the learner protocol of :mod:`mis.shadow._learners` (``fit``,
``predict``, ``loss``, ``output_loss``, ``penalty_curvature``, ``calibration_inputs``) and trains
with the same optax loop as the MLP (full batch, mini-batch or DP-SGD), so the shadow engine,
the quantizer zoo (per output channel = the kernel's last axis), the attacks and both
indicator variants take it unchanged. ``nnx.Conv`` holds the parameters; each conv-ReLU-pool
block is computed as one dense matrix product (:func:`conv_relu_pool`), which XLA's CPU backend
runs several times faster than its own convolution inside a training loop. Params are plain
nested dicts (``nnx.to_pure_dict``).

Calibration (GPTQ) treats a convolution as the dense layer it is on image patches: the
calibration input of a ``[kh, kw, c_in, c_out]`` kernel is the ``[n·H·W, kh·kw·c_in]`` matrix
of zero-padded 3x3 patches, flattened in the kernel's row-major order, so that
``conv(x, K) = patches(x) @ K.reshape(-1, c_out)``.

References:
    LeCun, Bottou, Bengio, Haffner, "Gradient-Based Learning Applied to Document Recognition",
    1998, doi:10.1109/5.726791.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from mis.data import Dataset
from mis.shadow._dpsgd import DPSGD
from mis.shadow._learners import GradientLearner, check_gradient_learner, fit_by_gradient

KERNEL = 3


class ConvNet(nnx.Module):
    """``[conv 3x3 SAME → ReLU → max-pool 2x2] × len(channels) → dense`` on ``[..., H, W, C]``
    images (module docstring). ``fused``: each block as one dense product
    (:func:`conv_relu_pool`, fast for whole batches); otherwise patch product then pooling
    (:func:`conv2d`, :func:`max_pool`: far cheaper per-example gradients, which DP-SGD takes,
    since the dense matrix's gradient is not formed per example). Both compute the same
    function."""

    def __init__(self, image_shape: tuple[int, ...], channels: tuple[int, ...], num_outputs: int,
                 *, rngs: nnx.Rngs,
                 fused: bool = True) -> None:
        self.fused = fused
        h, w, c = image_shape
        ins = (c, *channels[:-1])
        self.convs = nnx.List([nnx.Conv(a, b, kernel_size=(KERNEL, KERNEL), padding="SAME",
                                         rngs=rngs) for a, b in zip(ins, channels, strict=True)])
        for _ in channels:
            h, w = h // 2, w // 2
        self.head = nnx.Linear(h * w * channels[-1], num_outputs, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        for conv in self.convs:
            assert conv.bias is not None  # nnx.Conv's default use_bias=True
            kernel, bias = conv.kernel[...], conv.bias[...]
            if self.fused:
                x = conv_relu_pool(x, kernel, bias)
            else:
                x = max_pool(jax.nn.relu(conv2d(x, kernel, bias)))
        return self.head(x.reshape(*x.shape[:-3], -1))


def image_patches(x: jax.Array, size: int = KERNEL) -> jax.Array:
    """``[..., H, W, size·size·C]``: the zero-padded ``size × size`` patch around every pixel
    of ``x [..., H, W, C]``, in the row-major order of a ``[size, size, C, ·]`` kernel."""
    h, w = x.shape[-3:-1]
    lo = (size - 1) // 2
    pad = [(0, 0)] * (x.ndim - 3) + [(lo, size - 1 - lo), (lo, size - 1 - lo), (0, 0)]
    padded = jnp.pad(x, pad)
    cols = [padded[..., i:i + h, j:j + w, :] for i in range(size) for j in range(size)]
    return jnp.concatenate(cols, axis=-1)


def conv2d(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    """``SAME`` convolution (stride 1, cross-correlation as in flax and ``lax.conv``) of
    ``x [..., H, W, C]`` with ``kernel [k, k, C, C']``: ``patches(x) @ kernel.reshape(-1, C')``.
    On the CPU this runs 4-7x faster than ``lax.conv_general_dilated`` inside ``lax.scan``
    (measured: 14 vs 64-99 ms per full-batch step on 1200 digits)."""
    patches = image_patches(x, kernel.shape[0])
    return patches @ kernel.reshape(-1, kernel.shape[-1]) + bias


@functools.lru_cache(maxsize=32)
def pooled_taps(h: int, w: int, size: int = KERNEL) -> np.ndarray:
    """``T [h·w, 4, (h/2)·(w/2), size²]``: ``T[i, o, p, t] = 1`` when input pixel ``i`` is tap
    ``t`` of the ``SAME`` convolution at the output pixel that is corner ``o`` of the 2x2
    pooling window at pooled position ``p`` (all indices row-major)."""
    lo = (size - 1) // 2
    t = np.zeros((h * w, 4, (h // 2) * (w // 2), size * size), np.float32)
    for o in range(4):
        for pi in range(h // 2):
            for pj in range(w // 2):
                oi, oj = 2 * pi + o // 2, 2 * pj + o % 2
                for di in range(size):
                    for dj in range(size):
                        ii, jj = oi + di - lo, oj + dj - lo
                        if 0 <= ii < h and 0 <= jj < w:
                            t[ii * w + jj, o, pi * (w // 2) + pj, di * size + dj] = 1.0
    return t


DENSE_MAX_PIXELS = 64  # the largest H·W that conv_relu_pool computes as one dense product


def conv_relu_pool(x: jax.Array, kernel: jax.Array, bias: jax.Array) -> jax.Array:
    """``max_pool(relu(conv2d(x, kernel, bias)))`` for ``x [..., H, W, C]`` with even ``H``,
    ``W``, computed as one dense matrix product: the convolution is the linear map
    ``R^{H·W·C} → R^{4 × (H/2)(W/2) × C'}`` whose matrix is built from the kernel and the
    constant :func:`pooled_taps` (output columns grouped by the corner of their pooling
    window), and the pooling is the maximum of its four column blocks (``max`` commutes with the
    bias and the ReLU). On small images (the digits) XLA's CPU backend runs this 2-3x faster
    than the patch product and the strided pooling (8.6 vs 20 ms per full-batch step on 1000
    digits), since the products are wide and the pooling reads contiguous blocks. The dense map
    has ``H·W·C × 2·H·W·C'`` entries, of which a fraction ``9 / (H·W)`` is non-zero, so beyond
    :data:`DENSE_MAX_PIXELS` pixels (8x8) the patch product and the strided pooling are used
    instead: on 28x28 Fashion-MNIST (layers of 28x28 and 14x14 pixels) the dense form did 87x
    and 22x the convolution's multiplications (379 vs 89 ms per full-batch step of the (8, 16)
    ConvNet on 1000 images; the digits' 8x8 and 4x4 layers keep the dense form)."""
    *lead, h, w, c = x.shape
    if h % 2 or w % 2 or h * w > DENSE_MAX_PIXELS:
        return max_pool(jax.nn.relu(conv2d(x, kernel, bias)))
    size, c_out = kernel.shape[0], kernel.shape[-1]
    taps = jnp.asarray(pooled_taps(h, w, size), kernel.dtype)
    pooled = (h // 2) * (w // 2)
    dense = jnp.einsum("iopt,tcd->icopd", taps, kernel.reshape(size * size, c, c_out))
    z = x.reshape(-1, h * w * c) @ dense.reshape(h * w * c, 4 * pooled * c_out)
    m = pooled * c_out
    z = jnp.maximum(jnp.maximum(z[:, :m], z[:, m:2 * m]), jnp.maximum(z[:, 2 * m:3 * m],
                                                                      z[:, 3 * m:]))
    out = jax.nn.relu(z + jnp.tile(bias, pooled))
    return out.reshape(*lead, h // 2, w // 2, c_out)


def max_pool(x: jax.Array) -> jax.Array:
    """2x2 max pooling, stride 2, of ``[..., H, W, C]`` (odd trailing rows/columns dropped)."""
    h, w, c = x.shape[-3:]
    x = x[..., : h // 2 * 2, : w // 2 * 2, :]
    return jnp.max(x.reshape(*x.shape[:-3], h // 2, 2, w // 2, 2, c), axis=(-4, -2))


@dataclasses.dataclass(frozen=True)
class ConvLearner(GradientLearner):
    """A :class:`ConvNet` classifier (softmax cross-entropy, int labels) trained with optax.

    ``channels`` are the convolution widths; ``batch_size=None`` takes full-batch steps,
    otherwise ``batch_size`` uniform draws per step; ``dp=DPSGD(C, σ, q)`` trains with DP-SGD.
    ``fused`` chooses the convolution's form (the same network either way): the dense
    pool-grouped product (fast for whole-pool batches) or image patches (fast for per-example
    gradients: 0.73 vs 11 ms for 32 digits, widths 8-16); ``None`` fuses unless ``dp`` is set.
    """

    channels: tuple[int, ...] = (8, 16)
    num_outputs: int = 10
    steps: int = 200
    learning_rate: float = 1e-2
    optimizer: str = "adam"
    batch_size: int | None = None
    l2: float = 0.0
    dp: DPSGD | None = None
    fused: bool | None = None

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))
        if not self.channels or any(c < 1 for c in self.channels) or self.num_outputs < 2:
            raise ValueError(f"channels={self.channels} must be non-empty and positive, "
                             f"num_outputs={self.num_outputs} >= 2")
        check_gradient_learner(self)

    def _net(self, image_shape, rngs):
        return ConvNet(tuple(image_shape), self.channels, self.num_outputs, rngs=rngs,
                       fused=self.dp is None if self.fused is None else self.fused)

    def init(self, key: jax.Array, image_shape: tuple[int, ...]) -> Any:
        """Initial parameters (a nested dict) for images of shape ``(H, W, C)``."""
        return nnx.to_pure_dict(nnx.split(self._net(image_shape, nnx.Rngs(params=key)))[1])

    def predict(self, params: Any, x: jax.Array) -> jax.Array:
        abstract = nnx.eval_shape(lambda: self._net(x.shape[-3:], nnx.Rngs(0)))
        graphdef, state = nnx.split(abstract)
        nnx.replace_by_pure_dict(state, params)
        return nnx.merge(graphdef, state)(x)

    def features(self, params: Any, x: jax.Array) -> jax.Array:
        """``[..., F]``: the flattened output of the convolution blocks, the head's input
        (``predict = features @ head.kernel + head.bias``); a randomly initialised network's
        features are the embedding of distribution matching (:mod:`mis.condense`)."""
        fused = self.dp is None if self.fused is None else self.fused
        for i in range(len(params["convs"])):
            kernel, bias = params["convs"][i]["kernel"], params["convs"][i]["bias"]
            x = conv_relu_pool(x, kernel, bias) if fused \
                else max_pool(jax.nn.relu(conv2d(x, kernel, bias)))
        return x.reshape(*x.shape[:-3], -1)

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        del x
        return optax.softmax_cross_entropy_with_integer_labels(out, y)

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict:
        """The input of every kernel on ``x`` computed with the full-precision layers: image
        patches for the convolutions (module docstring), flattened features for the head."""
        out, h = {}, x
        for i in range(len(params["convs"])):
            kernel, bias = params["convs"][i]["kernel"], params["convs"][i]["bias"]
            patches = image_patches(h, kernel.shape[0])
            out[f"['convs'][{i}]['kernel']"] = patches.reshape(-1, patches.shape[-1])
            h = max_pool(jax.nn.relu(conv2d(h, kernel, bias)))
        out["['head']['kernel']"] = h.reshape(h.shape[0], -1)
        return out

    def activation_size(self, image_shape: tuple[int, ...]) -> int:
        """Activations per example (the engine's batch-size heuristic)."""
        h, w, _ = image_shape
        total = 0
        for c in self.channels:
            total += h * w * c
            h, w = h // 2, w // 2
        return total + self.num_outputs

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any = None) -> Any:
        return fit_by_gradient(self, key, data, weights, hyper,
                               lambda k: self.init(k, data.x.shape[1:]))
