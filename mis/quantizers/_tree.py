"""Quantizing whole parameter pytrees, one model or a stack of models (device, jnp)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp

from mis.quantizers._base import Quantizer, require_key

_FULL_PRECISION = ("bias", "scale", "offset", "norm", "embedding_scale")


def is_weight(path: str, leaf: jax.Array) -> bool:
    """Default selection: floating tensors of rank >= 1 whose path names no bias or
    normalisation parameter (``bias``, ``scale``, ``offset``, ``norm``). Kernels, ridge
    coefficients and means are quantized; biases and norm parameters stay in full precision."""
    named = path.lower()
    return (jnp.issubdtype(leaf.dtype, jnp.floating) and leaf.ndim >= 1
            and not any(f"'{word}" in named or f".{word}" in named for word in _FULL_PRECISION))


def selected_leaves(params: Any, include: Callable[[str, jax.Array], bool] = is_weight
                    ) -> list[tuple[str, jax.Array]]:
    """``(keystr(path), leaf)`` of the leaves ``include`` selects, in tree order: the tensors
    :func:`quantize_tree` quantizes."""
    return [(jax.tree_util.keystr(path), leaf) for path, leaf
            in jax.tree_util.tree_flatten_with_path(params)[0]
            if include(jax.tree_util.keystr(path), leaf)]


def quantize_tree(q: Quantizer, params: Any, *, key: jax.Array | None = None,
                  calibration: Mapping[str, jax.Array] | None = None,
                  include: Callable[[str, jax.Array], bool] = is_weight,
                  stacked: bool = False) -> Any:
    """Apply quantizer ``q`` to the selected leaves of a parameter pytree.

    Args:
        q: a quantizer (``mis.quantizers.parse(...)``).
        params: a pytree of arrays (e.g. ``nnx.state(model, nnx.Param)`` or a dict).
        key: required by randomised quantizers; leaf ``i`` uses ``fold_in(key, i)`` and model
            ``m`` of a stack uses ``split(·, num_models)[m]``.
        calibration: for quantizers that need it (GPTQ), the inputs of each selected kernel,
            keyed by ``jax.tree_util.keystr`` of the leaf path: ``[n, d_in]``, or
            ``[num_models, n, d_in]`` when ``stacked``.
        include: ``include(path, leaf) -> bool`` chooses the leaves to quantize; ``leaf`` is one
            model's tensor (the model axis removed when ``stacked``). Default :func:`is_weight`.
        stacked: leaves carry a leading model axis; each model is quantized on its own.

    Returns:
        A pytree of the same structure; unselected leaves are returned unchanged.

    Raises:
        ValueError: a randomised quantizer without ``key``, or a calibrated one without inputs
        for a selected leaf.
    """
    if q.needs_key:
        require_key(key, q.spec)
    calibration = dict(calibration or {})
    flat, treedef = jax.tree_util.tree_flatten_with_path(params)
    out = []
    for i, (path, leaf) in enumerate(flat):
        name = jax.tree_util.keystr(path)
        leaf = jnp.asarray(leaf)
        one = leaf[0] if stacked else leaf
        if not include(name, one):
            out.append(leaf)
            continue
        if q.needs_calibration and name not in calibration:
            raise ValueError(f"{q.spec!r} needs calibration inputs for {name}; pass "
                             f"calibration={{{name!r}: X}}")
        leaf_key = None if key is None else jax.random.fold_in(key, i)
        out.append(_apply(q, leaf, leaf_key, calibration.get(name), stacked))
    return jax.tree_util.tree_unflatten(treedef, out)


def _apply(q, w, key, inputs, stacked):
    def one(w, key, inputs):
        return q(w, key=key, inputs=inputs)

    if not stacked:
        return one(w, key, inputs)
    keys = None if key is None else jax.random.split(key, w.shape[0])
    return jax.vmap(one, in_axes=(0, None if keys is None else 0,
                                  None if inputs is None else 0))(w, keys, inputs)
