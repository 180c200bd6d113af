"""A Gaussian-DP (f-DP) bound from attack scores (host, SciPy).

A mechanism is μ-GDP (Dong, Roth and Su) when no test of IN against OUT does better than
telling ``N(0, 1)`` from ``N(μ, 1)``: every threshold's rates satisfy
``FNR ≥ Φ(Φ⁻¹(1 − FPR) − μ)``, i.e.

    μ ≥ Φ⁻¹(1 − FPR) − Φ⁻¹(FNR)   at every threshold.

With Clopper–Pearson upper bounds on FPR and FNR at each of the ``T`` thresholds, each at level
``1 − α / (2T)`` (Bonferroni over thresholds and the two rates), the largest right-hand side is a
lower confidence bound on the μ of every GDP family member the mechanism can satisfy, at level
``1 − α``. Its ε at δ is that of the Gaussian mechanism with sensitivity 1 and noise ``1/μ``
(their Corollary 2.13):

    δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2).

Unlike the one-(FPR, TPR)-point bound, the whole trade-off curve contributes, so the same
samples give a tighter ε *if* the mechanism's trade-off curve is Gaussian, as DP-SGD's nearly is
(Nasr et al. 2023); it is an estimate within that family, not a bound for every (ε, δ)
mechanism, and the Clopper–Pearson rates treat the scores as independent trials.

References:
    Dong, Roth, Su, "Gaussian Differential Privacy", JRSS-B 2022, arXiv:1905.02383.
    Nasr et al., "Tight Auditing of Differentially Private Machine Learning", USENIX Security
    2023, arXiv:2302.07956. ``jax_privacy.auditing.CanaryScoreAuditor.epsilon_from_gdp``
    (2.0.0) computes the same μ without the correction over thresholds; the tests compare.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, stats


class GaussianDPAudit(NamedTuple):
    """Attributes: ``mu`` (the lower confidence bound on the GDP μ), ``epsilon`` (its ε at
    ``delta``), ``threshold`` (the score threshold that gave ``mu``), ``num_in`` /
    ``num_out`` (the IN and OUT scores), ``confidence``, ``delta``."""

    mu: float
    epsilon: float
    threshold: float
    num_in: int
    num_out: int
    confidence: float
    delta: float


def gdp_epsilon(mu: float, delta: float) -> float:
    """The ε at ``delta`` of μ-GDP (module docstring); 0 for μ = 0, ∞ for μ = ∞."""
    if not 0 < delta < 1:
        raise ValueError(f"delta={delta!r} must lie in (0, 1)")
    if mu <= 0:
        return 0.0
    if math.isinf(mu):
        return math.inf

    def gap(eps):  # δ(ε) − δ, decreasing in ε; in logs for large ε
        a = stats.norm.logcdf(-eps / mu + mu / 2)
        b = eps + stats.norm.logcdf(-eps / mu - mu / 2)
        return a + np.log1p(-np.exp(min(b - a, 0.0))) - math.log(delta) if a > b else -np.inf

    if gap(0.0) <= 0:
        return 0.0
    hi = 1.0
    while gap(hi) > 0:
        hi *= 2
    return float(optimize.brentq(gap, hi / 2 if hi > 1 else 0.0, hi, xtol=1e-10))


def gdp_audit(scores_in: ArrayLike, scores_out: ArrayLike, *, delta: float,
              confidence: float = 0.95) -> GaussianDPAudit:
    """The μ lower bound and its ε from IN and OUT scores (larger = IN; module docstring)."""
    s_in = np.sort(np.asarray(scores_in, np.float64).ravel())
    s_out = np.sort(np.asarray(scores_out, np.float64).ravel())
    if s_in.size < 1 or s_out.size < 1 or np.isnan(s_in).any() or np.isnan(s_out).any():
        raise ValueError("need >= 1 IN and >= 1 OUT score, none NaN")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie in (0, 1)")
    thresholds = np.union1d(s_in, s_out)  # the rule "IN iff score >= t"
    fn = np.searchsorted(s_in, thresholds, side="left")  # IN scores below t
    fp = s_out.size - np.searchsorted(s_out, thresholds, side="left")
    alpha = (1 - confidence) / (2 * thresholds.size)
    # one-sided Clopper–Pearson upper bounds (1 at k = n)
    with np.errstate(invalid="ignore"):
        fnr_ub = np.where(fn < s_in.size, stats.beta.ppf(1 - alpha, fn + 1, s_in.size - fn), 1.0)
        fpr_ub = np.where(fp < s_out.size, stats.beta.ppf(1 - alpha, fp + 1, s_out.size - fp),
                          1.0)
        mus = stats.norm.isf(fpr_ub) - stats.norm.ppf(fnr_ub)
    mus = np.where(np.isnan(mus), -np.inf, mus)
    i = int(np.argmax(mus))
    mu = max(float(mus[i]), 0.0)
    return GaussianDPAudit(mu, gdp_epsilon(mu, delta), float(thresholds[i]), s_in.size,
                           s_out.size, confidence, delta)
