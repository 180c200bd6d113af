"""Turning model outputs into attack signals (device, jnp)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike


# jit (logit_scale, _probability): called eagerly on every release's logits; one program per
# shapes instead of a compilation per primitive
@jax.jit
def logit_scale(logits: ArrayLike, labels: ArrayLike) -> jax.Array:
    r"""LiRA's logit-scaled confidence ``φ = log p_y − log Σ_{y'≠y} p_{y'}`` (stable).

    Args:
        logits: ``[..., C]``; labels: int, broadcast against ``logits.shape[:-1]`` (so
            ``[n]`` labels serve ``[models, n, C]`` logits of many models).

    Computed from max-shifted logits: ``φ = z_y − logsumexp_{y'≠y} z_{y'}``.

    References:
        Carlini et al., "Membership Inference Attacks From First Principles", 2022, §4.
    """
    logits = jnp.asarray(logits)
    labels = jnp.broadcast_to(jnp.asarray(labels), logits.shape[:-1])
    z_y = jnp.take_along_axis(logits, labels[..., None], axis=-1)[..., 0]
    others = jnp.where(jax.nn.one_hot(labels, logits.shape[-1], dtype=bool), -jnp.inf, logits)
    return z_y - jax.nn.logsumexp(others, axis=-1)


def true_class_prob(logits: ArrayLike, labels: ArrayLike, *, temperature: float = 1.0) -> jax.Array:
    """``softmax(logits / T)_y``: RMIA's ``Pr(x | θ)`` (labels broadcast as in
    :func:`logit_scale`)."""
    p = jax.nn.softmax(jnp.asarray(logits) / temperature, axis=-1)
    labels = jnp.broadcast_to(jnp.asarray(labels), p.shape[:-1])
    return jnp.take_along_axis(p, labels[..., None], axis=-1)[..., 0]


# RMIA's Pr(x | θ) candidates: name -> (temperature, margin, taylor_order); order 0 = exp
RMIA_SIGNALS = {
    "softmax:1": (1.0, 0.0, 0),
    "softmax:2": (2.0, 0.0, 0),
    "softmax:4": (4.0, 0.0, 0),
    "taylor:1": (1.0, 0.6, 4),
    "taylor:2": (2.0, 0.6, 4),
}


def _taylor_exp(z, order: int):
    """``Σ_{k≤order} z^k / k!`` (positive for even ``order``)."""
    out, term = jnp.ones_like(z), jnp.ones_like(z)
    for k in range(1, order + 1):
        term = term * z / k
        out = out + term
    return out


def rmia_probability(logits: ArrayLike, labels: ArrayLike, signal: str = "softmax:1") -> jax.Array:
    """RMIA's ``Pr(x | θ)`` under a named signal of :data:`RMIA_SIGNALS`:
    ``f(z_y/T − m) / (f(z_y/T − m) + Σ_{y'≠y} f(z_{y'}/T))`` with ``f = exp`` (``softmax:T``,
    margin 0: the softmax at temperature T) or the order-4 Taylor expansion of exp with margin
    ``m = 0.6`` (``taylor:T``, the soft-margin Taylor softmax of the RMIA research code).
    Logits are max-shifted first for ``exp`` (the ratio is unchanged).

    References:
        Zarifzadeh, Liu, Shokri, "Low-Cost High-Power Membership Inference Attacks", ICML 2024
        (temperature and soft-margin Taylor softmax as tuned signals).
    """
    if signal not in RMIA_SIGNALS:
        raise ValueError(f"RMIA signal {signal!r} is unknown; use one of {list(RMIA_SIGNALS)}")
    temperature, margin, order = RMIA_SIGNALS[signal]
    return _probability(logits, labels, temperature, margin, order)


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _probability(logits, labels, temperature: float, margin: float, order: int) -> jax.Array:
    z = jnp.asarray(logits) / temperature
    labels = jnp.broadcast_to(jnp.asarray(labels), z.shape[:-1])
    true = jax.nn.one_hot(labels, z.shape[-1], dtype=bool)
    z = z - margin * true
    if order == 0:
        z = z - jnp.max(z, axis=-1, keepdims=True)
        f = jnp.exp(z)
    else:
        f = _taylor_exp(z, order)
    return jnp.sum(jnp.where(true, f, 0.0), -1) / jnp.sum(f, -1)
