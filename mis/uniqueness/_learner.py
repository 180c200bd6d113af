"""Mini-batch training that records every example's gradient uniqueness, with the censoring
defense (device, jnp).

:class:`UniquenessLearner` wraps a gradient learner (``MLPLearner`` or ``ConvLearner``: its
network, loss, optimizer, steps, learning rate and L2) and trains it by mini-batch steps of
``batch_size`` distinct members drawn uniformly at each step. At every step it forms the
batch's per-example gradients (``vmap(grad)``), takes their mean as the update, and scores
each batch member by GNQ (:mod:`mis.uniqueness._gnq`, float64 solve). Per example it keeps

    cumulative = Σ_steps ½ log(1 + GNQ)     max = max_steps GNQ     total = Σ_steps GNQ
    tracin     = Σ_steps ‖g‖²               count = steps in a batch
    pinv       = Σ_steps ½ log(1 + g_jᵀ S_{-j}⁺ g_j)   (only with ``controls=True``)

**Censoring** (the defense of arXiv 2510.10902): once an example's ``cumulative`` exceeds the
budget ``τ`` it is dropped from every later batch (the step that crosses the budget still uses
it). This is a heuristic: it carries no differential-privacy guarantee, and which examples are
dropped depends on the data, itself a possible side channel.

It is a learner of the shadow engine's protocol: ``fit`` returns the parameters and
``fit_aux`` also returns the records, so ``train_shadow_models(..., return_aux=True)`` trains
and scores many runs at once (the attacker's shadows follow the same recipe as the target).
Keys: ``init, batches = split(key)``; step ``t`` draws its batch with ``split(batches,
steps)[t]``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import optax

from mis.data import Dataset
from mis.errors import UserError
from mis.shadow import (
    ConvLearner,
    GradientLearner,
    MLPLearner,
    example_shape,
    per_example_gradients,
)
from mis.uniqueness._gnq import (
    batch_gram64,
    batch_scores,
    disclosure,
    flat_gradients,
    mlp_batch_gram64,
    mlp_batch_scores,
    pinv_from_gram,
)


class Records(NamedTuple):
    """Per-example records of one training run (``[n]`` each; zeros for examples never in a
    batch). ``censored_at`` is the step whose update crossed the budget (``-1``: never)."""

    cumulative: jax.Array
    max: jax.Array
    total: jax.Array
    tracin: jax.Array
    count: jax.Array  # type: ignore[assignment]  # shadows tuple.count (a field here)
    censored_at: jax.Array
    pinv: jax.Array

    @property
    def mean(self) -> jax.Array:
        """Mean GNQ over the steps an example was in a batch (0 if none)."""
        return self.total / jnp.maximum(self.count, 1)


class Trace(NamedTuple):
    """Every step of one run (``[steps, batch_size]`` each): the batch's pool indices, whether
    the slot held a live member, and its GNQ."""

    index: jax.Array  # type: ignore[assignment]  # shadows tuple.index (a field here)
    valid: jax.Array
    gnq: jax.Array


@dataclasses.dataclass(frozen=True)
class UniquenessLearner(GradientLearner):
    """``base`` trained by mini-batches of ``batch_size`` members, scoring GNQ with ridge
    ``ridge`` and censoring at ``budget`` (``math.inf``: no censoring) (module docstring).
    ``controls``: also record the pseudo-inverse form (one eigendecomposition per example and
    step: for the one run, not for every shadow)."""

    base: MLPLearner | ConvLearner
    batch_size: int = 32
    ridge: float = 1e-2
    budget: float = math.inf
    ghost: bool | None = None
    controls: bool = False

    #: the shadow engine traces this learner with x64 on (GNQ's float64 solve under its vmap)
    float64_inside: ClassVar[bool] = True
    has_aux: ClassVar[bool] = True

    def __post_init__(self):
        if not hasattr(self.base, "init") or not hasattr(self.base, "steps"):
            raise UserError(f"base={type(self.base).__name__} has no gradient training; use "
                            "an MLPLearner or ConvLearner")
        if self.base.dp is not None or self.base.batch_size is not None:
            raise UserError("base must have dp=None and batch_size=None: the uniqueness learner "
                            "draws its own batches")
        is_mlp = isinstance(self.base, MLPLearner)
        if self.ghost and not is_mlp:
            raise UserError(f"ghost=True needs an MLPLearner base, not {type(self.base).__name__}")
        object.__setattr__(self, "ghost", is_mlp if self.ghost is None else bool(self.ghost))
        if getattr(self.base, "fused", False) is None:  # per-example gradients: image patches
            object.__setattr__(self, "base", dataclasses.replace(self.base, fused=False))
        if not isinstance(self.batch_size, int) or isinstance(self.batch_size, bool) \
                or self.batch_size < 2:
            raise UserError(f"batch_size={self.batch_size!r} is not allowed; use an integer "
                            ">= 2 (leave-one-out needs another example in the batch)")
        for name in ("ridge", "budget"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) \
                    or math.isnan(value) or not value > 0 or (name == "ridge"
                                                              and math.isinf(value)):
                allowed = "a finite number > 0" if name == "ridge" else "a number > 0 (inf: off)"
                raise UserError(f"{name}={value!r} is not allowed; use {allowed}")

    # the network, loss and penalty are the base learner's
    @property
    def l2(self) -> float:
        return self.base.l2

    @property
    def steps(self) -> int:
        return self.base.steps

    @property
    def dp(self) -> None:
        return None

    def predict(self, params: Any, x: jax.Array) -> jax.Array:
        return self.base.predict(params, x)

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        return self.base.output_loss(out, x, y)

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict:
        return self.base.calibration_inputs(params, x)

    def activation_size(self, example_shape: tuple[int, ...]) -> int:
        return self.base.activation_size(example_shape)

    def init(self, key: jax.Array, data: Dataset) -> Any:
        return self.base.init(key, example_shape(data.x))  # type: ignore[arg-type]

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any = None) -> Any:
        """The trained parameters (without censoring the records are not needed and the
        per-example gradients are skipped: the mean-gradient step is the same update)."""
        return self._run(key, data, weights, hyper, scores=math.isfinite(self.budget))[0]

    def fit_aux(self, key: jax.Array, data: Dataset, weights: jax.Array,
                hyper: Any = None) -> tuple[Any, Records]:
        """``(params, Records)``."""
        params, records, _ = self._run(key, data, weights, hyper, scores=True)
        return params, records

    def fit_trace(self, key: jax.Array, data: Dataset, weights: jax.Array,
                  hyper: Any = None) -> tuple[Any, Records, Any]:
        """``(params, Records, Trace)``: also every step's batch (tests, inspection)."""
        return self._run(key, data, weights, hyper, scores=True, trace=True)

    def _run(self, key, data: Dataset, weights, hyper, *, scores: bool, trace: bool = False):
        base = self.base
        init_key, batch_key = jax.random.split(key)
        lr = base.learning_rate if not hyper or "learning_rate" not in hyper \
            else hyper["learning_rate"]
        l2 = base.l2 if not hyper or "l2" not in hyper else hyper["l2"]
        params = self.init(init_key, data)
        opt = optax.adam(lr) if base.optimizer == "adam" else optax.sgd(lr)
        n, b = data.x.shape[0], min(self.batch_size, data.x.shape[0])
        member = weights > 0
        zeros = jnp.zeros(n, jnp.float32)
        start = Records(zeros, zeros, zeros, zeros, zeros, jnp.full(n, -1, jnp.int32), zeros)

        def step(carry, inputs):
            p, s, rec = carry
            t, step_key = inputs
            live = member & (rec.censored_at < 0)
            u = jax.random.uniform(step_key, (n,), jnp.float32)
            _, idx = jax.lax.top_k(jnp.where(live, u, u - 2.0), b)  # b live ones first
            valid = live[idx]
            w = jnp.where(valid, weights[idx], 0.0)
            x, y = data.x[idx], data.y[idx]
            mean_grad = lambda: jax.grad(lambda q: jnp.sum(w * self.loss(q, x, y))
                                         / jnp.maximum(jnp.sum(w), 1e-12))(p)
            if scores and self.ghost:
                g = mean_grad()
                values, tracin = mlp_batch_scores(self.base, p, x, y, self.ridge, valid)
            elif scores:
                grads = per_example_gradients(self.loss, p, x, y)
                g = jax.tree.map(
                    lambda a: jnp.tensordot(w, a, axes=1) / jnp.maximum(jnp.sum(w), 1e-12),
                    grads)
                values, tracin = batch_scores(flat_gradients(grads) * valid[:, None],
                                              self.ridge)
            pinv = rec.pinv
            if scores and self.controls:
                with jax.enable_x64(True):
                    k64 = (mlp_batch_gram64(self.base, p, x, y, valid) if self.ghost else
                           batch_gram64(per_example_gradients(self.loss, p, x, y), valid))
                    pv = pinv_from_gram(k64).astype(jnp.float32) * valid
                pinv = pinv.at[idx].add(disclosure(pv))
            if scores:
                values, tracin = values * valid, tracin * valid
                cumulative = rec.cumulative.at[idx].add(disclosure(values))
                crossed = (cumulative > self.budget) & (rec.censored_at < 0)
                rec = Records(cumulative, rec.max.at[idx].max(values),
                              rec.total.at[idx].add(values), rec.tracin.at[idx].add(tracin),
                              rec.count.at[idx].add(valid.astype(jnp.float32)),
                              jnp.where(crossed, t, rec.censored_at), pinv)
            else:
                values = jnp.zeros(b, jnp.float32)
                g = mean_grad()
            g = jax.tree.map(lambda a, q: a + l2 * q, g, p)
            updates, s = opt.update(g, s, p)
            out = Trace(idx, valid, values) if trace else None
            return (optax.apply_updates(p, updates), s, rec), out

        inputs = (jnp.arange(base.steps, dtype=jnp.int32), jax.random.split(batch_key, base.steps))
        (params, _, records), steps = jax.lax.scan(step, (params, opt.init(params), start), inputs)
        return params, records, steps
