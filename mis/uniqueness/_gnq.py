"""Gradient uniqueness (GNQ): how much one example's gradient stands out in its mini-batch
(device, jnp; the solve in float64).

For a batch with per-example gradients ``g_1 … g_B`` (rows of ``G``), Gram ``K = G Gᵀ`` and
ridge ``λ > 0``:

    GNQ_j = g_jᵀ (Σ_{k≠j} g_k g_kᵀ + λ I)^{-1} g_j = h_j / (1 − h_j),
    h = diag((K + λ I)^{-1} K)

(push-through identity for ``h_j = g_jᵀ (GᵀG + λI)^{-1} g_j`` and Sherman–Morrison for the
leave-one-out form), so the ``P x P`` inverse is never formed: a ``B x B`` Cholesky solve
suffices. ``1 − h_j = λ [(K + λI)^{-1}]_jj`` is computed directly, not as a difference, so a
large GNQ keeps its relative precision. The disclosure of one step is ``½ log(1 + GNQ_j)``
(the information the batch update carries about ``g_j`` when the other gradients act as
Gaussian noise of covariance ``S_{-j}``); cumulated over the steps an example appears in, it is
the per-example score of :mod:`mis.uniqueness`. TracIn self-influence ``diag(K) = ‖g_j‖²`` is
the baseline score.

Control without a ridge: the pseudo-inverse form ``g_jᵀ S_{-j}⁺ g_j`` with ``S_{-j} = Σ_{k≠j}
g_k g_kᵀ``. With ``G_{-j} = U Σ Vᵀ`` (the other gradients) and ``k_j = G_{-j} g_j``,
``S_{-j}⁺ = V Σ^{-2} Vᵀ`` and ``g_jᵀ S_{-j}⁺ g_j = k_jᵀ (K_{-j}⁺)² k_j``, ``K_{-j} = G_{-j}
G_{-j}ᵀ`` (the Gram without row and column ``j``): it measures only the part of ``g_j``
inside the others' span, where the ridge form grows without bound as ``λ → 0`` for the part
outside it (:func:`pinv_from_gram`).

For dense layers the Gram needs no per-example gradient: with layer inputs ``a_i`` and
output gradients ``δ_i`` (of example ``i``'s own loss), ``⟨g_i, g_j⟩ = Σ_layers (a_i·a_j + 1)
(δ_i·δ_j)`` (the ``+ 1`` is the bias), from one forward and one backward pass
(:func:`ghost_gram`, :func:`mlp_ghost_gram`).

References:
    Abdelghafar, Aliakbarpour, Jermaine, "Quantifying Information Disclosure During Gradient
    Descent Using Gradient Uniqueness", 2025, arXiv:2510.10902.
    Pruthi et al., "Estimating Training Data Influence by Tracing Gradient Descent", 2020,
    arXiv:2002.08484 (TracIn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def flat_gradients(grads: Any) -> jax.Array:
    """``[B, P]``: a per-example gradient tree (leading example axis) flattened per example."""
    if isinstance(grads, jax.Array | np.ndarray) and grads.ndim == 2:
        return jnp.asarray(grads)
    leaves = jax.tree.leaves(grads)
    return jnp.concatenate([a.reshape(a.shape[0], -1) for a in leaves], axis=1)


def gram(grads: Any, *, dtype: Any = jnp.float32) -> jax.Array:
    """``K = G Gᵀ``, accumulated in float64 and returned as ``dtype`` (float64 only inside
    ``jax.enable_x64``), from a per-example gradient tree or a ``[B, P]`` matrix."""
    g = flat_gradients(grads)
    with jax.enable_x64(True):
        g = g.astype(jnp.float64)
        return (g @ g.T).astype(dtype)


def _gnq64(k, ridge):
    """``(gnq, h)`` in float64 from a float64 Gram (call inside ``enable_x64``)."""
    a = k + ridge * jnp.eye(k.shape[0], dtype=k.dtype)
    chol = jnp.linalg.cholesky(a)
    inv = jax.scipy.linalg.cho_solve((chol, True), jnp.eye(k.shape[0], dtype=k.dtype))
    h = jnp.maximum(jnp.sum(k * inv, axis=1), 0.0)   # diag(K A^{-1}), A symmetric
    one_minus_h = ridge * jnp.diagonal(inv)            # = 1 − h, without cancellation
    return h / one_minus_h, h


def gnq_from_gram(kernel: jax.Array, ridge: float, *,
                  dtype: Any = jnp.float32) -> tuple[jax.Array, jax.Array]:
    """``(gnq, h)`` from a ``[B, B]`` Gram matrix (module docstring), solved in float64 and
    returned as ``dtype``. Rows and columns of zeros (padding, censored examples) give 0."""
    with jax.enable_x64(True):
        values, h = _gnq64(jnp.asarray(kernel).astype(jnp.float64), ridge)
        return values.astype(dtype), h.astype(dtype)


PINV_RCOND = 1e-10  # eigenvalues below this share of the largest count as zero


def pinv_from_gram(kernel: jax.Array) -> jax.Array:
    """``[B]`` ``g_jᵀ S_{-j}⁺ g_j`` of every row of a float64 Gram (module docstring; call
    inside ``jax.enable_x64``): one ``(B x B)`` eigendecomposition per leave-one-out Gram,
    eigenvalues below ``PINV_RCOND`` × the largest dropped. Zero rows score 0."""
    k = jnp.asarray(kernel)
    b = k.shape[0]

    def one(j):
        keep = jnp.arange(b) != j
        kj = jnp.where(keep, k[j], 0.0)
        w, u = jnp.linalg.eigh(k * keep[:, None] * keep[None, :])
        ok = w > PINV_RCOND * jnp.maximum(jnp.max(w), 0.0)
        proj = u.T @ kj
        return jnp.sum(jnp.where(ok, proj**2 / jnp.where(ok, w, 1.0) ** 2, 0.0))

    return jax.vmap(one)(jnp.arange(b))


def batch_scores(per_example_grads: Any, ridge: float) -> tuple[jax.Array, jax.Array]:
    """``(gnq, tracin)``, both ``[B]`` float32, from one float64 Gram of a batch's per-example
    gradients (a tree with a leading example axis, or ``[B, P]``): GNQ and the TracIn
    self-influence ``‖g_j‖²``."""
    g = flat_gradients(per_example_grads)
    with jax.enable_x64(True):
        g = g.astype(jnp.float64)
        k = g @ g.T
        values, _ = _gnq64(k, ridge)
        return values.astype(jnp.float32), jnp.diagonal(k).astype(jnp.float32)


def gnq(per_example_grads: Any, ridge: float) -> jax.Array:
    """``[B]`` GNQ of every example of a batch from its per-example gradients (a tree with a
    leading example axis, or ``[B, P]``); the Gram and the solve are float64."""
    return batch_scores(per_example_grads, ridge)[0]


def disclosure(gnq_values: jax.Array) -> jax.Array:
    """``½ log(1 + GNQ)``: one step's disclosure bound (module docstring)."""
    return 0.5 * jnp.log1p(gnq_values)


