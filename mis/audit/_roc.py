"""Exact ROC metrics of a membership score (host: NumPy/SciPy).

Convention everywhere: a larger score means "member"; ``is_member`` is boolean (or 0/1). The ROC
has one point per distinct score (ties move together), starting at ``(0, 0)`` with threshold
``+inf``; the attack at threshold ``t`` says "member" iff ``score >= t``. No interpolation:
``tpr_at_fpr(f)`` is the largest TPR over ROC points with ``FPR <= f``.

References:
    Fawcett, "An introduction to ROC analysis", Pattern Recognition Letters 2006.
    DeLong, DeLong, Clarke-Pearson, "Comparing the areas under two or more correlated ROC
    curves", Biometrics 1988.
    Carlini et al., "Membership Inference Attacks From First Principles", 2022 (TPR at low FPR).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from mis.audit._intervals import clopper_pearson
from mis.errors import UserError
from theory import Estimate


class RocCurve(NamedTuple):
    """Exact ROC: ``fpr[i], tpr[i]`` of the rule ``score >= thresholds[i]`` (thresholds
    decreasing, the first ``+inf``)."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray


def check_scores(scores: ArrayLike, is_member: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate and flatten; raises ``UserError`` for NaN scores or a one-class label set."""
    s = np.asarray(scores, np.float64).ravel()
    m = np.asarray(is_member).ravel()
    if s.shape != m.shape:
        raise UserError(f"scores ({s.size}) and is_member ({m.size}) differ in size")
    if m.dtype != bool:
        if not np.all(np.isin(m, (0, 1))):
            raise UserError("is_member must be boolean or 0/1 (1 = member)")
        m = m.astype(bool)
    if np.isnan(s).any():
        raise UserError(f"{int(np.isnan(s).sum())} scores are NaN")
    if m.all() or not m.any():
        raise UserError("is_member must contain both members and non-members")
    return s, m


def roc_curve(scores: ArrayLike, is_member: ArrayLike) -> RocCurve:
    """Every ROC point of ``scores`` (exact, ties handled)."""
    s, m = check_scores(scores, is_member)
    order = np.argsort(-s, kind="stable")
    s, m = s[order], m[order]
    last = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]  # last index of each tie block
    tp, fp = np.cumsum(m)[last], np.cumsum(~m)[last]
    return RocCurve(np.r_[0.0, fp / (~m).sum()], np.r_[0.0, tp / m.sum()], np.r_[np.inf, s[last]])


def auc_value(s: np.ndarray, m: np.ndarray) -> float:
    """The AUC alone (Mann–Whitney with average ranks; no checks, no interval): for loops
    such as bootstraps over already checked scores ``s`` and boolean labels ``m``."""
    ranks = stats.rankdata(s)  # average ranks: a tie counts 1/2
    n1, n0 = m.sum(), (~m).sum()
    return (ranks[m].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def auc(scores: ArrayLike, is_member: ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """Area under the ROC = Mann–Whitney ``P(S_member > S_non) + ½ P(=)``, with a DeLong
    (asymptotically normal, two-sided) interval clipped to [0, 1]."""
    s, m = check_scores(scores, is_member)
    value = auc_value(s, m)
    x, y = s[m], s[~m]
    # DeLong structural components via ranks: V10_i = P(Y < x_i) + ½ P(Y = x_i), etc.
    all_ranks = stats.rankdata(np.r_[x, y])
    v10 = (all_ranks[: x.size] - stats.rankdata(x)) / y.size
    v01 = 1 - (all_ranks[x.size:] - stats.rankdata(y)) / x.size
    var = np.var(v10, ddof=1) / x.size + np.var(v01, ddof=1) / y.size if min(x.size, y.size) > 1 \
        else np.inf
    half = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt(var)
    return Estimate(value, max(value - half, 0.0), min(value + half, 1.0))


def bootstrap_auc(key_seed: int, scores: ArrayLike, is_member: ArrayLike, *,
                  num_bootstrap: int = 1000,
                  confidence: float = 0.95) -> Estimate:
    """AUC with a percentile bootstrap interval (members and non-members resampled
    separately); ``key_seed`` is the integer seed of the resampling."""
    s, m = check_scores(scores, is_member)
    rng = np.random.default_rng(key_seed)
    x, y = s[m], s[~m]
    reps = np.empty(num_bootstrap)
    for b in range(num_bootstrap):
        xb, yb = rng.choice(x, x.size), rng.choice(y, y.size)
        reps[b] = auc_value(np.r_[xb, yb], np.r_[np.ones(x.size, bool), np.zeros(y.size, bool)])
    lo, hi = np.quantile(reps, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return Estimate(auc_value(s, m), lo, hi)


def threshold_at_fpr(scores: ArrayLike, is_member: ArrayLike, fpr: float) -> float:
    """The threshold of the ROC point with the largest TPR among those with ``FPR <= fpr``."""
    if not 0 <= fpr <= 1:
        raise UserError(f"fpr={fpr!r} must lie in [0, 1]")
    curve = roc_curve(scores, is_member)
    ok = np.flatnonzero(curve.fpr <= fpr + 1e-12)
    return float(curve.thresholds[ok[np.argmax(curve.tpr[ok])]])


class Rates(NamedTuple):
    """TPR and FPR of one threshold, each an ``Estimate`` with a Clopper–Pearson interval."""

    threshold: float
    tpr: Estimate
    fpr: Estimate


def rates_at_threshold(threshold: float, scores: ArrayLike, is_member: ArrayLike, *,
                       confidence: float = 0.95) -> Rates:
    """Clopper–Pearson TPR and FPR of ``score >= threshold``; valid when the threshold was
    chosen on other data (held-out)."""
    s, m = check_scores(scores, is_member)
    hit = s >= threshold
    return Rates(threshold, clopper_pearson((hit & m).sum(), m.sum(), confidence),
                 clopper_pearson((hit & ~m).sum(), (~m).sum(), confidence))


HALVES_SEED = 0


def held_out_halves(is_member: ArrayLike, seed: int = HALVES_SEED) -> tuple[np.ndarray, np.ndarray]:
    """``(choose, evaluate)``: sorted indices of a split of the examples into two halves,
    stratified by label (each class permuted by ``numpy.random.default_rng(seed)``, its first
    ``⌈n_c/2⌉`` examples to ``choose``), so each half holds members and non-members whatever
    the order of the input (e.g. alternating labels)."""
    m = np.asarray(is_member, bool).ravel()
    rng = np.random.default_rng(seed)
    choose, evaluate = [], []
    for label in (True, False):
        idx = rng.permutation(np.flatnonzero(m == label))
        half = -(-idx.size // 2)
        choose.append(idx[:half])
        evaluate.append(idx[half:])
    return np.sort(np.concatenate(choose)), np.sort(np.concatenate(evaluate))


def _halves(s, m):
    a, b = held_out_halves(m)
    if not (m[a].any() and (~m[a]).any() and m[b].any() and (~m[b]).any()):
        raise UserError("held-out intervals need at least 2 members and 2 non-members")
    return (s[a], m[a]), (s[b], m[b])


def held_out_rates(scores: ArrayLike, is_member: ArrayLike, fpr: float, *,
                   confidence: float = 0.95) -> Rates:
    """The rates of the threshold chosen at FPR ``<= fpr`` on one half of
    :func:`held_out_halves` (the ROC point with the largest TPR among those with FPR
    ``<= fpr``, no interpolation), measured on the other half with Clopper–Pearson intervals:
    its TPR and the FPR it really has there."""
    s, m = check_scores(scores, is_member)
    (sa, ma), (sb, mb) = _halves(s, m)
    return rates_at_threshold(threshold_at_fpr(sa, ma, fpr), sb, mb, confidence=confidence)


def tpr_at_fpr(scores: ArrayLike, is_member: ArrayLike, fpr: float, *,
               confidence: float = 0.95) -> Estimate:
    """Held-out TPR at FPR ``<= fpr`` (:func:`held_out_rates`): the value is the threshold's
    TPR on the evaluation half and the interval its Clopper–Pearson interval there, so the
    interval belongs to the value (an in-sample maximum would be biased upward and could lie
    outside it)."""
    return held_out_rates(scores, is_member, fpr, confidence=confidence).tpr


def _dkw(n: int, alpha: float) -> float:
    return float(np.sqrt(np.log(2 / alpha) / (2 * n)))


def advantage(scores: ArrayLike, is_member: ArrayLike, *, confidence: float = 0.95) -> Estimate:
    """``max_t (TPR − FPR)`` over all thresholds (the attack's advantage; its complement is the
    attack's MIS estimate). Interval, each side at level ``α/2``: lower = threshold chosen on
    one half, Clopper–Pearson ``TPR_lo − FPR_hi`` on the other (Bonferroni);
    upper = in-sample maximum plus the Dvoretzky–Kiefer–Wolfowitz band of both classes
    (simultaneous over thresholds, so valid for the maximum). The halves are those of
    :func:`held_out_halves`."""
    s, m = check_scores(scores, is_member)
    curve = roc_curve(s, m)
    value = float(np.max(curve.tpr - curve.fpr))
    alpha = 1 - confidence
    (sa, ma), (sb, mb) = _halves(s, m)
    even = roc_curve(sa, ma)
    t = even.thresholds[np.argmax(even.tpr - even.fpr)]
    held = rates_at_threshold(t, sb, mb, confidence=1 - alpha / 2)
    lower = max(float(held.tpr.lower - held.fpr.upper), 0.0)
    upper = min(value + _dkw(m.sum(), alpha / 4) + _dkw((~m).sum(), alpha / 4), 1.0)
    return Estimate(value, lower, upper)


def balanced_accuracy(scores: ArrayLike, is_member: ArrayLike) -> float:
    """``max_t ½(TPR + 1 − FPR) = ½(1 + advantage)``."""
    return 0.5 * (1 + float(advantage(scores, is_member).value))


def epsilon_from_rates(tpr: float, fpr: float, delta: float = 0.0) -> float:
    """The smallest ε that ``(ε, δ)``-DP allows for an attack with these rates:
    ``max(log((TPR − δ)/FPR), log((1 − FPR − δ)/(1 − TPR)), 0)``."""
    tpr, fpr = np.float64(tpr), np.float64(fpr)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.log((tpr - delta) / fpr)
        b = np.log((1 - fpr - delta) / (1 - tpr))
    cands = [float(v) for v in (a, b) if np.isfinite(v) or v == np.inf]
    return float(max([0.0, *cands]))


def epsilon_estimate(scores: ArrayLike, is_member: ArrayLike, *, fpr: float = 0.01,
                     delta: float = 0.0,
                     confidence: float = 0.95) -> Estimate:
    """The ε an attack implies (see :func:`epsilon_lower_bound`), as ``Estimate(value, lower,
    upper)``: the threshold is chosen at ``fpr`` on one half of :func:`held_out_halves`; on
    the other the value uses the observed rates, ``lower`` the Clopper–Pearson
    ``(TPR_lo, FPR_hi)`` (a lower confidence bound on the ε of the mechanism that produced
    the scores) and ``upper`` ``(TPR_hi, FPR_lo)``; both may be ``inf``."""
    r = held_out_rates(scores, is_member, fpr, confidence=confidence)
    return Estimate(epsilon_from_rates(float(r.tpr.value), float(r.fpr.value), delta),
                    epsilon_from_rates(float(r.tpr.lower), float(r.fpr.upper), delta),
                    epsilon_from_rates(float(r.tpr.upper), float(r.fpr.lower), delta))


def epsilon_lower_bound(scores: ArrayLike, is_member: ArrayLike, *, fpr: float = 0.01,
                        delta: float = 0.0,
                        confidence: float = 0.95) -> float:
    """A (ε, δ)-DP lower bound from one attack, as TF Privacy / jax_privacy audits do: choose
    the threshold at ``fpr`` on one half of :func:`held_out_halves`; with Clopper–Pearson
    bounds on the other, ``ε ≥ max(log((TPR_lo − δ)/FPR_hi), log((1 − FPR_hi − δ)/(1 − TPR_lo)))``
    (0 when neither is positive): (ε, δ)-DP forces ``TPR ≤ e^ε FPR + δ`` and
    ``1 − FPR ≤ e^ε (1 − TPR) + δ``."""
    return float(epsilon_estimate(scores, is_member, fpr=fpr, delta=delta,
                                  confidence=confidence).lower)
