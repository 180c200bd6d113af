"""``run_molecular``: the privacy–performance trade-off of quantized molecular property heads.

For each dataset × embedder: RDKit features (cached), an MLP property head trained on the whole
training split (the model a user would release), and ``num_models`` quantization-aware shadow
heads trained by the engine on random halves of the training split. Each quantizer then goes
through :func:`mis.release.evaluate_releases`: the released head's test performance and
indicator, the shadows' LiRA / RMIA / loss attacks (leave-one-model-out, every shadow quantized
like the target). Regression targets are standardised with training statistics (metrics are
reported in the original units); the attacks' regression signal is the squared residual.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from mis.data import Dataset
from mis.keys import fold_in_name
from mis.molecules._config import MolecularConfig
from mis.molecules._datasets import MoleculeSet, load_dataset
from mis.molecules._features import cached_features, standardize
from mis.molecules._metrics import classification_metrics, regression_metrics
from mis.progress import ProgressFn, report
from mis.release import ReleaseRow, ReleaseSetup, evaluate_releases
from mis.shadow import MLPLearner, train_shadow_models


class PairResult(NamedTuple):
    """One dataset × embedder.

    Attributes:
        dataset, embedder, task: names and ``"regression"``/``"classification"``.
        num_train, num_test, num_features: sizes.
        invalid: SMILES skipped by the loader (``(row, smiles)``).
        cache_hit: whether the features came from the cache.
        rows: one :class:`~mis.release.ReleaseRow` per quantizer (``performance`` holds the
            released head's test metrics).
        n: mean training-set size of the shadow heads.
        seconds: wall time per step.
    """

    dataset: str
    embedder: str
    task: str
    num_train: int
    num_test: int
    num_features: int
    invalid: tuple
    cache_hit: bool
    rows: list[ReleaseRow]
    n: int
    seconds: dict


class MolecularResult(NamedTuple):
    """The molecular study: its config and one :class:`PairResult` per dataset × embedder."""

    config: MolecularConfig
    pairs: list[PairResult]


def prepare_features(embedder: str, train: np.ndarray, test: np.ndarray):
    """Model inputs: descriptors imputed, standardised and clipped (:func:`standardize`, train
    statistics); count fingerprints ``log1p``-scaled; MACCS bits as they are."""
    if embedder == "descriptors":
        return standardize(train, test)
    if embedder in ("morgan", "atompair"):
        return np.log1p(train), np.log1p(test)
    return train, test


def _performance(task: str, y_scale: float, y_shift: float, num_bootstrap: int):
    def perf(learner, params, fresh):
        out = np.asarray(learner.predict(params, fresh.x))
        if task == "regression":
            y = np.asarray(fresh.y) * y_scale + y_shift
            return regression_metrics(out * y_scale + y_shift, y, num_bootstrap=num_bootstrap)
        return classification_metrics(out, np.asarray(fresh.y), num_bootstrap=num_bootstrap)
    return perf


def run_pair(config: MolecularConfig, ds: MoleculeSet, embedder: str, key) -> PairResult:
    """One dataset × embedder (module docstring). Keys depend on ``key`` and the pair's names
    only, so adding datasets or embedders does not change the others' numbers."""
    seconds = {}
    t0 = time.perf_counter()
    feats, hit = cached_features(ds, embedder, cache_dir=config.cache_dir or None,
                                 **config.embedder_params(embedder))
    seconds["features"] = time.perf_counter() - t0
    x_train, x_test = prepare_features(embedder, feats[ds.is_train], feats[~ds.is_train])
    y_train, y_test = ds.y[ds.is_train], ds.y[~ds.is_train]
    regression = ds.task == "regression"
    if regression:
        shift, scale = float(y_train.mean()), float(y_train.std()) or 1.0
        y_train, y_test = (y_train - shift) / scale, (y_test - shift) / scale
        y_dtype = jnp.float32
    else:
        shift, scale, y_dtype = 0.0, 1.0, jnp.int32
    train = Dataset(jnp.asarray(x_train), jnp.asarray(y_train, y_dtype))
    test = Dataset(jnp.asarray(x_test), jnp.asarray(y_test, y_dtype))
    learner = MLPLearner(hidden=config.hidden, task=ds.task,
                         num_outputs=max(ds.num_classes, 2), steps=config.steps,
                         learning_rate=config.learning_rate, l2=config.l2)
    head_key, shadow_key, q_key, boot_key = jax.random.split(
        fold_in_name(key, f"{ds.name}/{embedder}"), 4)
    t0 = time.perf_counter()
    head = learner.fit(head_key, train, jnp.ones(train.x.shape[0]))
    shadows = train_shadow_models(shadow_key, train, learner=learner,
                                  num_models=config.num_models, return_params=True)
    jax.block_until_ready(shadows.params)
    seconds["train"] = time.perf_counter() - t0
    setup = ReleaseSetup(learner, train, test, shadows, "loss" if regression else "classifier",
                         head, train, performance=_performance(ds.task, scale, shift,
                                                               config.num_bootstrap))
    releases = evaluate_releases(setup, config.quantizers, q_key, boot_key,
                                 num_bootstrap=config.num_bootstrap,
                                 num_candidates=config.num_candidates)
    seconds |= releases.seconds
    return PairResult(ds.name, embedder, ds.task, int(ds.is_train.sum()),
                      int((~ds.is_train).sum()), int(x_train.shape[1]), ds.invalid, hit,
                      releases.rows, releases.n, seconds)


def run_molecular(config: MolecularConfig, key, *,
                  progress: ProgressFn | None = None) -> MolecularResult:
    """Every dataset × embedder of ``config``; ``progress(stage, done, total)`` after each
    pair, the stage naming the dataset (and its count of invalid SMILES, which the result
    keeps too)."""
    pairs = []
    total = len(config.datasets) * len(config.embedders)
    for name in config.datasets:
        ds = load_dataset(name)
        stage = (f"{name} ({len(ds.smiles)} molecules, {ds.task}"
                 + (f", {len(ds.invalid)} invalid SMILES skipped" if ds.invalid else "") + ")")
        for embedder in config.embedders:
            pairs.append(run_pair(config, ds, embedder, key))
            report(progress, stage, len(pairs), total)
    return MolecularResult(config, pairs)