def ghost_gram(inputs: Sequence[jax.Array], output_grads: Sequence[jax.Array], *,
               dtype: Any = jnp.float32) -> jax.Array:
    """Gram of the per-example gradients of a stack of dense layers (kernel and bias) without
    forming them: ``Σ_l (A_l A_lᵀ + 1) ⊙ (Δ_l Δ_lᵀ)``, accumulated in float64 and returned as
    ``dtype``, with ``A_l [B, d_in]`` the layer inputs and ``Δ_l [B, d_out]`` the gradients of
    each example's loss with respect to the layer's outputs (pre-activations)."""
    with jax.enable_x64(True):
        total: jax.Array = jnp.zeros(())
        for a, d in zip(inputs, output_grads, strict=True):
            a, d = jnp.asarray(a).astype(jnp.float64), jnp.asarray(d).astype(jnp.float64)
            total = total + (a @ a.T + 1.0) * (d @ d.T)
        return total.astype(dtype)


def _mlp_inputs_and_deltas(learner, params, x, y):
    """Every dense layer's input and the gradient of each example's loss with respect to its
    pre-activations: one forward pass, one backward pass of the summed loss with respect to
    zero perturbations (example ``i``'s loss depends only on its own row)."""
    layers = [params["layers"][i] for i in range(len(params["layers"]))]

    def forward(perturb):
        h, inputs = x, []
        for i, layer in enumerate(layers):
            inputs.append(h)
            z = h @ layer["kernel"] + layer["bias"] + perturb[i]
            h = jax.nn.relu(z) if i < len(layers) - 1 else z
        out = h[..., 0] if learner.task == "regression" else h
        return jnp.sum(learner.output_loss(out, x, y)), inputs

    zeros = [jnp.zeros((x.shape[0], layer["bias"].shape[-1]), x.dtype) for layer in layers]
    deltas, inputs = jax.grad(forward, has_aux=True)(zeros)
    return inputs, deltas


def mlp_ghost_gram(learner: Any, params: Any, x: jax.Array, y: jax.Array, *,
                   dtype: Any = jnp.float32) -> jax.Array:
    """The per-example gradient Gram of an ``MLPLearner`` on ``(x, y)`` by the ghost form
    (:func:`ghost_gram` of the layer inputs and output gradients, no per-example gradient)."""
    return ghost_gram(*_mlp_inputs_and_deltas(learner, params, x, y), dtype=dtype)


def batch_gram64(per_example_grads: Any, valid: jax.Array) -> jax.Array:
    """The float64 Gram of a batch's per-example gradients with invalid rows zeroed (call
    inside ``jax.enable_x64``)."""
    g = flat_gradients(per_example_grads).astype(jnp.float64) * valid[:, None]
    return g @ g.T


def mlp_batch_gram64(learner: Any, params: Any, x: jax.Array, y: jax.Array,
                     valid: jax.Array) -> jax.Array:
    """:func:`batch_gram64` of an ``MLPLearner`` by the ghost form (inside ``enable_x64``)."""
    inputs, deltas = _mlp_inputs_and_deltas(learner, params, x, y)
    return ghost_gram(inputs, [d * valid[:, None] for d in deltas], dtype=jnp.float64)


def mlp_batch_scores(learner: Any, params: Any, x: jax.Array, y: jax.Array, ridge: float,
                     valid: jax.Array | None = None) -> tuple[jax.Array, jax.Array]:
    """``(gnq, tracin)`` of an ``MLPLearner``'s batch from the ghost Gram, kept in float64 from
    the Gram to the solve; rows with ``valid = False`` are zeroed (they score 0)."""
    inputs, deltas = _mlp_inputs_and_deltas(learner, params, x, y)
    if valid is not None:
        deltas = [d * valid[:, None] for d in deltas]
    with jax.enable_x64(True):
        k = ghost_gram(inputs, deltas, dtype=jnp.float64)
        values, _ = _gnq64(k, ridge)
        return values.astype(jnp.float32), jnp.diagonal(k).astype(jnp.float32)
