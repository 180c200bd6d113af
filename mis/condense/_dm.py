"""Dataset condensation by distribution matching (DM), written for one pipeline (device, jnp).

A synthetic set ``S`` of ``ipc`` images per class (labels fixed) is learned so that, for a
*freshly initialised random* embedding ``ψ`` at every iteration, the per-class mean embeddings
of the real and synthetic images agree:

    L(S) = Σ_c ‖ mean_{x ∈ real_c} ψ(A_c(x)) − mean_{s ∈ S_c} ψ(A_c(s)) ‖²,

``A_c`` one Siamese augmentation per class shared by both sides (:mod:`mis.condense._augment`),
minimised by SGD with momentum on the pixels of ``S``. The real side is the *weighted* class
mean over the pool (weights = a shadow model's 0/1 membership), so the engine's fixed-shape
pool and mask give every pipeline its own private set; with ``real_batch`` it is the mean of
``real_batch`` members per class drawn afresh every iteration (DM's ``batch_real``, 256 in the
paper), so an iteration costs the same at any pool size. With a linear ``ψ(x) = Wx`` the optimum
is ``mean S_c = mean real_c`` (the closed form behind the O(m/n) argument: replacing one of
``n_c`` real points moves the optimum by ``(x' − x)/n_c``).

References:
    Zhao and Bilen, "Dataset Condensation with Distribution Matching", WACV 2023,
    arXiv:2110.04181 (``VICO-UoE/DatasetCondensation``).
    Dong, Zhao, Lyu, "Privacy for Free: How does Dataset Condensation Help Privacy?", ICML 2022,
    arXiv:2206.00240.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from mis.condense._augment import augment_by_class, sample_augment
from mis.data import Dataset

EMBEDDINGS = ("network", "linear")
INITS = ("noise", "real")


class Embedding(NamedTuple):
    """A random feature map: ``init(key, example_shape) -> params`` and ``apply(params, x)
    -> [n, k]``."""

    init: Callable[[Any, tuple], Any]
    apply: Callable[[Any, jax.Array], jax.Array]


def random_embedding(kind: str, base: Any, width: int = 64) -> Embedding:
    """``"network"``: the features of ``base`` (a ``ConvLearner`` or ``MLPLearner``: the head's
    input) at a fresh random initialisation, as DM does; ``"linear"``: ``flatten(x) @ W`` with
    ``W ~ N(0, 1/d)``, ``[d, width]``."""
    if kind == "network":
        shape_of = lambda s: s[0] if len(s) == 1 else s
        return Embedding(lambda key, s: base.init(key, shape_of(s)), base.features)
    if kind == "linear":
        def init(key, s):
            d = math.prod(s)
            return jax.random.normal(key, (d, width)) / jnp.sqrt(d)
        return Embedding(init, lambda w, x: x.reshape(x.shape[0], -1) @ w)
    raise ValueError(f"embedding={kind!r}; use one of {EMBEDDINGS}")


def class_means(features: jax.Array, labels: jax.Array, weights: jax.Array,
                num_classes: int) -> tuple[jax.Array, jax.Array]:
    """``(means [C, k], totals [C])``: the ``weights``-weighted mean feature of every class and
    the class's total weight (a class without weight has mean 0)."""
    onehot = jax.nn.one_hot(labels, num_classes) * weights[:, None]
    totals = onehot.sum(0)
    return onehot.T @ features / jnp.maximum(totals, 1e-12)[:, None], totals


def dm_loss(embed_params: Any, apply: Callable[[Any, jax.Array], jax.Array], real: Dataset,
            weights: jax.Array, synthetic: Dataset, num_classes: int,
            augs: Any = None) -> jax.Array:
    """The DM objective (module docstring) for one embedding and one draw of augmentations
    (``augs``: one per class, or None for none); classes without real weight are left out."""
    real_x, syn_x = real.x, synthetic.x
    if augs is not None:
        real_x = augment_by_class(real_x, real.y, augs)
        syn_x = augment_by_class(syn_x, synthetic.y, augs)
    real_mean, totals = class_means(apply(embed_params, real_x), real.y, weights, num_classes)
    syn_mean, _ = class_means(apply(embed_params, syn_x), synthetic.y,
                              jnp.ones(synthetic.y.shape[0]), num_classes)
    gap = jnp.sum((jax.lax.stop_gradient(real_mean) - syn_mean) ** 2, axis=1)
    return jnp.sum(jnp.where(totals > 0, gap, 0.0))


def synthetic_labels(ipc: int, num_classes: int) -> jax.Array:
    """``[C·ipc]``: ``ipc`` copies of every class, class-major."""
    return jnp.repeat(jnp.arange(num_classes, dtype=jnp.int32), ipc)


def select_per_class(key: jax.Array, labels: jax.Array, weights: jax.Array, ipc: int,
                     num_classes: int) -> tuple[jax.Array, jax.Array]:
    """``(index [C·ipc], valid [C·ipc])``: for every class, ``ipc`` members (``weights > 0``)
    drawn uniformly without replacement (class-major, like :func:`synthetic_labels`); a class
    with fewer members repeats them in the drawn order, one with none is ``valid = False``."""
    member = weights > 0
    noise = jax.random.uniform(key, (num_classes, labels.shape[0]))

    def one(c, u):
        live = member & (labels == c)
        order = jnp.argsort(jnp.where(live, u, 2.0))
        count = jnp.sum(live)
        slot = jnp.arange(ipc) % jnp.maximum(count, 1)
        return order[slot], jnp.broadcast_to(count > 0, (ipc,))

    index, valid = jax.vmap(one)(jnp.arange(num_classes), noise)
    return index.reshape(-1), valid.reshape(-1)


