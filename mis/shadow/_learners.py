"""Learners written for one model; membership enters as per-example loss weights (device).

A learner is a frozen, hashable dataclass with pure methods:

- ``fit(key, data, weights, hyper=None) -> params`` trains on ``data`` with example weights
  ``weights ∈ [0, 1]^n`` (1 = member). The objective is the weighted mean loss
  ``Σ_i w_i ℓ(θ, z_i) / Σ_i w_i`` (+ ``l2/2 ‖θ‖²``); ``hyper`` optionally overrides
  ``learning_rate`` / ``l2`` with (traced) per-model values.
- ``predict(params, x)`` returns logits (classification) or predictions.
- ``loss(params, x, y)`` returns the per-example loss, ``output_loss(predict(params, x), x, y)``.
- ``output_loss(out, x, y)`` the loss as a function of the prediction (its Hessian in ``out``
  gives the Gauss-Newton curvature used by ``mis.indicator``), and ``penalty_curvature(n)`` the
  curvature the regulariser adds to the mean objective.
- ``calibration_inputs(params, x)`` the input of every dense kernel on ``x``
  (``keystr(path) -> [n, d_in]``): GPTQ's calibration data. Learners without dense kernels
  return ``{}``.

:class:`Learner` is the Protocol that says so. The capabilities the shadow engine reads are
declared, never probed (:class:`LearnerBase` holds the defaults every learner inherits):

- ``has_aux``: whether ``fit_aux(key, data, weights, hyper) -> (params, aux)`` exists
  (``train_shadow_models(..., return_aux=True)``);
- ``float64_inside``: whether ``fit`` has float64 steps (traced with x64 on);
- ``dp``: the learner's :class:`DPSGD` or ``None``;
- ``activation_size(example_shape)``: activations per example (the engine's batch-size hint).

``MeanLearner`` (empirical mean, THEORY §3) and ``RidgeLearner`` are closed forms;
``MLPLearner`` (flax nnx, any hidden widths; ``hidden=()`` is softmax/logistic regression)
trains with optax by full-batch, mini-batch or DP-SGD steps inside ``lax.scan``
(:func:`fit_by_gradient`, shared with ``ConvLearner``). Params cross the nnx
boundary as plain nested dicts (``nnx.split`` / ``to_pure_dict`` / ``nnx.merge``), so only plain
``vmap``/``scan``/``jit`` touch them.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar, NamedTuple, Protocol, runtime_checkable

import jax
import jax.numpy as jnp
import optax
from flax import nnx
from jax.flatten_util import ravel_pytree

from mis.data import Dataset
from mis.shadow._dpsgd import DPSGD, GradientCanaries, dp_gradient


@runtime_checkable
class Learner(Protocol):
    """What every learner provides (module docstring): pure methods on plain parameter trees,
    written for one model; the shadow engine vmaps them over models."""

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array,
            hyper: Any = None) -> Any: ...

    def predict(self, params: Any, x: jax.Array) -> jax.Array: ...

    def loss(self, params: Any, x: jax.Array, y: jax.Array) -> jax.Array: ...

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array: ...

    def penalty_curvature(self, n: int) -> float: ...

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict[str, jax.Array]: ...

    @property
    def has_aux(self) -> bool: ...

    @property
    def float64_inside(self) -> bool: ...

    @property
    def dp(self) -> Any: ...

    def activation_size(self, example_shape: Any) -> int: ...


class LearnerBase:
    """The defaults of the declared capabilities (module docstring): no ``fit_aux``, no float64
    inside, no DP-SGD, one activation per example. A learner overrides what it has."""

    has_aux: ClassVar[bool] = False
    float64_inside: ClassVar[bool] = False
    dp: Any = None

    def activation_size(self, example_shape: Any) -> int:
        """Activations per example (the engine's batch-size heuristic)."""
        del example_shape
        return 1


class WrappedLearner(LearnerBase):
    """What a learner that wraps ``base`` (a whole pipeline around one model: condensation,
    compression) takes from it unchanged: prediction, losses, curvature, quantization inputs
    and the engine's activation-size hint. Subclasses define ``base`` and ``fit``."""

    base: Any

    def predict(self, params: Any, x: jax.Array) -> jax.Array:
        return self.base.predict(params, x)

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        return self.base.output_loss(out, x, y)

    def loss(self, params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        return self.base.loss(params, x, y)

    def penalty_curvature(self, n: int) -> float:
        return self.base.penalty_curvature(n)

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict:
        return self.base.calibration_inputs(params, x)

    def activation_size(self, image_shape: tuple[int, ...]) -> int:
        return self.base.activation_size(image_shape)


def _weighted_mean(values, weights):
    return jnp.sum(weights * values) / jnp.maximum(jnp.sum(weights), 1e-12)


@jax.custom_jvp
def _softplus(s):
    """``log(1 + eˢ) = max(s, 0) + log1p(e^−|s|)`` with the derivative written as ``σ(s)``:
    one transcendental pass in the backward step where autodiff of ``jax.nn.softplus``
    (``logaddexp``) spends several; a quarter faster logistic training, same values."""
    return jnp.maximum(s, 0) + jnp.log1p(jnp.exp(-jnp.abs(s)))


@_softplus.defjvp
def _softplus_jvp(primals, tangents):
    (s,), (t,) = primals, tangents
    return _softplus(s), jax.nn.sigmoid(s) * t


def _hyper(hyper, name, default):
    return default if not hyper or name not in hyper else hyper[name]


@dataclasses.dataclass(frozen=True)
class MeanLearner(LearnerBase):
    """``θ̂ = Σ w_i x_i / Σ w_i``; loss ``‖x − θ̂‖²`` (the Gaussian-mean model of THEORY §3)."""

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any = None) -> Any:
        del key, hyper
        w = weights[:, None]
        return {"mean": jnp.sum(w * data.x, 0) / jnp.maximum(jnp.sum(weights), 1e-12)}

    def predict(self, params: Any, x: jax.Array) -> jax.Array:
        return jnp.broadcast_to(params["mean"], x.shape)

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        del y
        return jnp.sum((x - out) ** 2, axis=-1)

    def loss(self, params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        return self.output_loss(self.predict(params, x), x, y)

    def penalty_curvature(self, n: int) -> float:
        del n
        return 0.0

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict:
        """No dense kernel: GPTQ does not apply."""
        del params, x
        return {}


@dataclasses.dataclass(frozen=True)
class RidgeLearner(LearnerBase):
    """Weighted ridge regression ``θ̂ = (Xᵀ W X + λ I)^{-1} Xᵀ W y``; loss ``(y − xθ̂)²``."""

    l2: float = 1.0

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any = None) -> Any:
        del key
        lam = _hyper(hyper, "l2", self.l2)
        xw = data.x * weights[:, None]
        gram = xw.T @ data.x + lam * jnp.eye(data.x.shape[1], dtype=data.x.dtype)
        return {"theta": jnp.linalg.solve(gram, xw.T @ data.y)}

    def predict(self, params: Any, x: jax.Array) -> jax.Array:
        return x @ params["theta"]

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        del x
        return (y - out) ** 2

    def loss(self, params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        return self.output_loss(self.predict(params, x), x, y)

    def penalty_curvature(self, n: int) -> float:
        """``λ‖θ‖²`` is added to the summed loss: ``2λ/n`` on the mean objective."""
        return 2.0 * self.l2 / n

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict:
        """``theta`` is a vector, not a dense kernel: GPTQ does not apply."""
        del params, x
        return {}


class MLP(nnx.Module):
    """ReLU multilayer perceptron ``sizes[0] → … → sizes[-1]`` (no activation on the output)."""

    def __init__(self, sizes: tuple[int, ...], *, rngs: nnx.Rngs) -> None:
        self.layers = nnx.List([nnx.Linear(a, b, rngs=rngs)
                                for a, b in zip(sizes[:-1], sizes[1:], strict=True)])

    def __call__(self, x: jax.Array) -> jax.Array:
        for layer in self.layers[:-1]:
            x = nnx.relu(layer(x))
        return self.layers[-1](x)


class GradientLearner(LearnerBase):
    """What the optax-trained learners share (``MLPLearner``, ``ConvLearner``): the loss through
    ``output_loss`` and the curvature of their ``l2/2 ‖θ‖²`` penalty."""

    def loss(self, params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        # output_loss and predict: methods of every subclass
        return self.output_loss(self.predict(params, x), x, y)  # type: ignore[attr-defined]

    def penalty_curvature(self, n: int) -> float:
        """``l2/2 ‖θ‖²`` on the mean objective: curvature ``l2``."""
        del n
        return float(self.l2)  # type: ignore[attr-defined]  # a field of every subclass


@dataclasses.dataclass(frozen=True)
class MLPLearner(GradientLearner):
    """An MLP head trained with optax: softmax cross-entropy (``task="classification"``, int
    labels, ``num_outputs`` classes) or squared error (``task="regression"``, one output).

    ``hidden=()`` is multinomial logistic (softmax) regression. ``batch_size=None`` takes
    full-batch steps; otherwise each step draws ``batch_size`` pool indices uniformly (with the
    step's key) and weights them by membership. ``dp=DPSGD(C, σ, q)`` trains with DP-SGD
    instead (:func:`fit_by_gradient`).
    """

    hidden: tuple[int, ...] = (64,)
    num_outputs: int = 2
    task: str = "classification"
    steps: int = 200
    learning_rate: float = 1e-2
    optimizer: str = "adam"
    batch_size: int | None = None
    l2: float = 0.0
    dp: DPSGD | None = None

    def __post_init__(self):
        if self.task not in ("classification", "regression"):
            raise ValueError(f"task={self.task!r}; use 'classification' or 'regression'")
        check_gradient_learner(self)
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden={self.hidden} must be positive")
        object.__setattr__(self, "hidden", tuple(self.hidden))

    def _sizes(self, d):
        return (d, *self.hidden, 1 if self.task == "regression" else self.num_outputs)

    def init(self, key: jax.Array, d: int) -> Any:
        """Initial parameters (a nested dict) for inputs of dimension ``d``."""
        return nnx.to_pure_dict(nnx.split(MLP(self._sizes(d), rngs=nnx.Rngs(params=key)))[1])

    def predict(self, params: Any, x: jax.Array) -> jax.Array:
        d = params["layers"][0]["kernel"].shape[0]
        abstract = nnx.eval_shape(lambda: MLP(self._sizes(d), rngs=nnx.Rngs(0)))
        graphdef, state = nnx.split(abstract)
        nnx.replace_by_pure_dict(state, params)
        out = nnx.merge(graphdef, state)(x)
        return out[..., 0] if self.task == "regression" else out

    def features(self, params: Any, x: jax.Array) -> jax.Array:
        """``[..., h]``: the last hidden layer's ReLU output, the output layer's input (``x``
        itself for a model without hidden layers)."""
        layers = params["layers"]
        for i in range(len(layers) - 1):
            x = jax.nn.relu(x @ layers[i]["kernel"] + layers[i]["bias"])
        return x

    def output_loss(self, out: jax.Array, x: jax.Array, y: jax.Array) -> jax.Array:
        del x
        if self.task == "regression":
            return (out - y) ** 2
        return optax.softmax_cross_entropy_with_integer_labels(out, y)

    def loss(self, params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        """``output_loss(predict(params, x), x, y)``. With two classes it is computed from the
        logit margin ``m = z₁ − z₀ = h·(W₁ − W₀) + (b₁ − b₀)`` (``h = features``):
        ``logsumexp(z) − z_y = softplus(−m)`` for ``y = 1`` and ``softplus(m)`` for ``y = 0``.
        Same value and gradient (``∂/∂W₁ = −∂/∂W₀``), half the output layer's multiply-adds and
        no two-column softmax: 2.5-3x the training speed of the logistic head."""
        if self.task != "classification" or self.num_outputs != 2:
            return super().loss(params, x, y)
        last = params["layers"][len(params["layers"]) - 1]
        kernel, bias = last["kernel"], last["bias"]
        margin = self.features(params, x) @ (kernel[:, 1] - kernel[:, 0]) + (bias[1] - bias[0])
        return _softplus(jnp.where(y == 1, -margin, margin))

    def activation_size(self, example_shape: Any) -> int:
        """Hidden units plus outputs per example (the engine's batch-size heuristic)."""
        del example_shape
        return sum(self.hidden) + self.num_outputs

    def calibration_inputs(self, params: Any, x: jax.Array) -> dict:
        """The input of every layer's kernel on ``x`` (``keystr -> [n, d_in]``), computed
        with the full-precision layers: GPTQ's calibration data."""
        out, h = {}, x
        layers = params["layers"]
        for i in range(len(layers)):
            out[f"['layers'][{i}]['kernel']"] = h
            h = jax.nn.relu(h @ layers[i]["kernel"] + layers[i]["bias"])
        return out

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any = None) -> Any:
        return fit_by_gradient(self, key, data, weights, hyper,
                               lambda k: self.init(k, data.x.shape[1]))


def example_shape(x: jax.Array) -> int | tuple[int, ...]:
    """What a gradient learner's ``init`` takes for the examples ``x``: the width of vectors
    ``[n, d]``, the shape ``(H, W, C)`` of images ``[n, H, W, C]``.

    Example:
        >>> example_shape(jnp.zeros((5, 3))), example_shape(jnp.zeros((5, 8, 8, 1)))
        (3, (8, 8, 1))
    """
    return x.shape[1] if x.ndim == 2 else tuple(x.shape[1:])


def check_gradient_learner(learner: Any) -> None:
    """The checks shared by the gradient-trained learners (optimizer, steps, batches, DP)."""
    if learner.optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer={learner.optimizer!r}; use 'adam' or 'sgd'")
    if learner.steps < 1:
        raise ValueError(f"steps={learner.steps} must be positive")
    if learner.dp is not None and learner.batch_size is not None:
        raise ValueError("dp= samples its own batches (Poisson rate dp.sample_rate); leave "
                         f"batch_size=None (got {learner.batch_size})")
    if learner.dp is not None and not isinstance(learner.dp, DPSGD):
        raise ValueError(f"dp={learner.dp!r}; use mis.shadow.DPSGD(...) or None")


def fit_by_gradient(learner: Any, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any,
                    init: Any, monitor: Any = None,
                    canaries: GradientCanaries | None = None) -> Any:
    """The optax training loop of the gradient learners (``MLPLearner``, ``ConvLearner``):
    ``learner.steps`` steps of ``learner.optimizer`` inside ``lax.scan`` on the weighted mean
    loss plus ``l2/2 ‖θ‖²``; full batch, ``batch_size`` uniform draws per step, or DP-SGD
    (``learner.dp``, :mod:`mis.shadow._dpsgd`) with the L2 gradient added after the noise.
    Keys: ``init, batches = split(key)``; step ``t`` uses ``split(batches, steps)[t]``.
    With ``monitor(params) -> scalar`` it returns ``(params, curve)``, ``curve[t]`` the monitor
    after step ``t + 1`` (e.g. a validation loss: :func:`fit_with_curve`). With DP-SGD and
    ``canaries`` (:class:`~mis.shadow.GradientCanaries`) it returns ``(params, observed)``,
    ``observed[t, c]`` the noisy gradient sum of step ``t`` at canary ``c``'s coordinate in units
    of ``C`` (what an observer of every update recovers: :func:`train_with_gradient_canaries`)."""
    if canaries is not None and (monitor is not None or learner.dp is None):
        raise ValueError("canaries= needs a DP-SGD learner (dp=DPSGD(...)) and no monitor")
    init_key, batch_key = jax.random.split(key)
    lr = _hyper(hyper, "learning_rate", learner.learning_rate)
    l2 = _hyper(hyper, "l2", learner.l2)
    params = init(init_key)
    opt = optax.adam(lr) if learner.optimizer == "adam" else optax.sgd(lr)

    def objective(p, step_key):
        x, y, w = data.x, data.y, weights
        if learner.batch_size is not None:
            idx = jax.random.randint(step_key, (learner.batch_size,), 0, x.shape[0])
            x, y, w = x[idx], y[idx], w[idx]
        penalty = 0.5 * l2 * sum(jnp.sum(a**2) for a in jax.tree.leaves(p))
        return _weighted_mean(learner.loss(p, x, y), w) + penalty

    def gradient(p, step_key):
        if learner.dp is None:
            return jax.grad(objective)(p, step_key), None
        g = dp_gradient(step_key, learner.loss, p, data.x, data.y, weights, learner.dp,
                        canaries=canaries)
        return jax.tree.map(lambda a, b: a + l2 * b, g, p), g

    def step(carry, step_key):
        p, s = carry
        g, noisy = gradient(p, step_key)
        updates, s = opt.update(g, s, p)
        p = optax.apply_updates(p, updates)
        if canaries is not None:  # the noisy sum at the canaries, in units of C
            scale = learner.dp.sample_rate * jnp.maximum(jnp.sum(weights), 1.0)
            seen = ravel_pytree(noisy)[0][canaries.coordinates] * scale / learner.dp.clip_norm
            return (p, s), seen
        return (p, s), (None if monitor is None else monitor(p))

    keys = jax.random.split(batch_key, learner.steps)
    (params, _), curve = jax.lax.scan(step, (params, opt.init(params)), keys)
    return params if monitor is None and canaries is None else (params, curve)


def fit_with_curve(learner: Any, key: jax.Array, data: Dataset, weights: jax.Array,
                   validation: Dataset, hyper: Any = None) -> Any:
    """``(params, curve)``: ``learner`` (an ``MLPLearner`` or ``ConvLearner``) trained exactly as
    its ``fit`` does, with ``curve[t]`` the mean loss on ``validation`` after step ``t + 1``."""
    shape = example_shape(data.x)
    monitor = lambda p: jnp.mean(learner.loss(p, validation.x, validation.y))
    return fit_by_gradient(learner, key, data, weights, hyper,
                           lambda k: learner.init(k, shape), monitor)


def softmax_regression(num_classes: int = 2, **kwargs: Any) -> MLPLearner:
    """Multinomial logistic regression: an ``MLPLearner`` with no hidden layer."""
    return MLPLearner(hidden=(), num_outputs=num_classes, **kwargs)


class CanaryRun(NamedTuple):
    """One DP-SGD run with gradient canaries: ``initial`` and ``final`` parameters and
    ``observed`` (``[steps, m]``, the noisy gradient sum at each canary's coordinate at each
    step, in units of ``C``)."""

    initial: Any
    final: Any
    observed: jax.Array


@functools.partial(jax.jit, static_argnums=0)
def train_with_gradient_canaries(learner: Any, key: jax.Array, data: Dataset,
                                 weights: jax.Array, canaries: GradientCanaries) -> CanaryRun:
    """``learner`` (an ``MLPLearner`` or ``ConvLearner`` with ``dp=DPSGD(...)``) trained once
    as its ``fit`` does on the members of ``data`` plus the included
    :class:`~mis.shadow.GradientCanaries`; the initial parameters come from the same key as
    ``fit``'s (``init = split(key)[0]``), known to a white-box observer."""
    init = lambda k: learner.init(k, example_shape(data.x))  # noqa: E731
    final, observed = fit_by_gradient(learner, key, data, weights, None, init,
                                      canaries=canaries)
    return CanaryRun(init(jax.random.split(key)[0]), final, observed)
