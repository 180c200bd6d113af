"""The shadow-model engine: many models trained in one compiled program (device, jnp).

``train_shadow_models`` draws a membership mask, derives one key per model with ``fold_in``,
and runs ``learner.fit`` for every model: ``lax.map`` over chunks of ``batch_size`` models on
each device, ``shard_map`` across devices, and a host loop over equally shaped chunks (compiled
once) that reports progress and bounds memory. Model ``m`` is exactly the model that
``learner.fit(result.keys[m], pool, result.mask[m])`` trains alone.

References:
    Carlini et al., "Membership Inference Attacks From First Principles", 2022,
    arXiv:2112.03570 (LiRA; the balanced IN/OUT design).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P
from jax.typing import ArrayLike

from mis.data import Dataset
from mis.errors import UserError
from mis.progress import report
from mis.quantizers import is_weight, quantize_tree

if TYPE_CHECKING:
    from mis.progress import ProgressFn
    from mis.quantizers import Quantizer
    from mis.shadow._learners import Learner


class ShadowModels(NamedTuple):
    """Result of :func:`train_shadow_models`.

    Attributes:
        mask: ``[num_models, n]`` float, 1 where the pool example was IN model ``m``.
        keys: ``[num_models]`` the key each model's ``learner.fit`` received.
        params: stacked parameters (leading model axis), or None in signals-only mode.
        logits: ``[num_models, n_query, ...]`` predictions on the query set (None without one).
        losses: ``[num_models, n_query]`` per-example losses on the query set (None without).
        aux: with ``return_aux``, what each model's ``learner.fit_aux`` returned beside its
            parameters (stacked; e.g. per-example records of the training run), else None.
    """

    mask: jax.Array
    keys: jax.Array
    params: Any = None
    logits: jax.Array | None = None
    losses: jax.Array | None = None
    aux: Any = None


DESIGNS = ("balanced", "bernoulli")


def membership_mask(key: jax.Array, num_models: int, n: int, *,
                    design: str = "balanced") -> jax.Array:
    """``[num_models, n]`` float mask. ``balanced``: every example is IN for exactly half of the
    models (LiRA), chosen by a uniform random permutation per example; ``bernoulli``: each entry
    IN independently with probability 1/2."""
    if design not in DESIGNS:
        raise UserError(f"design={design!r} is unknown; use one of {', '.join(DESIGNS)}")
    if design == "balanced" and num_models % 2:
        raise UserError(f"num_models={num_models} must be even for the balanced design")
    return _draw_mask(key, num_models, n, design)


# jit: one program per (num_models, n, design); eagerly, each new size compiled its five
# primitives one by one
@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _draw_mask(key, num_models: int, n: int, design: str) -> jax.Array:
    u = jax.random.uniform(key, (num_models, n))
    if design == "bernoulli":
        return (u < 0.5).astype(jnp.float32)
    ranks = jnp.argsort(jnp.argsort(u, axis=0), axis=0)
    return (ranks < num_models // 2).astype(jnp.float32)


def fit_keys(key: jax.Array, num_models: int) -> jax.Array:
    """Per-model keys ``fold_in(key, m)``: model ``m``'s key does not depend on ``num_models``."""
    return jax.vmap(lambda m: jax.random.fold_in(key, m))(jnp.arange(num_models))


def auto_batch_size(learner: Learner, pool: Dataset, platform: str) -> int:
    """Models per ``lax.map`` step: on CPU a power of two keeping one batch's activations
    (about ``4 n (Σ widths)`` bytes per model, three copies for the backward pass) within ~1 MB
    of cache, capped at 128; on accelerators 256. Measured on one core (d = 128, n = 1000,
    200 Adam steps): logistic head 136 / 193 / 230 models/s at 16 / 32 / 128; on two devices the
    MLP 128-64-2 is best at 1 (17.5 vs 13.8 models/s at 8)."""
    if platform != "cpu":
        return 256
    widths = learner.activation_size(pool.x.shape[1:])
    per_model = 12 * pool.x.shape[0] * max(widths, 1)
    if learner.dp is not None:  # per-example gradients of the whole pool
        per_model *= 4
    return int(min(128, max(1, 2 ** math.floor(math.log2(max(1e6 / per_model, 1))))))