def sample_per_class(key: jax.Array, labels: jax.Array, weights: jax.Array, batch: int,
                     num_classes: int) -> tuple[jax.Array, jax.Array]:
    """``(index [C·batch], valid [C·batch])``: for every class, ``batch`` of its members
    (``weights > 0``) drawn uniformly without replacement (class-major); a class with fewer
    members gives each of them once and marks the rest ``valid = False``. The largest
    ``batch`` of one uniform key per point and class (``lax.top_k``), so a draw costs
    ``O(C · n)`` at any ``batch``.

    Example:
        >>> idx, ok = sample_per_class(jax.random.key(0), jnp.array([0, 0, 1, 1, 1]),
        ...                            jnp.array([1.0, 0.0, 1.0, 1.0, 1.0]), 2, 2)
        >>> sorted(idx[:1].tolist()), ok.tolist()
        ([0], [True, False, True, True])
    """
    member = (weights > 0)[None, :] & (labels[None, :] == jnp.arange(num_classes)[:, None])
    noise = jax.random.uniform(key, member.shape)
    values, index = jax.lax.top_k(jnp.where(member, noise, -1.0), batch)
    return index.reshape(-1), (values >= 0).reshape(-1)


class Condensed(NamedTuple):
    """One condensation run: the synthetic set, the pool index of the real image each synthetic
    image started from (``-1`` for noise), and the DM loss at every iteration."""

    x: jax.Array
    y: jax.Array
    init_index: jax.Array
    losses: jax.Array


def initial_synthetic(key: jax.Array, pool: Dataset, weights: jax.Array, *, ipc: int,
                      num_classes: int, init: str) -> tuple[jax.Array, jax.Array]:
    """``(x [C·ipc, ...], init_index)``: ``"real"`` copies members drawn by
    :func:`select_per_class` (noise for a class without members); ``"noise"`` draws uniform
    [0, 1) images (pixels of the digits' range) or standard normal vectors."""
    shape = (num_classes * ipc, *pool.x.shape[1:])
    select_key, noise_key = jax.random.split(key)
    noise = jax.random.uniform(noise_key, shape) if pool.x.ndim == 4 \
        else jax.random.normal(noise_key, shape)
    if init == "noise":
        return noise, jnp.full(shape[0], -1, jnp.int32)
    if init != "real":
        raise ValueError(f"init={init!r}; use one of {INITS}")
    index, valid = select_per_class(select_key, pool.y, weights, ipc, num_classes)
    keep = valid.reshape(-1, *([1] * (noise.ndim - 1)))
    return jnp.where(keep, pool.x[index], noise), jnp.where(valid, index, -1).astype(jnp.int32)


def condense(key: jax.Array, pool: Dataset, weights: jax.Array, *, ipc: int, num_classes: int,
             iterations: int, embedding: Embedding, learning_rate: float = 1.0,
             momentum: float = 0.5, init: str = "noise", augment: bool = True,
             real_batch: int | None = None) -> Condensed:
    """DM (module docstring) on the members of ``pool`` (``weights``). Keys: ``start, loop =
    split(key)``; iteration ``t`` draws the embedding and the augmentations from
    ``split(fold_in(loop, t))`` and (with ``real_batch``) the real members from
    ``fold_in(fold_in(loop, t), 1)``. ``augment`` needs
    images ``[n, H, W, C]``; ``real_batch=None`` uses every member at every iteration.

    ``learning_rate`` is per image: a synthetic image enters its class mean with weight
    ``1/ipc``, so its gradient shrinks as ``1/ipc``; the SGD step is ``learning_rate · ipc``
    times the gradient, which makes the pixel step the same at every ipc (a fixed rate that
    works at ipc 10 diverges at ipc 1)."""
    start_key, loop_key = jax.random.split(key)
    x0, init_index = initial_synthetic(start_key, pool, weights, ipc=ipc,
                                       num_classes=num_classes, init=init)
    y = synthetic_labels(ipc, num_classes)
    opt = optax.sgd(learning_rate * ipc, momentum=momentum)
    images = augment and pool.x.ndim == 4

    def real_side(real_key):
        if real_batch is None:
            return pool, weights
        index, valid = sample_per_class(real_key, pool.y, weights, real_batch, num_classes)
        return Dataset(pool.x[index], pool.y[index]), valid.astype(pool.x.dtype)

    def step(carry, t):
        x, state = carry
        step_key = jax.random.fold_in(loop_key, t)
        embed_key, aug_key = jax.random.split(step_key)
        params = embedding.init(embed_key, pool.x.shape[1:])
        augs = sample_augment(aug_key, pool.x.shape[1:], (num_classes,)) if images else None
        real, real_weights = real_side(jax.random.fold_in(step_key, 1))
        loss, grad = jax.value_and_grad(
            lambda s: dm_loss(params, embedding.apply, real, real_weights, Dataset(s, y),
                              num_classes, augs))(x)
        updates, state = opt.update(grad, state, x)
        return (optax.apply_updates(x, updates), state), loss

    (x, _), losses = jax.lax.scan(step, (x0, opt.init(x0)), jnp.arange(iterations))
    return Condensed(x, y, init_index, losses)


__all__ = ["Condensed", "Embedding", "class_means", "condense", "dm_loss",
           "initial_synthetic", "random_embedding", "sample_per_class", "select_per_class",
           "synthetic_labels"]
