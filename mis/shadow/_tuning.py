"""Validation-tuned training recipes (host selection over device-trained curves): a seeded
validation split, early stopping on the validation curve, and the L2 strength chosen from a
grid, all by one vmapped training run per grid.

A practitioner who releases a model first tunes it: hold out part of the training split, train
with each candidate L2 strength while recording the validation loss after every step, and keep
the strength and the step count with the lowest validation loss. With full-batch steps the
trajectory does not depend on the number of steps, so training ``steps`` steps reproduces the
checkpoint at that step exactly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from mis.data import Dataset
from mis.errors import UserError
from mis.shadow._learners import fit_with_curve

if TYPE_CHECKING:
    from mis.shadow._learners import GradientLearner


class Tuning(NamedTuple):
    """The selected recipe and the evidence.

    Attributes:
        l2: the selected L2 strength.
        steps: the early-stopping step count (1-based) for that strength.
        grid: the candidate strengths.
        curves: ``[len(grid), max_steps]`` validation loss after each step.
        best: ``[len(grid)]`` each strength's minimum validation loss.
    """

    l2: float
    steps: int
    grid: tuple
    curves: np.ndarray
    best: np.ndarray


def validation_split(key: jax.Array, n: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """``(fit, validation)`` boolean masks over ``n`` examples: a uniformly random
    ``round(fraction·n)`` (at least 1, at most ``n − 2``) are held out for validation."""
    if not 0 < fraction < 1:
        raise UserError(f"validation fraction {fraction!r} is not allowed; use a number in "
                        "(0, 1)")
    size = int(min(max(round(fraction * n), 1), n - 2))
    if size < 1:
        raise UserError(f"{n} examples are too few for a validation split")
    order = np.asarray(jax.random.permutation(key, n))
    val = np.zeros(n, bool)
    val[order[:size]] = True
    return ~val, val


def early_stopping_step(curve: ArrayLike) -> int:
    """The step count (1-based) at the first minimum of ``curve`` (``curve[t]`` after step
    ``t + 1``); non-finite values never win."""
    c = np.asarray(curve, np.float64)
    c = np.where(np.isfinite(c), c, np.inf)
    if not np.isfinite(c).any():
        raise UserError("every validation loss is non-finite; lower the learning rate")
    return int(np.argmin(c)) + 1


def tune_l2(learner: GradientLearner, key: jax.Array, fit: Dataset, validation: Dataset,
            grid: Sequence[float]) -> Tuning:
    """Train ``learner`` (``learner.steps`` steps at most) on ``fit`` once per L2 strength of
    ``grid`` (vmapped, the same key: the same initialisation) recording the validation curve;
    select the strength with the lowest minimum, and its early-stopping step."""
    grid = tuple(float(v) for v in grid)
    if not grid or any(not np.isfinite(v) or v < 0 for v in grid):
        raise UserError(f"l2 grid {list(grid)} is not allowed; use finite numbers >= 0")
    weights = jnp.ones(fit.x.shape[0])
    run = jax.jit(jax.vmap(lambda l2: fit_with_curve(learner, key, fit, weights, validation,
                                                     {"l2": l2})[1]))
    curves = np.asarray(run(jnp.asarray(grid, jnp.float32)), np.float64)
    best = np.where(np.isfinite(curves), curves, np.inf).min(axis=1)
    pick = int(np.argmin(best))
    return Tuning(grid[pick], early_stopping_step(curves[pick]), grid, curves, best)


def tuned_learner(learner: Any, tuning: Tuning) -> Any:
    """``learner`` with the selected L2 strength and step count."""
    return dataclasses.replace(learner, l2=tuning.l2, steps=tuning.steps)