def _check_inputs(pool, num_models, mask, query, hyper, quantizer):
    if not isinstance(num_models, int) or isinstance(num_models, bool) or num_models < 2:
        raise UserError(f"num_models={num_models!r} is not allowed; use an integer >= 2")
    x, y = np.asarray(pool.x), np.asarray(pool.y)
    if x.ndim < 2 or x.shape[0] == 0:
        raise UserError(f"pool.x has shape {x.shape}; expected [n, d] or [n, H, W, C] with "
                        "n >= 1")
    if y.shape[:1] != x.shape[:1]:
        raise UserError(f"pool.y has {y.shape[:1]} rows but pool.x has {x.shape[0]}")
    if not np.all(np.isfinite(x)) or (y.dtype.kind == "f" and not np.all(np.isfinite(y))):
        raise UserError("pool contains non-finite values (nan or inf)")
    if mask is not None and np.shape(mask) != (num_models, x.shape[0]):
        raise UserError(f"mask has shape {np.shape(mask)}; expected {(num_models, x.shape[0])}")
    if query is not None and (np.shape(query.x)[1:] != x.shape[1:]
                              or np.shape(query.y)[:1] != np.shape(query.x)[:1]):
        raise UserError(f"query shapes {np.shape(query.x)}, {np.shape(query.y)} do not match "
                        f"the pool's example shape {x.shape[1:]}")
    for name, value in (hyper or {}).items():
        if np.shape(value)[:1] != (num_models,):
            raise UserError(f"hyper[{name!r}] has shape {np.shape(value)}; expected "
                            f"[{num_models}, ...] (one value per model)")
    if quantizer is not None and quantizer.needs_calibration:
        raise UserError(f"{quantizer.spec!r} needs calibration data; quantize the returned "
                        "params with mis.quantizers.quantize_tree(..., calibration=...)")


@functools.lru_cache(maxsize=64)
def _runner(learner, quantizer, include, has_query, return_params, batch_size, devices,
            return_aux=False, key_impl=None):
    """The compiled chunk program for one configuration (cached: compiled once per shapes).
    With ``key_impl`` the keys arrive as raw ``key_data`` (global arrays of several processes
    hold plain dtypes) and are wrapped here."""

    def one(pool, query, key, weights, hyper):
        if key_impl is not None:
            key = jax.random.wrap_key_data(key, impl=key_impl)
        if return_aux:
            params, aux = learner.fit_aux(key, pool, weights, hyper)
        else:
            params, aux = learner.fit(key, pool, weights, hyper), None
        if quantizer is not None:
            q_key = jax.random.fold_in(key, 1) if quantizer.needs_key else None
            params = quantize_tree(quantizer, params, key=q_key, include=include)
        out = {"params": params} if return_params else {}
        if return_aux:
            out["aux"] = aux
        if has_query:
            out["logits"] = learner.predict(params, query.x)
            out["losses"] = learner.loss(params, query.x, query.y)
        return out

    def per_device(pool, query, keys, mask, hyper):
        body = lambda a: one(pool, query, *a)
        return jax.lax.map(body, (keys, mask, hyper), batch_size=batch_size)

    # jit: the engine is one compiled program per configuration, cached by _runner
    if len(devices) == 1:
        return jax.jit(per_device)
    mesh = jax.sharding.Mesh(np.array(devices), ("models",))
    sharded = jax.shard_map(per_device, mesh=mesh, in_specs=(P(), P(), P("models"),
                            P("models"), P("models")), out_specs=P("models"), check_vma=False)
    return jax.jit(sharded)


def _global_inputs(args, devices):
    """The chunk's inputs as global arrays over ``devices`` (several processes): the pool and
    query replicated, keys (as raw data), mask and hyper-parameters split along the models."""
    from jax.sharding import NamedSharding

    mesh = jax.sharding.Mesh(np.array(devices), ("models",))

    def put(x, spec):
        host = np.asarray(x)
        return jax.make_array_from_callback(host.shape, NamedSharding(mesh, spec),
                                            lambda index: host[index])

    pool, query, keys, mask, hyper = args
    rep = lambda tree: jax.tree.map(lambda a: put(a, P()), tree)
    split = lambda tree: jax.tree.map(lambda a: put(a, P("models")), tree)
    return (rep(pool), rep(query), put(jax.random.key_data(keys), P("models")), split(mask),
            split(hyper))


