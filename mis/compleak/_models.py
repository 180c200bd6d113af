"""The attack models of ``mis compleak``: scikit-learn's logistic regression and random forest
(CompLeak's NR/SR attacks), the multi-version LiRA (a Gaussian per example over the versions'
confidences, with many shadow models), and CompLeak_MR's two-branch MLP (flax/optax, epochs
chosen on a held-out shadow split).

References:
    Li et al., "CompLeak", arXiv:2507.16872 (METHODS.md §1.4-1.6).
    Carlini et al., "Membership Inference Attacks From First Principles", S&P 2022 (LiRA).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from numpy.typing import ArrayLike

CLASSIFIERS = ("lr", "rf")
COVARIANCES = ("diag", "full")


def fit_classifier(kind: str, x: ArrayLike, member: ArrayLike, *, seed: int, trees: int = 100,
                   jobs: int = 2) -> Any:
    """A fitted scikit-learn attack model on features ``x`` / labels ``member``: ``"lr"``
    (standardised logistic regression, lbfgs, 400 iterations) or ``"rf"`` (random forest,
    ``trees`` trees, ``min_samples_leaf=30``; CompLeak uses 500 trees)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "lr":
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=400))
    elif kind == "rf":
        model = RandomForestClassifier(n_estimators=trees, min_samples_leaf=30,
                                       random_state=seed, n_jobs=jobs)
    else:
        raise ValueError(f"classifier {kind!r}; use one of {CLASSIFIERS}")
    return model.fit(np.asarray(x), np.asarray(member, int))


def member_probability(model: Any, x: ArrayLike) -> np.ndarray:
    """``P(member | x)`` of a fitted classifier."""
    return model.predict_proba(np.asarray(x))[:, 1]


def cross_fitted(kind: str, x: ArrayLike, member: ArrayLike, *, seed: int, folds: int = 2,
                 **kw: Any) -> np.ndarray:
    """Out-of-fold ``P(member)`` on the training rows (each row scored by a model that did not
    see it), so shadow-side features have the law of victim-side ones (CompLeak's MR uses the
    in-sample probabilities instead)."""
    x, member = np.asarray(x), np.asarray(member)
    fold = np.random.default_rng(seed).permutation(len(x)) % folds
    out = np.empty(len(x))
    for f in range(folds):
        model = fit_classifier(kind, x[fold != f], member[fold != f], seed=seed + f, **kw)
        out[fold == f] = member_probability(model, x[fold == f])
    return out


def gaussian_log_density(x: jax.Array, mean: jax.Array, cov: jax.Array) -> jax.Array:
    """``log N(x; mean, cov)`` for batches ``x, mean [..., V]``, ``cov [..., V, V]``."""
    v = x.shape[-1]
    chol = jnp.linalg.cholesky(cov)
    z = jax.scipy.linalg.solve_triangular(chol, (x - mean)[..., None], lower=True)[..., 0]
    logdet = 2 * jnp.sum(jnp.log(jnp.diagonal(chol, axis1=-2, axis2=-1)), axis=-1)
    return -0.5 * (jnp.sum(z**2, axis=-1) + logdet + v * jnp.log(2 * jnp.pi))


def _moments(refs, valid, covariance: str, shrinkage: float, floor: float):
    """Per-example mean ``[n, V]`` and covariance ``[n, V, V]`` of ``refs [R, n, V]`` over the
    valid rows (``valid [R, n]``)."""
    w = valid[..., None].astype(refs.dtype)
    count = jnp.maximum(jnp.sum(w, axis=0), 1.0)
    mean = jnp.sum(w * refs, axis=0) / count
    dev = (refs - mean) * w
    cov = jnp.einsum("rni,rnj->nij", dev, dev) / count[..., None]
    diag = jnp.diagonal(cov, axis1=-2, axis2=-1)
    if covariance == "diag":
        cov = jnp.eye(refs.shape[-1]) * diag[..., None, :]
    else:
        cov = (1 - shrinkage) * cov + shrinkage * jnp.eye(refs.shape[-1]) * diag[..., None, :]
    return mean, cov + floor * jnp.eye(refs.shape[-1])


