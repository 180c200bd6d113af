"""Checks on the Δ estimates (host, NumPy): disagreement between estimators, the largest ε an
estimate can certify at its sample sizes, paired bootstrap replicates of a classifier's
advantage, and a permutation null for the individual risk.

- :func:`disagreements`: every estimator of :mod:`mis.tv` estimates a functional at most Δ, so
  their intervals are all lower bounds of Δ. When one estimator's upper end lies below
  another's lower end, the first misses part of Δ on this query (for the best threshold, KS:
  the likelihood ratio is not monotone in the query, e.g. N(0, 1) against N(0, 4), whose best
  single threshold has advantage 0.161 while Δ = 0.323).
- :func:`advantage_ceiling`: with perfectly separated decisions the Clopper–Pearson lower end
  of TPR − FPR (each rate at level ``1 − α/2``) is ``(α/4)^{1/n_in} − (1 − (α/4)^{1/n_out})``;
  its :func:`implied_epsilon` is the largest ε the classifier estimate can certify, whatever
  the model leaks.
- :func:`advantage_replicates`: TPR − FPR of fixed decisions on members and non-members drawn
  with replacement within each class; the same seed and sizes give the same draws, so two
  decision vectors on the same examples (a model at two checkpoints) are paired.
- :func:`risk_null`: the mean of the ``top`` largest individual risks
  (:func:`~mis.tv.knn_risk`) against its law when membership carries no information: the
  same pooled queries with the member labels permuted (the null "members" are as many as the
  real ones).

References:
    Efron, Tibshirani, *An Introduction to the Bootstrap*, 1993 (stratified resampling, §6).
    Good, *Permutation, Parametric and Bootstrap Tests of Hypotheses*, 2005 (permutation
    tests).
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mis.audit import clopper_pearson
from mis.inference import Replicates
from mis.tv._estimators import check_samples, implied_epsilon, knn_risk
from theory import Estimate

LABELS = {"ks": "best-threshold advantage (KS)", "histogram": "histogram TV",
          "knn": "k-NN classifier advantage"}
WHY = {"ks": "the likelihood ratio is not monotone in this query, so no single threshold "
             "reaches Δ",
       "histogram": "its bins are too coarse for this query",
       "knn": "the classifier is far from the Bayes rule at this sample size"}


def disagreements(estimates: dict[str, Estimate]) -> list[str]:
    """One sentence per ordered pair ``(a, b)`` whose intervals are disjoint with ``a``'s
    upper end below ``b``'s lower end: ``a`` measures less than Δ here (module docstring)."""
    out = []
    for a, b in itertools.permutations(estimates, 2):
        ea, eb = estimates[a], estimates[b]
        if float(ea.upper) < float(eb.lower):
            out.append(f"{LABELS.get(a, a)} {float(ea.value):.3f} [{float(ea.lower):.3f}, "
                       f"{float(ea.upper):.3f}] lies below {LABELS.get(b, b)}'s lower end "
                       f"{float(eb.lower):.3f}: {WHY.get(a, 'it misses part of Δ')}")
    return out


def advantage_ceiling(num_members: int, num_nonmembers: int, *, confidence: float = 0.95,
                      delta: float = 0.0) -> float:
    """The largest ε that :func:`~mis.tv.classifier_tv`'s lower end can certify with
    ``num_members`` / ``num_nonmembers`` (module docstring)."""
    if num_members < 1 or num_nonmembers < 1:
        raise ValueError(f"need >= 1 member and non-member, got {num_members}, "
                         f"{num_nonmembers}")
    alpha = 1 - confidence
    tpr = float(clopper_pearson(num_members, num_members, 1 - alpha / 2).lower)
    fpr = float(clopper_pearson(0, num_nonmembers, 1 - alpha / 2).upper)
    return implied_epsilon(tpr - fpr, delta)


def advantage_replicates(decided: ArrayLike, num_members: int, *, num_bootstrap: int = 1000,
                         seed: int = 0) -> Replicates:
    """TPR − FPR of boolean ``decided`` (members first, ``num_members`` of them) and its
    stratified bootstrap replicates (module docstring)."""
    d = np.asarray(decided, bool)
    n_in, n_out = num_members, d.size - num_members
    if n_in < 1 or n_out < 1:
        raise ValueError(f"need >= 1 member and non-member, got {n_in}, {n_out}")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n_in, (num_bootstrap, n_in))
    o = rng.integers(0, n_out, (num_bootstrap, n_out))
    reps = d[:n_in][i].mean(1) - d[n_in:][o].mean(1)
    return Replicates(float(d[:n_in].mean() - d[n_in:].mean()), reps)


class RiskNull(NamedTuple):
    """The observed mean of the ``top`` largest member risks and its permutation null.

    Attributes:
        observed: the statistic on the real members.
        null: ``[P]`` the statistic with the member labels permuted.
        top: how many of the largest risks are averaged.
    """

    observed: float
    null: np.ndarray
    top: int

    def p_value(self) -> float:
        """One-sided permutation p-value ``(1 + #{null >= observed}) / (P + 1)``."""
        return float((1 + np.sum(self.null >= self.observed)) / (self.null.size + 1))

    def excess(self, confidence: float = 0.95) -> Estimate:
        """``observed − median(null)`` with the interval ``[observed − q_hi, observed − q_lo]``
        from the null's central quantiles (it excludes 0 exactly when the observed statistic
        lies outside the null's central ``confidence`` range)."""
        lo, mid, hi = np.quantile(self.null, [(1 - confidence) / 2, 0.5, (1 + confidence) / 2])
        return Estimate(self.observed - float(mid), self.observed - float(hi),
                        self.observed - float(lo))


def top_mean(risk: ArrayLike, top: int) -> float:
    """Mean of the ``top`` largest values of ``risk``."""
    r = np.sort(np.asarray(risk, np.float64))[::-1]
    return float(np.mean(r[:top]))


def risk_null(member: ArrayLike, nonmember: ArrayLike, *, top: int = 10, permutations: int = 100,
              k: int | None = None, seed: int = 0) -> RiskNull:
    """:class:`RiskNull` of :func:`~mis.tv.knn_risk` (module docstring); permutation ``j``
    draws from ``default_rng(seed)``."""
    m, o = check_samples(member, nonmember)
    if not 1 <= top <= len(m):
        raise ValueError(f"top={top} must lie in [1, {len(m)}]")
    observed = top_mean(knn_risk(m, o, k=k, seed=seed), top)
    pooled = np.concatenate([m, o])
    rng = np.random.default_rng(seed)
    null = np.empty(permutations)
    for j in range(permutations):
        order = rng.permutation(len(pooled))
        null[j] = top_mean(knn_risk(pooled[order[:len(m)]], pooled[order[len(m):]], k=k,
                                    seed=seed), top)
    return RiskNull(observed, null, top)
