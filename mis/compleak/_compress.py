"""Training-time compression, as CompLeak does it: every compressed version starts from the
trained original and is fine-tuned on the same members (device, jnp; one model, vmapped by the
engine).

- ``prune:S``: per-layer magnitude mask (the zoo's ``prune:S`` keep mask, ⌊S m⌋ weights of
  smallest magnitude zeroed per kernel), fixed; fine-tuning trains ``θ`` through ``θ ⊙ mask``,
  so pruned weights get no gradient and the release ``θ ⊙ mask`` keeps the mask exactly.
- ``int8``: quantization-aware training. Kernels are fake-quantized per output channel on the
  symmetric int8 grid (the zoo's ``uniform:8`` per channel, scale from the current weights);
  the input of every kernel is fake-quantized per tensor on an affine uint8 grid whose range is
  observed once on the members with the original model (a fixed observer). Rounding passes the
  gradient straight through inside the clipping range and zero outside. The release is real
  int8: the zoo quantizer on the fine-tuned kernels, the same activation grids at inference.
- ``cluster:K``: per-layer 1-D k-means (the zoo's ``kmeans:K``), then fine-tuning of the
  centroids through ``W = c[assign]``: autodiff gives ``∂L/∂c_k = Σ_{i: assign_i = k} ∂L/∂W_i``,
  CompLeak's tied-gradient rule; every layer keeps at most K distinct values.
- ``ptq:<zoo spec>``: post-training compression from the zoo, no fine-tuning (the comparison
  "compress after training" vs "compress with fine-tuning").

Biases stay in full precision and are fine-tuned in every recipe.

References:
    Li, Gao, Hu, Kuang, Fu, "CompLeak: Deep Learning Model Compression Exacerbates Privacy
    Leakage", arXiv:2507.16872, §1.2 of METHODS.md.
    Jacob et al., "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-
    Only Inference", CVPR 2018 (fake quantization with a straight-through estimator).
    Han, Mao, Dally, "Deep Compression", arXiv:1510.00149 (pruning and weight sharing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp

from mis.data import Dataset
from mis.errors import UserError
from mis.quantizers import KMeans, Prune, Uniform, is_weight, parse, quantize_tree
from mis.shadow import (
    ConvLearner,
    MLPLearner,
    WrappedLearner,
    conv_relu_pool,
    fit_by_gradient,
)

KINDS = ("prune", "int8", "cluster", "ptq")
INT8 = Uniform(bits=8, symmetric=True, per_channel=True)


class Version(NamedTuple):
    """One compressed version: ``kind`` in :data:`KINDS` and its parameter (sparsity, clusters,
    the zoo spec for ``ptq``; None for ``int8``)."""

    kind: str
    parameter: Any = None

    @property
    def spec(self) -> str:
        return self.kind if self.parameter is None else f"{self.kind}:{self.parameter:g}" \
            if isinstance(self.parameter, float) else f"{self.kind}:{self.parameter}"

    @property
    def fine_tuned(self) -> bool:
        return self.kind != "ptq"


def parse_version(spec: str) -> Version:
    """``prune:S`` (S in (0, 1)), ``int8``, ``cluster:K`` (K in 2..256) or ``ptq:<zoo spec>``;
    anything else is a one-line ``UserError``."""
    text = str(spec).strip()
    kind, _, arg = text.partition(":")
    allowed = "use prune:S (0 < S < 1), int8, cluster:K (2 <= K <= 256) or ptq:<quantizer>"
    if kind == "int8" and not arg:
        return Version("int8")
    if kind == "prune":
        try:
            s = float(arg)
        except ValueError:
            s = float("nan")
        if not 0 < s < 1:
            raise UserError(f"version {text!r}: sparsity {arg!r} is outside (0, 1); {allowed}")
        return Version("prune", s)
    if kind == "cluster":
        if not arg.isdigit() or not 2 <= int(arg) <= 256:
            raise UserError(f"version {text!r}: clusters {arg!r} not allowed; {allowed}")
        return Version("cluster", int(arg))
    if kind == "ptq" and arg:
        try:
            q = parse(arg)
        except ValueError as e:
            raise UserError(f"version {text!r}: {e}") from None
        if q.needs_calibration:
            raise UserError(f"version {text!r}: calibrated quantizers are not offered here; "
                            f"{allowed}")
        return Version("ptq", q.spec)
    raise UserError(f"version {text!r} is unknown; {allowed}")


class Grid(NamedTuple):
    """An affine grid ``scale·(code − zero)``, ``code ∈ [qmin, qmax]`` (floats)."""

    scale: jax.Array
    zero: jax.Array
    qmin: float
    qmax: float


def fake_quantize(x: jax.Array, grid: Grid) -> jax.Array:
    """Round ``x`` to ``grid`` (ties to even, clipped); the gradient is the straight-through
    estimator: 1 where ``x`` lies inside the clipping range ``[scale(qmin − zero),
    scale(qmax − zero)]``, 0 outside."""
    lo, hi = (grid.qmin - grid.zero) * grid.scale, (grid.qmax - grid.zero) * grid.scale
    code = jnp.clip(jnp.round(x / grid.scale) + grid.zero, grid.qmin, grid.qmax)
    rounded = (code - grid.zero) * grid.scale
    inside = jnp.clip(x, lo, hi)
    return inside + jax.lax.stop_gradient(rounded - inside)


def weight_grid(w: jax.Array) -> Grid:
    """The symmetric int8 grid of every output channel (last axis) of ``w``: scale
    ``max|w_c| / 127`` (shape ``[C]``, broadcast on the last axis), as the zoo's int8."""
    absmax = jnp.max(jnp.abs(w.reshape(-1, w.shape[-1])), axis=0)
    scale = jnp.where(absmax > 0, absmax / 127.0, 1.0)
    return Grid(jax.lax.stop_gradient(scale), jnp.zeros_like(scale), -127.0, 127.0)


