"""Whole pipelines as shadow-engine learners (device, jnp): "condense the private set, then
train on the synthetic set only" and the random-subset baseline, each written for one pipeline
so that :func:`mis.shadow.train_shadow_models` vmaps and shards *pipelines*, not just models.

``fit(key, pool, weights)`` sees the pool and one shadow's 0/1 membership, exactly as a model
learner does; ``fit_aux`` also returns what the audit needs from the run (the synthetic or
selected images and which pool image each started from). Prediction, losses and quantization
are the base learner's: the released artefact is the model trained on the synthetic set.

References:
    Dong, Zhao, Lyu, "Privacy for Free", ICML 2022, arXiv:2206.00240 (pipeline audits).
    Carlini, Feldman, Nasr, "No Free Lunch in 'Privacy for Free'", arXiv:2209.14987 (the
    random-subset baseline).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp

from mis.condense._dm import INITS, condense, random_embedding, select_per_class, synthetic_labels
from mis.data import Dataset
from mis.shadow import WrappedLearner


class PipelineAux(NamedTuple):
    """What one pipeline run records: the training set it produced (``x``, ``y``), the pool
    index each of its images started from (``-1``: noise), and the DM loss per iteration
    (one NaN for the subset baseline)."""

    x: jax.Array
    y: jax.Array
    init_index: jax.Array
    losses: jax.Array


class _Delegate(WrappedLearner):
    """``base``'s prediction, losses and hints (:class:`mis.shadow.WrappedLearner`); ``fit``
    through ``fit_aux``."""

    has_aux: ClassVar[bool] = True

    def fit(self, key, data: Dataset, weights, hyper=None):
        return self.fit_aux(key, data, weights, hyper)[0]  # type: ignore[attr-defined]

    def _train(self, key, x, y, hyper):
        return self.base.fit(key, Dataset(x, y), jnp.ones(y.shape[0]), hyper)


@dataclasses.dataclass(frozen=True)
class CondensedLearner(_Delegate):
    """Condense the members with DM (:func:`mis.condense.condense`; ``ipc`` per class, from
    ``init`` ``"noise"`` or ``"real"`` members, ``embedding`` ``"network"`` = ``base``'s
    features at a random initialisation, or ``"linear"``), then train ``base`` on the
    ``num_classes × ipc`` synthetic examples (full batch). ``real_batch``: members per class
    drawn for the real side of every DM iteration (``None``: all of them). Keys: ``condense,
    train = split(key)``."""

    base: Any
    ipc: int = 10
    num_classes: int = 10
    iterations: int = 200
    init: str = "noise"
    learning_rate: float = 1.0
    momentum: float = 0.5
    embedding: str = "network"
    augment: bool = True
    real_batch: int | None = None

    def __post_init__(self):
        if self.init not in INITS:
            raise ValueError(f"init={self.init!r}; use one of {INITS}")
        if self.ipc < 1 or self.iterations < 1:
            raise ValueError(f"ipc={self.ipc}, iterations={self.iterations} must be >= 1")
        if self.real_batch is not None and self.real_batch < 1:
            raise ValueError(f"real_batch={self.real_batch} must be >= 1 or None")

    def fit_aux(self, key: jax.Array, data: Dataset, weights: jax.Array,
                hyper: Any = None) -> tuple[Any, PipelineAux]:
        dm_key, train_key = jax.random.split(key)
        syn = condense(dm_key, data, weights, ipc=self.ipc, num_classes=self.num_classes,
                       iterations=self.iterations,
                       embedding=random_embedding(self.embedding, self.base),
                       learning_rate=self.learning_rate, momentum=self.momentum,
                       init=self.init, augment=self.augment, real_batch=self.real_batch)
        params = self._train(train_key, syn.x, syn.y, hyper)
        return params, PipelineAux(syn.x, syn.y, syn.init_index, syn.losses)


@dataclasses.dataclass(frozen=True)
class SubsetLearner(_Delegate):
    """The coreset baseline: ``ipc`` members per class drawn uniformly (the same draw as DM's
    real initialisation, :func:`mis.condense.select_per_class`), then ``base`` trained on them
    alone. Keys: ``select, train = split(key)``."""

    base: Any
    ipc: int = 10
    num_classes: int = 10

    def __post_init__(self):
        if self.ipc < 1:
            raise ValueError(f"ipc={self.ipc} must be >= 1")

    def fit_aux(self, key: jax.Array, data: Dataset, weights: jax.Array,
                hyper: Any = None) -> tuple[Any, PipelineAux]:
        select_key, train_key = jax.random.split(key)
        index, valid = select_per_class(select_key, data.y, weights, self.ipc,
                                        self.num_classes)
        x = data.x[index]
        y = synthetic_labels(self.ipc, self.num_classes).astype(data.y.dtype)
        w = valid.astype(jnp.float32)
        params = self.base.fit(train_key, Dataset(x, y), w, hyper)
        return params, PipelineAux(x, y, jnp.where(valid, index, -1).astype(jnp.int32),
                                   jnp.full((1,), jnp.nan))
