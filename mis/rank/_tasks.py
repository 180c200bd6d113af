"""The tasks of ``mis rank`` (two synthetic, one of real images): data, learner, trained
shadow models and, for the Gaussian mean, the Bayes-optimal attack and the exact Δ (device
numbers, host bookkeeping)."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import theory
from mis.attacks import gaussian_mean_bayes_score, quantized_gaussian_mean_bayes_score
from mis.data import (
    REAL_SETS,
    Dataset,
    make_gaussian_mixture,
    sample_gaussian_mixture,
)
from mis.progress import ProgressFn
from mis.quantizers import FixedGrid, Identity, Quantizer
from mis.rank._config import RankConfig
from mis.release import ReleaseSetup
from mis.shadow import Learner, MeanLearner, MLPLearner, train_shadow_models
from mis.study import network_learner


def build_setup(config: RankConfig, key: jax.Array, exact_key: jax.Array, *,
                progress: ProgressFn | None = None) -> ReleaseSetup:
    """Data, learner and ``config.num_models`` trained shadow models of ``config.task``; the
    target is shadow model 0 (keys: ``task, pool, fresh, train = split(key, 4)``)."""
    task_key, pool_key, fresh_key, train_key = jax.random.split(key, 4)
    mu = None
    learner: Learner
    if config.task in REAL_SETS:
        real = REAL_SETS[config.task]
        pool = jax.tree.map(lambda a: a[:config.pool_size], real.load("train"))
        fresh = jax.tree.map(lambda a: a[:config.num_fresh], real.load("test"))
        learner = network_learner(config.task, num_outputs=real.num_classes,
                                  steps=config.steps, learning_rate=config.learning_rate,
                                  channels=config.channels, hidden=config.hidden, l2=config.l2)
    elif config.task == "mixture":
        task = make_gaussian_mixture(task_key, d=config.d, k_modes=config.k_modes,
                                     separation=config.separation)
        pool = sample_gaussian_mixture(pool_key, config.pool_size, task=task)
        fresh = sample_gaussian_mixture(fresh_key, config.num_fresh, task=task)
        learner = MLPLearner(hidden=config.hidden, num_outputs=2, steps=config.steps,
                             learning_rate=config.learning_rate, l2=config.l2)
    else:
        mu = jax.random.uniform(task_key, (config.d,), minval=-1.0, maxval=1.0)
        draw = lambda k, n: Dataset(mu + jax.random.normal(k, (n, config.d)), jnp.zeros(n))
        pool, fresh = draw(pool_key, config.pool_size), draw(fresh_key, config.num_fresh)
        learner = MeanLearner()
    shadows = train_shadow_models(train_key, pool, learner=learner,
                                  num_models=config.num_models, return_params=True,
                                  progress=progress)
    member0 = np.asarray(shadows.mask[0]) > 0
    target_data = Dataset(pool.x[member0], pool.y[member0])
    if mu is None:
        return ReleaseSetup(learner, pool, fresh, shadows, "classifier", None, target_data)
    n_bar = int(round(np.asarray(shadows.mask).sum(1).mean()))
    extras = functools.partial(gaussian_mean_extras, pool=pool, mu=mu, n_bar=n_bar,
                               exact_key=exact_key, d=config.d,
                               exact_samples=config.exact_samples)
    return ReleaseSetup(learner, pool, fresh, shadows, "loss", None, target_data, extras=extras)


def gaussian_mean_extras(q: Quantizer, released: dict, scores: dict, *, pool: Dataset,
                         mu: jax.Array, n_bar: int, exact_key: jax.Array, d: int,
                         exact_samples: int) -> tuple[dict, Any]:
    """The Bayes-optimal attack and the exact Δ where the laws are known: full precision
    (THEORY §3) and fixed grids (THEORY §5); ``n`` is the models' mean training-set size."""
    theta = released["mean"]
    if isinstance(q, Identity):
        scores["Bayes"] = gaussian_mean_bayes_score(theta[:, None], pool.x[None], n_bar, mu=mu)
        exact = theory.gaussian_mean_delta(exact_key, n_bar, d, num_samples=exact_samples)
    elif isinstance(q, FixedGrid):
        scores["Bayes"] = quantized_gaussian_mean_bayes_score(theta[:, None], pool.x[None],
                                                              n_bar, step=q.step, mu=mu)
        exact = theory.quantized_gaussian_mean_delta(exact_key, n_bar, mu, q.step,
                                                     num_samples=exact_samples)
    else:
        exact = None
    return scores, exact