def activation_grid(lo: jax.Array, hi: jax.Array) -> Grid:
    """The affine uint8 grid of one activation tensor observed in ``[lo, hi]`` (zero always
    representable)."""
    lo, hi = jnp.minimum(lo, 0.0), jnp.maximum(hi, 0.0)
    scale = jnp.where(hi > lo, (hi - lo) / 255.0, 1.0)
    return Grid(scale, jnp.round(-lo / scale), 0.0, 255.0)


def _leaves(params, name: str) -> list:
    """The leaves called ``name`` (``kernel`` / ``bias``) in tree order = layer order."""
    return [leaf for path, leaf in jax.tree_util.tree_flatten_with_path(params)[0]
            if jax.tree_util.keystr(path).endswith(f"['{name}']")]


def _replace(params, name: str, values) -> Any:
    """``params`` with its ``name`` leaves replaced, in tree order, by ``values``."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(params)
    values, out = iter(values), []
    for path, leaf in flat:
        out.append(next(values) if jax.tree_util.keystr(path).endswith(f"['{name}']") else leaf)
    return jax.tree_util.tree_unflatten(treedef, out)


def _check_learner(learner) -> None:
    if not isinstance(learner, MLPLearner | ConvLearner):
        raise UserError(f"compression recipes need an MLPLearner or ConvLearner, got "
                        f"{type(learner).__name__}")


def layer_inputs_forward(learner: Any, params: Any, x: jax.Array,
                         transform: Callable[[int, jax.Array], jax.Array] | None = None
                         ) -> tuple[jax.Array, list[jax.Array]]:
    """``(logits, inputs)``: the forward pass of an ``MLPLearner`` / ``ConvLearner`` written
    layer by layer, ``transform(i, h)`` applied to the input ``h`` of kernel ``i`` (fake
    quantization), and the list of those (transformed) inputs. With ``transform=None`` the
    logits equal ``learner.predict``."""
    _check_learner(learner)
    transform = transform or (lambda i, h: h)
    layers = list(zip(_leaves(params, "kernel"), _leaves(params, "bias"), strict=True))
    inputs, h = [], x
    if isinstance(learner, ConvLearner):
        for i, (kernel, bias) in enumerate(layers[:-1]):
            h = transform(i, h)
            inputs.append(h)
            h = conv_relu_pool(h, kernel, bias)
        h = h.reshape(*h.shape[:-3], -1)
        h = transform(len(layers) - 1, h)
        inputs.append(h)
        return h @ layers[-1][0] + layers[-1][1], inputs
    for i, (kernel, bias) in enumerate(layers):
        h = transform(i, h)
        inputs.append(h)
        h = h @ kernel + bias
        if i < len(layers) - 1:
            h = jax.nn.relu(h)
    return (h[..., 0] if learner.task == "regression" else h), inputs


class Release(NamedTuple):
    """A compressed model as released: parameters and, for int8, the activation grids (one per
    kernel input; None otherwise)."""

    params: Any
    activations: Any = None


def release_predict(learner: Any, release: Release, x: jax.Array) -> jax.Array:
    """Logits of a released version (activations quantized when the release has grids)."""
    if release.activations is None:
        return learner.predict(release.params, x)
    return layer_inputs_forward(learner, release.params, x,
                                lambda i, h: fake_quantize(h, release.activations[i]))[0]


class _Objective(NamedTuple):
    """What :func:`mis.shadow.fit_by_gradient` reads from a learner, for a reparametrised
    model: ``loss(θ, x, y)`` and the optimiser settings of the fine-tuning."""

    loss: Any
    steps: int
    learning_rate: float
    optimizer: str
    batch_size: int | None
    l2: float
    dp: Any = None


def fine_tune(learner: Any, key: jax.Array, data: Dataset, weights: jax.Array, theta: Any,
              loss: Callable[..., jax.Array], *, steps: int, learning_rate: float) -> Any:
    """``steps`` Adam steps from ``theta`` on the members' weighted mean ``loss(θ, x, y)``
    (full batch unless ``learner`` draws batches), by the engine's own training loop."""
    objective = _Objective(loss, steps, learning_rate, "adam", learner.batch_size, 0.0)
    return fit_by_gradient(objective, key, data, weights, None, lambda _: theta)


