"""Differentiable Siamese augmentation (device, jnp): one random transform drawn per class and
step, applied with the *same* parameters to the real and the synthetic images of that class.

Each draw picks one operation, as DSA does ("one op sampled per step"): a horizontal flip
(probability ½), a translation by up to ``⌈H/8⌉`` pixels with zero padding (DSA's crop), or a
scaling by a factor in ``[1/1.2, 1.2]`` per axis (about the centre); the chosen one is composed
into one affine map of pixel coordinates and the image is resampled bilinearly
(``map_coordinates``, zeros outside), which is differentiable in the pixel values. Flips and
integer translations land on pixel centres, so they move pixels exactly.

References:
    Zhao and Bilen, "Dataset Condensation with Differentiable Siamese Augmentation", ICML 2021,
    arXiv:2102.08259.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

OPS = ("flip", "crop", "scale")
MAX_SCALE = 1.2


class Augment(NamedTuple):
    """One transform: ``flip`` (bool), ``shift`` ``[2]`` rows/columns (float, integral for crop),
    ``scale`` ``[2]`` per-axis factors. Leading axes (e.g. one per class) broadcast."""

    flip: jax.Array
    shift: jax.Array
    scale: jax.Array


def identity(shape: tuple[int, ...] = ()) -> Augment:
    """The transform that leaves images unchanged."""
    return Augment(jnp.zeros(shape, bool), jnp.zeros((*shape, 2)), jnp.ones((*shape, 2)))


def sample_augment(key: jax.Array, image_shape: tuple[int, ...],
                   shape: tuple[int, ...] = ()) -> Augment:
    """``shape`` independent draws (module docstring) for images ``(H, W, C)``."""
    op_key, flip_key, shift_key, scale_key = jax.random.split(key, 4)
    op = jax.random.randint(op_key, shape, 0, len(OPS))
    pad = -(-image_shape[0] // 8)
    flip = (op == 0) & jax.random.bernoulli(flip_key, 0.5, shape)
    shift = jax.random.randint(shift_key, (*shape, 2), -pad, pad + 1).astype(jnp.float32)
    scale = jax.random.uniform(scale_key, (*shape, 2), minval=1 / MAX_SCALE, maxval=MAX_SCALE)
    return Augment(flip, jnp.where((op == 1)[..., None], shift, 0.0),
                   jnp.where((op == 2)[..., None], scale, 1.0))


def augment_image(image: jax.Array, aug: Augment) -> jax.Array:
    """One ``[H, W, C]`` image transformed by one :class:`Augment`: output pixel ``(i, j)``
    reads the input at ``c + (p − c − shift) / scale`` (``c`` the centre), columns mirrored first
    when ``flip``."""
    h, w = image.shape[:2]
    rows, cols = jnp.meshgrid(jnp.arange(h, dtype=jnp.float32),
                              jnp.arange(w, dtype=jnp.float32), indexing="ij")
    cols = jnp.where(aug.flip, w - 1 - cols, cols)
    centre = jnp.array([(h - 1) / 2, (w - 1) / 2])
    src_r = centre[0] + (rows - centre[0] - aug.shift[0]) / aug.scale[0]
    src_c = centre[1] + (cols - centre[1] - aug.shift[1]) / aug.scale[1]
    channel = lambda img: jax.scipy.ndimage.map_coordinates(img, [src_r, src_c], order=1,
                                                            mode="constant", cval=0.0)
    return jax.vmap(channel, in_axes=-1, out_axes=-1)(image)


def augment_by_class(images: jax.Array, labels: jax.Array, augs: Augment) -> jax.Array:
    """``[n, H, W, C]`` images, each transformed by its class's draw ``augs[labels[i]]`` (the
    Siamese rule: a class's real and synthetic images share the draw)."""
    per = jax.tree.map(lambda a: a[labels], augs)
    return jax.vmap(augment_image)(images, per)
