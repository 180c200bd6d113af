"""Turning model outputs into attack signals (device, jnp)."""

from __future__ import annotations

import jax
import jax.numpy as jnp


def logit_scale(logits, labels) -> jax.Array:
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


def true_class_prob(logits, labels, *, temperature: float = 1.0) -> jax.Array:
    """``softmax(logits / T)_y``: RMIA's ``Pr(x | θ)`` (labels broadcast as in
    :func:`logit_scale`)."""
    p = jax.nn.softmax(jnp.asarray(logits) / temperature, axis=-1)
    labels = jnp.broadcast_to(jnp.asarray(labels), p.shape[:-1])
    return jnp.take_along_axis(p, labels[..., None], axis=-1)[..., 0]