def observe_activations(learner: Any, params: Any, x: jax.Array,
                        weights: jax.Array) -> list[Grid]:
    """The per-tensor uint8 grid of every kernel input, its range the min / max over the
    members (``weights > 0``) under the original model."""
    _, inputs = layer_inputs_forward(learner, params, x)
    member = weights > 0
    grids = []
    for h in inputs:
        m = member.reshape(member.shape + (1,) * (h.ndim - 1))
        lo = jnp.min(jnp.where(m, h, jnp.inf))
        hi = jnp.max(jnp.where(m, h, -jnp.inf))
        grids.append(activation_grid(lo, hi))
    return grids


def prune_version(learner: Any, key: jax.Array, data: Dataset, weights: jax.Array, params: Any,
                  sparsity: float, *, steps: int, lr: float) -> tuple[Release, list[jax.Array]]:
    """Magnitude mask per kernel (zoo ``prune:S``), masked fine-tuning (module docstring)."""
    masks = [Prune(sparsity).keep_mask(k).astype(k.dtype) for k in _leaves(params, "kernel")]
    expand = lambda t: _replace(t, "kernel", [k * m for k, m in zip(_leaves(t, "kernel"),
                                                                    masks, strict=True)])
    theta = fine_tune(learner, key, data, weights, params,
                      lambda t, x, y: learner.loss(expand(t), x, y), steps=steps,
                      learning_rate=lr)
    return Release(expand(theta)), masks


def cluster_version(learner: Any, key: jax.Array, data: Dataset, weights: jax.Array,
                    params: Any, k: int, *, steps: int,
                    lr: float) -> tuple[Release, list[jax.Array]]:
    """Per-kernel k-means (zoo ``kmeans:K``), centroid fine-tuning through ``W = c[assign]``.
    Keys: ``kmeans, tune = split(key)``; kernel ``i`` is clustered with ``fold_in(kmeans, i)``."""
    kmeans_key, tune_key = jax.random.split(key)
    kernels = _leaves(params, "kernel")
    km = KMeans(k)
    assigns, centroids = [], []
    for i, w in enumerate(kernels):
        c, a = km.cluster(w, jax.random.fold_in(kmeans_key, i))
        centroids.append(c)
        assigns.append(a)
    shapes = [w.shape for w in kernels]
    biases = _leaves(params, "bias")

    def expand(theta):
        cs, bs = theta
        ks = [c[a].reshape(s) for c, a, s in zip(cs, assigns, shapes, strict=True)]
        return _replace(_replace(params, "kernel", ks), "bias", bs)

    theta = fine_tune(learner, tune_key, data, weights, (centroids, biases),
                      lambda t, x, y: learner.loss(expand(t), x, y), steps=steps,
                      learning_rate=lr)
    return Release(expand(theta)), assigns


def qat_version(learner: Any, key: jax.Array, data: Dataset, weights: jax.Array, params: Any,
                *, steps: int, lr: float) -> Release:
    """int8 quantization-aware fine-tuning, then the real int8 release (module docstring)."""
    grids = observe_activations(learner, params, data.x, weights)

    def fake_loss(t, x, y):
        p = _replace(t, "kernel", [fake_quantize(k, weight_grid(k))
                                   for k in _leaves(t, "kernel")])
        out = layer_inputs_forward(learner, p, x, lambda i, h: fake_quantize(h, grids[i]))[0]
        return learner.output_loss(out, x, y)

    theta = fine_tune(learner, key, data, weights, params, fake_loss, steps=steps,
                      learning_rate=lr)
    return Release(quantize_tree(INT8, theta), grids)


def ptq_version(params: Any, spec: str, key: jax.Array) -> Release:
    """The zoo quantizer ``spec`` on the trained weights, no fine-tuning."""
    q = parse(spec)
    return Release(quantize_tree(q, params, key=key if q.needs_key else None, include=is_weight))


