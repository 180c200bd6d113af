"""Property-prediction performance on the test split, with intervals (host, NumPy).

Regression: ``RMSE = √(mean (ŷ − y)²)`` (in the target's units) and
``R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²``, each with a bias-corrected percentile bootstrap (BC) over
test molecules.
Classification: AUROC (binary: Mann–Whitney with a DeLong interval; ``C > 2`` classes: the
macro one-vs-rest mean of the per-class AUROCs of the softmax probabilities, bootstrap interval)
and accuracy (Clopper–Pearson).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mis.audit import auc, auc_value, clopper_pearson
from mis.inference import Replicates, bc_interval
from theory import Estimate


def _rmse(pred, y):
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def _r2(pred, y):
    return float(1.0 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def _macro_auroc(prob, y):
    return float(np.mean([auc_value(prob[:, c], y == c) for c in range(prob.shape[1])]))


def _bootstrap(stat, arrays, *, num_bootstrap, seed, confidence=0.95) -> Estimate:
    value = stat(*arrays)
    rng = np.random.default_rng(seed)
    n = arrays[0].shape[0]
    reps = np.array([stat(*(a[idx] for a in arrays))
                     for idx in rng.integers(0, n, (num_bootstrap, n))])
    return bc_interval(Replicates(value, reps), confidence)


def regression_metrics(pred: ArrayLike, y: ArrayLike, *, num_bootstrap: int = 200,
                       seed: int = 0) -> dict:
    """``{"rmse", "r2"}`` as :class:`Estimate` (module docstring)."""
    pred, y = np.asarray(pred, np.float64), np.asarray(y, np.float64)
    return {"rmse": _bootstrap(_rmse, (pred, y), num_bootstrap=num_bootstrap, seed=seed),
            "r2": _bootstrap(_r2, (pred, y), num_bootstrap=num_bootstrap, seed=seed)}


def classification_metrics(logits: ArrayLike, y: ArrayLike, *, num_bootstrap: int = 200,
                           seed: int = 0) -> dict:
    """``{"auroc", "accuracy"}`` as :class:`Estimate` from ``[n, C]`` logits (module
    docstring)."""
    logits, y = np.asarray(logits, np.float64), np.asarray(y)
    correct = int(np.sum(np.argmax(logits, -1) == y))
    accuracy = clopper_pearson(correct, y.size)
    if logits.shape[1] == 2:
        auroc = auc(logits[:, 1] - logits[:, 0], y == 1)
    else:
        z = logits - logits.max(-1, keepdims=True)
        prob = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
        auroc = _bootstrap(_macro_auroc, (prob, y), num_bootstrap=num_bootstrap, seed=seed)
    return {"auroc": Estimate(*(float(v) for v in auroc)),
            "accuracy": Estimate(*(float(v) for v in accuracy))}
