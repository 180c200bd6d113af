"""DP-SGD for any learner with gradients: per-example clipping, Gaussian noise, Poisson
sampling (device, jnp), and its privacy accounting by ``dp_accounting`` (host).

One step of DP-SGD (Abadi et al. 2016, Algorithm 1) on the members ``w_i = 1`` of a pool:

    b_i ~ Bernoulli(q) independently            (Poisson subsampling; q = 1: full batch)
    g_i = ∇θ ℓ(θ, z_i)                           (per-example gradients: vmap(grad))
    ḡ_i = g_i · min(1, C / ‖g_i‖₂)               (clipping to global norm C)
    g̃ = (Σ_i b_i w_i ḡ_i + N(0, σ² C² I)) / (q · Σ_i w_i)

and the optimizer (SGD or Adam, post-processing) takes ``g̃``. With sampling rate ``q``,
noise multiplier ``σ`` and ``T`` steps the mechanism is the ``T``-fold composition of the
Poisson-subsampled Gaussian mechanism, whose ``(ε, δ)`` :func:`~mis.shadow.dp_epsilon` computes
(``_accounting.py``: ``dp_accounting``'s PLD accountant, and an RDP bound over real orders). With
``q = 1`` no amplification is claimed (the event is the plain Gaussian mechanism composed ``T``
times).

References:
    Abadi et al., "Deep Learning with Differential Privacy", 2016, arXiv:1607.00133.
    Mironov, Talwar, Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism",
    2019, arXiv:1908.10530.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from jax.typing import ArrayLike

from mis.errors import UserError


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclasses.dataclass(frozen=True)
class DPSGD:
    """The DP-SGD option of a learner (``MLPLearner(dp=DPSGD(...))``).

    Attributes:
        clip_norm: ``C > 0``, the per-example gradient norm bound (``math.inf``: no clipping,
            which voids the guarantee; for tests).
        noise_multiplier: ``σ >= 0``; the noise standard deviation is ``σ C``.
        sample_rate: ``q ∈ (0, 1]``, the Poisson sampling rate of each member at each step
            (``1``: every member every step, no amplification claimed).
    """

    clip_norm: float = 1.0
    noise_multiplier: float = 1.0
    sample_rate: float = 1.0

    def __post_init__(self):
        if not _number(self.clip_norm) or not self.clip_norm > 0:
            raise UserError(f"clip_norm={self.clip_norm!r} is not allowed; use a number > 0")
        if (not _number(self.noise_multiplier) or not self.noise_multiplier >= 0
                or math.isinf(self.noise_multiplier)):
            raise UserError(f"noise_multiplier={self.noise_multiplier!r} is not allowed; use a "
                            "finite number >= 0")
        if not _number(self.sample_rate) or not 0 < self.sample_rate <= 1:
            raise UserError(f"sample_rate={self.sample_rate!r} is not allowed; use a number in "
                            "(0, 1]")


def per_example_gradients(loss: Callable[..., jax.Array], params: Any, x: ArrayLike,
                          y: ArrayLike) -> Any:
    """``vmap(grad)``: the gradient of ``loss(params, x[i:i+1], y[i:i+1])[0]`` for every ``i``
    (a parameter tree with a leading example axis)."""
    one = lambda p, xi, yi: loss(p, xi[None], yi[None])[0]
    return jax.vmap(jax.grad(one), in_axes=(None, 0, 0))(params, x, y)


def clip_gradients(grads: Any, clip_norm: float) -> tuple[Any, jax.Array]:
    """``(clipped, norms)``: each example's gradient (leading axis) scaled by
    ``min(1, C / ‖g_i‖₂)``, the norm taken over the whole tree; ``norms`` are the ``‖g_i‖₂``
    before clipping."""
    leaves = jax.tree.leaves(grads)
    norms = jnp.sqrt(sum(jnp.sum(a.reshape(a.shape[0], -1) ** 2, axis=1) for a in leaves))
    factor = jnp.minimum(1.0, clip_norm / jnp.maximum(norms, jnp.finfo(norms.dtype).tiny))
    return jax.tree.map(lambda a: a * factor.reshape((-1,) + (1,) * (a.ndim - 1)), grads), norms


def gaussian_noise(key: jax.Array, tree: Any, std: ArrayLike) -> Any:
    """Independent ``N(0, std²)`` noise shaped like ``tree`` (leaf ``i`` from
    ``fold_in(key, i)``)."""
    leaves, treedef = jax.tree.flatten(tree)
    noise = [std * jax.random.normal(jax.random.fold_in(key, i), a.shape, a.dtype)
             for i, a in enumerate(leaves)]
    return jax.tree.unflatten(treedef, noise)


class GradientCanaries(NamedTuple):
    """Dirac gradient canaries (white-box auditing; Nasr et al. 2023, Steinke et al. 2023).

    Canary ``c`` is a training example whose clipped per-example gradient is, at every step, the
    crafted ``C · e_j`` with ``j = coordinates[c]`` (an index into ``ravel_pytree(params)``):
    the worst case a clipped example can contribute. It is in the training set iff
    ``included[c]``, and like every member it is drawn with probability ``q`` at each step, so
    DP-SGD's guarantee covers it exactly as it covers a real example.
    """

    coordinates: jax.Array
    included: jax.Array


def quiet_coordinates(loss: Callable[..., jax.Array], params: Any, x: ArrayLike, y: ArrayLike,
                      num: int, clip_norm: float) -> jax.Array:
    """The ``num`` parameter coordinates (indices into ``ravel_pytree(params)``) where the
    clipped gradients of ``(x, y)`` at ``params`` sum to the smallest magnitude: where a Dirac
    canary is least drowned by the real data's updates (chosen before any coin is drawn, so
    the one-run audit stays valid). Ties (e.g. dead units) are broken by index."""
    clipped, _ = clip_gradients(per_example_gradients(loss, params, x, y), clip_norm)
    total = ravel_pytree(jax.tree.map(lambda a: jnp.sum(a, axis=0), clipped))[0]
    return jnp.argsort(jnp.abs(total), stable=True)[:num]


def add_gradient_canaries(key: jax.Array, total: Any, canaries: GradientCanaries,
                          dp: DPSGD) -> Any:
    """``total`` (a clipped-gradient sum) plus ``C · e_j`` for every included canary drawn at
    this step (each with probability ``q``, from ``key``)."""
    flat, unravel = ravel_pytree(total)
    drawn = jnp.asarray(canaries.included, bool)
    if dp.sample_rate < 1:
        drawn = drawn & jax.random.bernoulli(key, dp.sample_rate, drawn.shape)
    flat = flat.at[canaries.coordinates].add(dp.clip_norm * drawn.astype(flat.dtype))
    return unravel(flat)


DP_BLOCK = 64


def dp_gradient(key: jax.Array, loss: Callable[..., jax.Array], params: Any, x: ArrayLike,
                y: ArrayLike, weights: ArrayLike, dp: DPSGD, *, block: int = DP_BLOCK,
                canaries: GradientCanaries | None = None) -> Any:
    """One DP-SGD gradient ``g̃`` (module docstring) of the members (``weights > 0``, each
    gradient scaled by its weight: 1 for a member) of ``(x, y)``. Keys: ``sample, noise =
    split(key)``.

    Only the sampled examples are differentiated: their indices are moved to the front (a
    stable argsort) and processed ``block`` at a time in a ``lax.while_loop`` that stops after
    ``ceil(count / block)`` blocks, so a step costs about ``q · members`` per-example gradients,
    not one per pool example (the static shapes of ``vmap`` otherwise force the latter).
    ``canaries`` (:class:`GradientCanaries`) join the clipped sum before the noise, each drawn
    with probability ``q`` from ``fold_in(sample, 1)``.
    """
    sample_key, noise_key = jax.random.split(key)
    weights = jnp.asarray(weights)
    take = weights > 0
    if dp.sample_rate < 1:
        take = take & jax.random.bernoulli(sample_key, dp.sample_rate, weights.shape)
    n = weights.shape[0]
    block = max(1, min(block, n))
    padded = -(-n // block) * block
    order = jnp.argsort(~take, stable=True)
    order = jnp.concatenate([order, jnp.zeros(padded - n, order.dtype)])
    count = jnp.sum(take)

    def body(carry):
        b, total = carry
        start = b * block
        idx = jax.lax.dynamic_slice(order, (start,), (block,))
        scale = jnp.where(start + jnp.arange(block) < count, weights[idx], 0.0)
        clipped, _ = clip_gradients(per_example_gradients(loss, params, x[idx], y[idx]),
                                    dp.clip_norm)
        total = jax.tree.map(lambda t, a: t + jnp.tensordot(scale.astype(a.dtype), a, axes=1),
                             total, clipped)
        return b + 1, total

    zeros = jax.tree.map(jnp.zeros_like, params)
    _, total = jax.lax.while_loop(lambda c: c[0] * block < count, body, (0, zeros))
    if canaries is not None:
        total = add_gradient_canaries(jax.random.fold_in(sample_key, 1), total, canaries, dp)
    if dp.noise_multiplier > 0:
        noise = gaussian_noise(noise_key, total, dp.noise_multiplier * dp.clip_norm)
        total = jax.tree.map(jnp.add, total, noise)
    denominator = dp.sample_rate * jnp.maximum(jnp.sum(weights), 1.0)
    return jax.tree.map(lambda a: a / denominator, total)