def multi_version_lira(target: ArrayLike, refs: ArrayLike, ref_in: ArrayLike,
                       ref_out: ArrayLike, *, covariance: str = "diag",
                       shrinkage: float = 0.1, floor: float = 1e-4) -> jax.Array:
    """``log N(φ; μ_in, Σ_in) − log N(φ; μ_out, Σ_out)`` per example, ``φ [n, V]`` the
    logit-scaled confidences of the ``V`` versions of the target, ``μ``/``Σ`` the mean and
    covariance of the reference models' ``φ`` (``refs [R, n, V]``) with the example IN
    (``ref_in [R, n]``) / OUT. ``covariance="diag"`` keeps the variances only; ``"full"``
    shrinks the covariance towards its diagonal by ``shrinkage``; ``floor`` is added to every
    variance. With ``V = 1`` this is online LiRA with the mean and standard deviation."""
    if covariance not in COVARIANCES:
        raise ValueError(f"covariance={covariance!r}; use one of {COVARIANCES}")
    refs = jnp.asarray(refs, jnp.float32)
    mu_in, cov_in = _moments(refs, jnp.asarray(ref_in, bool), covariance, shrinkage, floor)
    mu_out, cov_out = _moments(refs, jnp.asarray(ref_out, bool), covariance, shrinkage, floor)
    t = jnp.asarray(target, jnp.float32)
    return gaussian_log_density(t, mu_in, cov_in) - gaussian_log_density(t, mu_out, cov_out)


class Network(NamedTuple):
    """A trained attack network: parameters, the epoch kept (1-based), the held-out loss
    curve, and the ``(mean, std)`` of each input used to standardise it."""

    params: dict
    epoch: int
    curve: np.ndarray
    scales: tuple


def _dense(key, d_in, d_out):
    w = jax.random.normal(key, (d_in, d_out)) * jnp.sqrt(2.0 / d_in)
    return {"kernel": w, "bias": jnp.zeros(d_out)}


MR_WIDTHS = {"prob": (128, 64), "loss": (128, 64), "head": (256, 128, 64, 2)}


# jit (init_mr, init_samia, _member_probability): one program each instead of an eager
# compilation per layer shape and primitive (the smoke run compiled 21 He-normal draws eagerly)
@functools.partial(jax.jit, static_argnums=(1, 2))
def init_mr(key: jax.Array, num_prob: int, num_loss: int) -> dict:
    """CompLeak_MR's network: prob branch ``num_prob → 128 → 64``, loss branch ``num_loss →
    128 → 64``, head ``128 → 256 → 128 → 64 → 2`` (He-normal kernels, zero biases)."""
    keys = iter(jax.random.split(key, 16))
    out = {}
    for name, d_in in (("prob", num_prob), ("loss", num_loss), ("head", 128)):
        sizes = (d_in, *MR_WIDTHS[name])
        out[name] = [_dense(next(keys), a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=False)]
    return out


def mr_logits(params: dict, prob: jax.Array, loss: jax.Array, *, key: jax.Array | None = None,
              dropout: float = 0.5) -> jax.Array:
    """``[n, 2]`` logits; dropout (rate ``dropout``) where CompLeak's network has it, only with
    a ``key`` (training)."""
    keys = iter(jax.random.split(key, 16)) if key is not None else None

    def drop(h):
        if keys is None:
            return h
        keep = jax.random.bernoulli(next(keys), 1 - dropout, h.shape)
        return jnp.where(keep, h / (1 - dropout), 0.0)

    def branch(layers, h):
        h = drop(jax.nn.relu(h @ layers[0]["kernel"] + layers[0]["bias"]))
        return h @ layers[1]["kernel"] + layers[1]["bias"]

    h = jnp.concatenate([branch(params["prob"], prob), branch(params["loss"], loss)], -1)
    head = params["head"]
    for i, layer in enumerate(head):
        h = drop(h) @ layer["kernel"] + layer["bias"]
        if i < len(head) - 1:
            h = jax.nn.relu(h)
    return h


def standardizer(*inputs: ArrayLike) -> tuple:
    """``(mean, std)`` per column of every input (float32), the std floored at 1e-6."""
    out = []
    for x in inputs:
        x = np.asarray(x, np.float32)
        axes = tuple(range(x.ndim - 1))
        out.append((x.mean(axis=axes), np.maximum(x.std(axis=axes), 1e-6)))
    return tuple(out)


def _scaled(scales, inputs):
    return tuple(jnp.asarray((np.asarray(x, np.float32) - m) / sd)
                 for (m, sd), x in zip(scales, inputs, strict=True))