def train_shadow_models(key: jax.Array, pool: Dataset, *, learner: Learner, num_models: int,
                        design: str = "balanced", mask: ArrayLike | None = None,
                        hyper: dict[str, ArrayLike] | None = None,
                        quantizer: Quantizer | None = None, include: Sequence[str] | None = None,
                        query: Dataset | None = None, return_params: bool | None = None,
                        batch_size: int | None = None, chunk_size: int | None = None,
                        devices: Sequence[jax.Device] | None = None, return_aux: bool = False,
                        progress: ProgressFn | None = None) -> ShadowModels:
    """Train ``num_models`` models on IN/OUT splits of ``pool`` in one compiled program.

    Keys: ``mask_key, fit_key = split(key)``; model ``m`` trains with ``keys[m] =
    fold_in(fit_key, m)`` and is quantized (if ``quantizer``) with ``fold_in(keys[m], 1)``.

    Args:
        key: PRNG key.
        pool: the candidate examples ``Dataset(x [n, ...], y [n])`` (features or images).
        learner: e.g. ``MLPLearner(...)``, ``ConvLearner(...)``, ``RidgeLearner()``,
            ``MeanLearner()``.
        num_models: number of models, >= 2 (even for the balanced design).
        design: ``"balanced"`` (each example IN for exactly half the models) or
            ``"bernoulli"``; ignored when ``mask`` (``[num_models, n]`` in [0, 1]) is given.
        hyper: optional dict of per-model hyper-parameters (``learning_rate``, ``l2``), each
            ``[num_models]``.
        quantizer: optional quantizer applied to every trained model (``include`` selects the
            leaves, default ``mis.quantizers.is_weight``).
        query: optional ``Dataset``; the per-model logits and losses on it are returned.
        return_params: keep the stacked parameters (default: only when there is no query).
        batch_size: models per ``lax.map`` step (default :func:`auto_batch_size`).
        chunk_size: models per compiled call (default: a multiple of ``batch_size × devices``
            near 256); the last chunk is padded, so every call has the same shape.
        devices: the devices to shard models across (default: all of ``jax.devices()``;
            after ``jax.distributed.initialize`` these span every process, each process trains
            the models on its own devices and the results are gathered on every process, so
            the returned arrays are whole and equal everywhere: ``mis.cluster``).
        return_aux: train with ``learner.fit_aux(key, pool, weights, hyper) -> (params, aux)``
            and return every model's ``aux`` (e.g. ``mis.uniqueness.UniquenessLearner``'s
            per-example records) in ``ShadowModels.aux``.
        progress: optional callback ``progress(stage, done, total)`` called after each chunk
            (``mis.progress``); the engine itself prints nothing.

    Returns:
        :class:`ShadowModels`.

    Raises:
        UserError: (``ValueError``) for an empty pool, mismatched shapes, non-finite data,
        ``num_models < 2``, an odd ``num_models`` with the balanced design, a bad mask.
    """
    _check_inputs(pool, num_models, mask, query, hyper, quantizer)
    if return_aux and not learner.has_aux:
        raise UserError(f"return_aux=True needs a learner with fit_aux; "
                        f"{type(learner).__name__} has none")
    mask_key, fit_key = jax.random.split(key)
    if mask is None:
        mask = membership_mask(mask_key, num_models, pool.x.shape[0], design=design)
    mask = jnp.asarray(mask, jnp.float32)
    if return_params is None:
        return_params = query is None
    devices = tuple(devices or jax.devices())
    num_dev = len(devices)
    batch = batch_size or min(auto_batch_size(learner, pool, devices[0].platform),
                              math.ceil(num_models / num_dev))
    step = batch * num_dev
    chunk = chunk_size or step * max(1, min(math.ceil(num_models / step), 256 // step))
    if chunk % step:
        raise UserError(f"chunk_size={chunk} must be a multiple of batch_size x devices = {step}")
    padded = math.ceil(num_models / chunk) * chunk
    keys = fit_keys(fit_key, padded)
    mask_p = jnp.concatenate([mask, jnp.ones((padded - num_models, mask.shape[1]))])
    hyper_p = {k: jnp.concatenate([jnp.asarray(v), jnp.repeat(jnp.asarray(v)[:1],
               padded - num_models, axis=0)]) for k, v in (hyper or {}).items()}
    # several processes (jax.distributed): the devices of all of them form the mesh; inputs
    # become global arrays (every process holds the same host values, so each supplies its own
    # shards) and outputs are gathered on every process
    multi = len({d.process_index for d in devices}) > 1
    impl = str(jax.random.key_impl(keys)) if multi else None
    # learners and quantizers are frozen dataclasses: hashable, as the cache needs
    run = _runner(learner, quantizer, include or is_weight, query is not None,  # type: ignore[arg-type]
                  bool(return_params), batch, devices, bool(return_aux), impl)
    outs = []
    report(progress, "training shadow models", 0, num_models)
    for start in range(0, padded, chunk):
        sl = slice(start, start + chunk)
        args = (pool, query, keys[sl], mask_p[sl], {k: v[sl] for k, v in hyper_p.items()})
        if multi:
            args = _global_inputs(args, devices)
        # a learner with float64 steps inside (e.g. GNQ's solve) is traced with x64 on, so the
        # engine's vmap keeps them float64; its own dtypes are explicit, its outputs float32
        with jax.enable_x64(True) if learner.float64_inside else nullcontext():
            outs.append(run(*args))
        if multi:
            from jax.experimental import multihost_utils

            outs[-1] = jax.tree.map(jnp.asarray,
                                    multihost_utils.process_allgather(outs[-1], tiled=True))
        if progress is not None:
            jax.block_until_ready(outs[-1])
            report(progress, "training shadow models", min(start + chunk, num_models), num_models)
    out = jax.tree.map(lambda *a: jnp.concatenate(a)[:num_models], *outs)
    return ShadowModels(mask, keys[:num_models], out.get("params"), out.get("logits"),
                        out.get("losses"), out.get("aux"))
