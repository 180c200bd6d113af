"""Outputs and losses of stacked models (a leading model axis on every parameter, as
:func:`~mis.shadow.train_shadow_models` returns them) on shared inputs (device, jnp)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import jax

if TYPE_CHECKING:
    from mis.data import Dataset
    from mis.shadow._learners import Learner


# jit: one program per learner and shapes; as eager vmaps, every primitive of the network was
# compiled on its own for each new shape (a study evaluates every release this way). Learners
# are hashable dataclasses.
@functools.partial(jax.jit, static_argnums=0)
def stacked_predict(learner: Learner, params: Any, *inputs: jax.Array) -> tuple[jax.Array, ...]:
    """``learner.predict(params[m], x)`` of every model ``m``, stacked: ``[M, n, ...]`` for each
    input array ``x``, in order (``vmap`` over the models, the inputs shared)."""
    return tuple(jax.vmap(learner.predict, (0, None))(params, x) for x in inputs)


@functools.partial(jax.jit, static_argnums=0)
def stacked_loss(learner: Learner, params: Any, *datasets: Dataset) -> tuple[jax.Array, ...]:
    """``learner.loss(params[m], d.x, d.y)`` of every model ``m``, stacked: ``[M, n]`` for
    each ``Dataset`` ``d``, in order."""
    return tuple(jax.vmap(learner.loss, (0, None, None))(params, d.x, d.y) for d in datasets)