def make_optimizer(spec: tuple, total_steps: int) -> optax.GradientTransformation:
    """``("adam", lr)`` or ``("sgd", lr, weight_decay)`` (momentum 0.9, cosine schedule over
    ``total_steps``, decoupled weight decay as in PyTorch's SGD)."""
    if spec[0] == "adam":
        return optax.adam(spec[1])
    return optax.chain(optax.add_decayed_weights(spec[2]), optax.sgd(
        optax.cosine_decay_schedule(spec[1], total_steps), momentum=0.9))


@functools.partial(jax.jit, static_argnames=("apply", "optimizer", "epochs", "per_epoch",
                                             "batch_size"))
def _fit_epochs(params, xs, member, train, val, key, *, apply, optimizer, epochs, per_epoch,
                batch_size):
    opt = make_optimizer(optimizer, epochs * per_epoch)

    def xent(out, y):
        return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(out, y))

    def objective(p, idx, k):
        return xent(apply(p, *(x[idx] for x in xs), key=k), member[idx])

    def epoch(carry, k):
        perm_key, drop_key = jax.random.split(k)
        batches = jax.random.permutation(perm_key, train)[: per_epoch * batch_size]

        def one(c, step):
            p, s = c
            idx, kk = step
            u, s = opt.update(jax.grad(objective)(p, idx, kk), s, p)
            return (optax.apply_updates(p, u), s), None

        carry, _ = jax.lax.scan(one, carry, (batches.reshape(per_epoch, batch_size),
                                             jax.random.split(drop_key, per_epoch)))
        val_loss = xent(apply(carry[0], *(x[val] for x in xs)), member[val])
        return carry, (carry[0], val_loss)

    return jax.lax.scan(epoch, (params, opt.init(params)), jax.random.split(key, epochs))[1]