def compress(learner: Any, version: Version, key: jax.Array, data: Dataset, weights: jax.Array,
             params: Any, *,
             steps: int, learning_rate: float) -> Release:
    """The release of ``version`` derived from the trained ``params`` (module docstring)."""
    _check_learner(learner)
    lr = learning_rate
    if version.kind == "prune":
        return prune_version(learner, key, data, weights, params, version.parameter,
                             steps=steps, lr=lr)[0]
    if version.kind == "cluster":
        return cluster_version(learner, key, data, weights, params, version.parameter,
                               steps=steps, lr=lr)[0]
    if version.kind == "int8":
        return qat_version(learner, key, data, weights, params, steps=steps, lr=lr)
    return ptq_version(params, version.parameter, key)


class VersionsAux(NamedTuple):
    """What :class:`CompressedLearner` records per model on every row of the pool (held-out
    rows included): ``logits [V + 1, n, C]`` of the original (row 0) and every version, and
    SAMIA's input sensitivity ``[V + 1, n, C]`` (:func:`sensitivity`)."""

    logits: jax.Array
    sensitivity: jax.Array


def sensitivity(predict: Callable[[jax.Array], jax.Array], x: jax.Array, key: jax.Array, *,
                draws: int = 10, eps: float = 1e-3) -> jax.Array:
    """SAMIA's input-sensitivity vector ``s = (1/m) Σ_r |softmax(f(x + ε u_r)) − softmax(f(x))|
    / ε``, ``u_r ~ N(0, I)``, ``m = draws`` (``[n, C]``; METHODS.md §1.3). Draw ``r`` uses
    ``split(key, draws)[r]`` for all examples and versions alike."""
    p = jax.nn.softmax(predict(x), axis=-1)

    def one(k):
        u = jax.random.normal(k, x.shape, x.dtype)
        return jnp.abs(jax.nn.softmax(predict(x + eps * u), axis=-1) - p) / eps

    return jnp.mean(jax.lax.map(one, jax.random.split(key, draws)), axis=0)


@dataclasses.dataclass(frozen=True)
class CompressedLearner(WrappedLearner):
    """Train ``base`` (the original), then derive every version of ``versions`` from it and
    fine-tune it on the same members (``fine_tune_steps`` Adam steps at
    ``fine_tune_learning_rate``; PTQ versions are not fine-tuned). ``fit`` returns the
    original; ``fit_aux`` also every version's logits and input sensitivity on the whole pool.
    The last ``holdout`` rows of the pool are never trained on (whatever their weight): they
    are only predicted (test accuracy). Keys: ``train, versions, noise = split(key, 3)``;
    version ``v`` uses ``fold_in(versions, v)``."""

    has_aux: ClassVar[bool] = True

    base: Any
    versions: tuple[Version, ...] = ()
    fine_tune_steps: int = 50
    fine_tune_learning_rate: float = 1e-3
    holdout: int = 0
    sensitivity_draws: int = 10

    def activation_size(self, image_shape: tuple[int, ...]) -> int:
        return super().activation_size(image_shape) * (len(self.versions) + 1)

    def _training(self, data: Dataset, weights):
        n = data.x.shape[0] - self.holdout
        return Dataset(data.x[:n], data.y[:n]), weights[:n]

    def fit(self, key: jax.Array, data: Dataset, weights: jax.Array, hyper: Any = None) -> Any:
        train, w = self._training(data, weights)
        return self.base.fit(jax.random.split(key, 3)[0], train, w, hyper)

    def releases(self, key: jax.Array, data: Dataset, weights: jax.Array,
                 hyper: Any = None) -> tuple[Any, list[Release]]:
        """``(params, [Release per version])`` of one model."""
        train_key, version_key, _ = jax.random.split(key, 3)
        train, w = self._training(data, weights)
        params = self.base.fit(train_key, train, w, hyper)
        out = [compress(self.base, v, jax.random.fold_in(version_key, i), train, w,
                        params, steps=self.fine_tune_steps,
                        learning_rate=self.fine_tune_learning_rate)
               for i, v in enumerate(self.versions)]
        return params, out

    def fit_aux(self, key: jax.Array, data: Dataset, weights: jax.Array,
                hyper: Any = None) -> tuple[Any, VersionsAux]:
        params, releases = self.releases(key, data, weights, hyper)
        noise_key = jax.random.split(key, 3)[2]
        predictors = [lambda x: self.base.predict(params, x)] + \
            [lambda x, r=r: release_predict(self.base, r, x) for r in releases]
        logits = jnp.stack([f(data.x) for f in predictors])
        sens = jnp.stack([sensitivity(f, data.x, noise_key, draws=self.sensitivity_draws)
                          for f in predictors])
        return params, VersionsAux(logits, sens)
