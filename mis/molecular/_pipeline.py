"""``run_molecular``: the privacy–performance trade-off of quantized molecular property heads.

For each dataset × embedder: RDKit features (cached), an MLP property head trained on the whole
training split (the model a user would release), and ``num_models`` quantization-aware shadow
heads trained by the engine on random halves of the training split. Each quantizer then goes
through :func:`mis.release.evaluate_releases`: the released head's test performance and
indicator, the shadows' LiRA / RMIA / loss attacks (leave-one-model-out, every shadow quantized
like the target). Regression targets are standardised with training statistics (metrics are
reported in the original units); the attacks' regression signal is the squared residual.

Two training recipes (``config.recipes``): ``fixed`` trains every head for ``steps`` Adam steps
with ``l2`` on the whole training split; ``tuned`` holds out a seeded validation split, picks
the L2 strength from ``l2_grid`` and the step count by early stopping on the validation loss
(:func:`mis.shadow.tune_l2`), and trains the released head and the shadows on the rest with the
selected values: the attacker is assumed to know the recipe (as LiRA assumes), so the shadows
reuse the selection instead of tuning on their halves, which would also leak the validation
molecules into the shadows' evaluation points.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from mis.data import Dataset, MoleculeSet, cached_features, load_dataset, standardize
from mis.keys import fold_in_name
from mis.molecular._config import MolecularConfig
from mis.molecular._metrics import classification_metrics, regression_metrics
from mis.progress import ProgressFn, report
from mis.release import ReleaseRow, ReleaseSetup, evaluate_releases
from mis.shadow import (
    MLPLearner,
    train_shadow_models,
    tune_l2,
    tuned_learner,
    validation_split,
)


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
        recipe: ``"tuned"`` or ``"fixed"``; l2, steps: the head's L2 strength and step count
            (selected, for ``tuned``); num_val: validation molecules held out (0 for fixed).
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
    recipe: str = "fixed"
    l2: float = float("nan")
    steps: int = 0
    num_val: int = 0


class MolecularResult(NamedTuple):
    """The molecular study: its config and one :class:`PairResult` per dataset × embedder ×
    recipe (:meth:`of` selects one recipe; :attr:`primary` is the first of the config's)."""

    config: MolecularConfig
    pairs: list[PairResult]

    @property
    def primary(self) -> str:
        return self.config.recipes[0]

    def of(self, recipe: str | None = None) -> MolecularResult:
        """The same result restricted to ``recipe`` (default: the primary one)."""
        recipe = recipe or self.primary
        return MolecularResult(self.config, [p for p in self.pairs if p.recipe == recipe])


def prepare_features(embedder: str, train: np.ndarray,
                     test: np.ndarray) -> tuple[np.ndarray, ...]:
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


def recipe_split(config: MolecularConfig, ds: MoleculeSet, embedder: str,
                 key: jax.Array) -> tuple[np.ndarray, np.ndarray]:
    """``(fit, validation)`` boolean masks over the training split of ``ds`` for the tuned
    recipe: ``val_fraction`` of it held out, drawn with ``fold_in_name(key,
    "<dataset>/<embedder>/validation")`` (recorded as such). The released head and the shadows
    use ``fit`` only; the test split is never touched."""
    return validation_split(fold_in_name(key, f"{ds.name}/{embedder}/validation"),
                            int(ds.is_train.sum()), config.val_fraction)


def run_pair(config: MolecularConfig, ds: MoleculeSet, embedder: str, key: jax.Array,
             recipe: str = "fixed") -> PairResult:
    """One dataset × embedder under ``recipe`` (module docstring). Keys depend on ``key`` and
    the pair's names only, so adding datasets, embedders or recipes does not change the others'
    numbers (the ``fixed`` recipe's are those of the runs before recipes existed)."""
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
    num_val = 0
    if recipe == "tuned":
        fit_mask, val_mask = recipe_split(config, ds, embedder, key)
        validation = Dataset(train.x[val_mask], train.y[val_mask])
        train = Dataset(train.x[fit_mask], train.y[fit_mask])
        tuning = tune_l2(learner, head_key, train, validation, config.l2_grid)
        learner = tuned_learner(learner, tuning)
        num_val = int(val_mask.sum())
        seconds["tune"] = time.perf_counter() - t0
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
    return PairResult(ds.name, embedder, ds.task, int(train.x.shape[0]),
                      int((~ds.is_train).sum()), int(x_train.shape[1]), ds.invalid, hit,
                      releases.rows, releases.n, seconds, recipe, float(learner.l2),
                      int(learner.steps), num_val)


def run_molecular(config: MolecularConfig, key: jax.Array, *,
                  progress: ProgressFn | None = None) -> MolecularResult:
    """Every dataset × embedder of ``config``; ``progress(stage, done, total)`` after each
    pair, the stage naming the dataset (and its count of invalid SMILES, which the result
    keeps too)."""
    pairs = []
    total = len(config.datasets) * len(config.embedders) * len(config.recipes)
    for name in config.datasets:
        ds = load_dataset(name)
        stage = (f"{name} ({len(ds.smiles)} molecules, {ds.task}"
                 + (f", {len(ds.invalid)} invalid SMILES skipped" if ds.invalid else "") + ")")
        for embedder in config.embedders:
            for recipe in config.recipes:
                pairs.append(run_pair(config, ds, embedder, key, recipe))
                report(progress, stage, len(pairs), total)
    return MolecularResult(config, pairs)