def train_network(key: jax.Array, init_params: dict, apply: Callable[..., jax.Array],
                  inputs: tuple, member: ArrayLike, *, epochs: int,
                  optimizer: tuple, batch_size: int = 128, holdout: float = 0.2) -> Network:
    """Mini-batch training of an attack network ``apply(params, *inputs, key=None) -> [n, 2]``
    logits (a module-level function) on shadow-side rows (cross-entropy; inputs standardised
    by their shadow statistics), keeping the epoch with the lowest loss on a held-out
    ``holdout`` share of the rows (never the victim's). ``optimizer``: a
    :func:`make_optimizer` spec. Compiled once per shape and settings. Keys: ``split, batches
    = split(key)``; epoch ``e`` shuffles and draws dropout with ``split(batches, epochs)[e]``."""
    split_key, batch_key = jax.random.split(key)
    scales = standardizer(*inputs)
    xs = _scaled(scales, inputs)
    member = jnp.asarray(member, jnp.int32)
    n = member.shape[0]
    order = jax.random.permutation(split_key, n)
    n_val = max(1, int(holdout * n))
    val, train = order[:n_val], order[n_val:]
    per_epoch = max(1, train.shape[0] // batch_size)
    batch = min(batch_size, int(train.shape[0]))
    stacked, curve = _fit_epochs(init_params, xs, member, train, val, batch_key, apply=apply,
                                 optimizer=tuple(optimizer), epochs=epochs,
                                 per_epoch=per_epoch, batch_size=batch)
    best = int(jnp.argmin(curve))
    return Network(jax.tree.map(lambda a: a[best], stacked), best + 1, np.asarray(curve), scales)


def network_scores(network: Network, apply: Callable[..., jax.Array],
                   *inputs: ArrayLike) -> np.ndarray:
    """``P(member)`` of a trained attack network (no dropout)."""
    return np.asarray(_member_probability(apply, network.params,
                                          *_scaled(network.scales, inputs)))


@functools.partial(jax.jit, static_argnums=0)
def _member_probability(apply, params, *inputs):
    return jax.nn.softmax(apply(params, *inputs), axis=-1)[:, 1]


def train_mr(key: jax.Array, prob: ArrayLike, loss: ArrayLike, member: ArrayLike, *,
             epochs: int = 60, learning_rate: float = 1e-2,
             weight_decay: float = 5e-4) -> Network:
    """CompLeak_MR's MLP (:func:`mr_logits`) by :func:`train_network`: SGD with momentum 0.9,
    weight decay, cosine schedule, batches of 128. Keys: ``init, train = split(key)``."""
    init_key, train_key = jax.random.split(key)
    params = init_mr(init_key, np.shape(prob)[1], np.shape(loss)[1])
    return train_network(train_key, params, mr_logits, (prob, loss), member, epochs=epochs,
                         optimizer=("sgd", learning_rate, weight_decay))


def mr_scores(model: Network, prob: ArrayLike, loss: ArrayLike) -> np.ndarray:
    """``P(member)`` of the trained MR network."""
    return network_scores(model, mr_logits, prob, loss)


SAMIA_WIDTH, SAMIA_HEADS, SAMIA_LAYERS, SAMIA_FF = 64, 4, 3, 128


@functools.partial(jax.jit, static_argnums=1)
def init_samia(key: jax.Array, num_classes: int) -> dict:
    """SAMIA's Transformer: tokens of 3 features (``p_c, s_c, e_y,c`` per class ``c``) →
    embedding 64 → 3 post-norm encoder layers (4 heads, feed-forward 128, GELU) → flatten →
    64 → 2."""
    keys = iter(jax.random.split(key, 8 + 6 * SAMIA_LAYERS))
    d = SAMIA_WIDTH
    layers = []
    for _ in range(SAMIA_LAYERS):
        layers.append({"qkv": _dense(next(keys), d, 3 * d), "out": _dense(next(keys), d, d),
                       "ff1": _dense(next(keys), d, SAMIA_FF),
                       "ff2": _dense(next(keys), SAMIA_FF, d),
                       "ln1": {"scale": jnp.ones(d), "bias": jnp.zeros(d)},
                       "ln2": {"scale": jnp.ones(d), "bias": jnp.zeros(d)}})
    return {"embed": _dense(next(keys), 3, d), "layers": layers,
            "head1": _dense(next(keys), num_classes * d, 64), "head2": _dense(next(keys), 64, 2)}


def _layer_norm(h, p):
    mu = jnp.mean(h, -1, keepdims=True)
    var = jnp.var(h, -1, keepdims=True)
    return (h - mu) / jnp.sqrt(var + 1e-5) * p["scale"] + p["bias"]


def samia_logits(params: dict, tokens: jax.Array, *, key: jax.Array | None = None,
                 dropout: float = 0.2) -> jax.Array:
    """``[n, 2]`` logits of SAMIA's Transformer on ``tokens [n, C, 3]`` (dropout with a key)."""
    keys = iter(jax.random.split(key, 4 * SAMIA_LAYERS + 2)) if key is not None else None

    def drop(h):
        if keys is None:
            return h
        return jnp.where(jax.random.bernoulli(next(keys), 1 - dropout, h.shape),
                         h / (1 - dropout), 0.0)

    dense = lambda h, p: h @ p["kernel"] + p["bias"]
    h = dense(tokens, params["embed"])
    n, c, d = h.shape
    hd = d // SAMIA_HEADS
    for layer in params["layers"]:
        q, k, v = jnp.split(dense(h, layer["qkv"]), 3, axis=-1)
        split = lambda a: a.reshape(n, c, SAMIA_HEADS, hd)
        att = jax.nn.softmax(jnp.einsum("nqhd,nkhd->nhqk", split(q), split(k)) / jnp.sqrt(hd),
                             axis=-1)
        mixed = jnp.einsum("nhqk,nkhd->nqhd", att, split(v)).reshape(n, c, d)
        h = _layer_norm(h + drop(dense(mixed, layer["out"])), layer["ln1"])
        ff = dense(jax.nn.gelu(dense(h, layer["ff1"])), layer["ff2"])
        h = _layer_norm(h + drop(ff), layer["ln2"])
    h = jax.nn.relu(dense(drop(h.reshape(n, c * d)), params["head1"]))
    return dense(h, params["head2"])


def samia_tokens(p: np.ndarray, s: np.ndarray, y: ArrayLike) -> np.ndarray:
    """``[n, C, 3]``: per class the posterior, the input sensitivity and the one-hot label."""
    return np.stack([p, s, np.eye(p.shape[-1])[np.asarray(y)]], axis=-1)


def train_samia(key: jax.Array, tokens: ArrayLike, member: ArrayLike, *, epochs: int = 30,
                learning_rate: float = 1e-3
                ) -> Network:
    """SAMIA's Transformer by :func:`train_network` with Adam (CompLeak: SGD at 1e-3 for 100
    epochs, which barely moves this network in 30). Keys: ``init, train = split(key)``."""
    init_key, train_key = jax.random.split(key)
    params = init_samia(init_key, np.shape(tokens)[1])
    return train_network(train_key, params, samia_logits, (tokens,), member, epochs=epochs,
                         optimizer=("adam", learning_rate))
