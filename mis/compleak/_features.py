"""CompLeak's signals and attack features (host, NumPy): posteriors, the label-aware input,
entropy and modified entropy, class-wise thresholds, the SR1/SR2 features sorted by the
original's ranking, and its RMIA with one reference.

Every function takes one model's outputs on a set of examples (rows); the study stacks models.

References:
    Li et al., "CompLeak", arXiv:2507.16872 (METHODS.md §1.3-1.5).
    Song, Mittal, "Systematic Evaluation of Privacy Risks of Machine Learning Models", USENIX
    Security 2021 (modified entropy, class-wise thresholds).
    Zarifzadeh, Liu, Shokri, "Low-Cost High-Power Membership Inference Attacks", ICML 2024.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import log_softmax

TINY = 1e-30


def posterior(logits: ArrayLike) -> np.ndarray:
    """``softmax(logits)`` in float64, ``[..., C]``."""
    return np.exp(log_softmax(np.asarray(logits, np.float64), axis=-1))


def one_hot(y: ArrayLike, num_classes: int) -> np.ndarray:
    return np.eye(num_classes)[np.asarray(y)]


def label_aware(p: np.ndarray, y: ArrayLike) -> np.ndarray:
    """``[p, e_y]``: the posterior and the one-hot label (CompLeak's ``train_based_2``)."""
    return np.concatenate([p, one_hot(y, p.shape[-1])], axis=-1)


def entropy_score(p: ArrayLike) -> np.ndarray:
    """``−H(p) = Σ_i p_i log p_i`` (larger = more confident = "member")."""
    p = np.asarray(p, np.float64)
    return np.sum(p * np.log(np.maximum(p, TINY)), axis=-1)


def modified_entropy_score(p: ArrayLike, y: ArrayLike) -> np.ndarray:
    """``−Mentr(p, y)``, ``Mentr = −(1 − p_y) log p_y − Σ_{i≠y} p_i log(1 − p_i)`` (Song &
    Mittal); larger = "member"."""
    p = np.asarray(p, np.float64)
    y = np.asarray(y)
    py = np.take_along_axis(p, y[..., None], axis=-1)[..., 0]
    other = p * np.log(np.maximum(1 - p, TINY))
    own = np.take_along_axis(other, y[..., None], axis=-1)[..., 0]
    return (1 - py) * np.log(np.maximum(py, TINY)) + (np.sum(other, axis=-1) - own)


def best_threshold(scores: ArrayLike, member: ArrayLike) -> float:
    """The threshold ``t`` maximising ½(TPR + TNR) of "member iff score ≥ t" over the
    candidates {the scores, +∞}; ties between candidates go to the largest. A class without
    members or without non-members gets ``+∞`` ("no member")."""
    s = np.asarray(scores, np.float64)
    m = np.asarray(member, bool)
    if m.all() or not m.any():
        return float("inf")
    order = np.argsort(-s, kind="stable")
    s_sorted, m_sorted = s[order], m[order]
    tp = np.cumsum(m_sorted) / m.sum()
    fp = np.cumsum(~m_sorted) / (~m).sum()
    # a threshold at s_sorted[k] admits every score >= it: take the last index of each tie run
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    bal = np.where(last, 0.5 * (tp + 1 - fp), -np.inf)
    k = int(np.argmax(bal))
    return float(s_sorted[k]) if bal[k] > 0.5 else float("inf")


def class_thresholds(scores: ArrayLike, y: ArrayLike, member: ArrayLike,
                     num_classes: int) -> np.ndarray:
    """CompLeak's class-wise thresholds: :func:`best_threshold` among the examples of each
    class (fitted on the shadow side)."""
    y = np.asarray(y)
    return np.array([best_threshold(np.asarray(scores)[y == c], np.asarray(member)[y == c])
                     for c in range(num_classes)])


def thresholded(scores: ArrayLike, y: ArrayLike, thresholds: ArrayLike) -> np.ndarray:
    """A score for the ROC from a class-wise threshold attack: ``score − t_y`` (its decision
    "member iff ≥ 0" is the attack's); a class with ``t = +∞`` keeps its order, shifted
    below 0 (never "member" at the attack's threshold)."""
    t = np.asarray(thresholds)[np.asarray(y)]
    s = np.asarray(scores, np.float64)
    finite = np.isfinite(t)
    return np.where(finite, s - np.where(finite, t, 0.0), s - np.max(s, initial=0.0) - 1.0)


def sr_features(p_orig: ArrayLike, p_comp: ArrayLike,
                y: ArrayLike | None = None) -> np.ndarray:
    """SR1 ``[p_orig[π], p_comp[π]]`` or, with labels, SR2 ``[p_orig[π], p_comp[π], e_y[π]]``,
    ``π = argsort(p_orig)`` ascending (the original's top class last)."""
    p_orig, p_comp = np.asarray(p_orig), np.asarray(p_comp)
    order = np.argsort(p_orig, axis=-1, kind="stable")
    take = lambda a: np.take_along_axis(a, order, axis=-1)
    parts = [take(p_orig), take(p_comp)]
    if y is not None:
        parts.append(take(one_hot(y, p_orig.shape[-1])))
    return np.concatenate(parts, axis=-1)


def rmia_one_reference(target_py: ArrayLike, ref_py: ArrayLike, pop_target_py: ArrayLike,
                       pop_ref_py: ArrayLike, *, a: float = 0.5,
                       gamma: float = 1.0) -> np.ndarray:
    """RMIA as CompLeak runs it, one reference model: ``ratio_x = p_t(x) / p̂(x)``, ``p̂(x) =
    ½[(1 + a) p_ref(x) + (1 − a)]``; ``ratio_z = p_t(z) / p_ref(z)`` on the population ``z``
    (no correction on the ``z`` side, as in its code); score = the fraction of ``z`` with
    ``ratio_x / ratio_z > γ``. Inputs are true-class probabilities."""
    ratio_x = np.asarray(target_py) / (0.5 * ((1 + a) * np.asarray(ref_py) + (1 - a)))
    ratio_z = np.sort(np.asarray(pop_target_py) / np.maximum(np.asarray(pop_ref_py), TINY))
    # fraction of z with ratio_z < ratio_x / γ
    return np.searchsorted(ratio_z, ratio_x / gamma, side="left") / ratio_z.size


def true_class(p: ArrayLike, y: ArrayLike) -> np.ndarray:
    return np.take_along_axis(np.asarray(p), np.asarray(y)[..., None], axis=-1)[..., 0]
