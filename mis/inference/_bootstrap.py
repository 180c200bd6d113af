"""Bootstrap replicates and the intervals drawn from them (host, NumPy/SciPy).

A :class:`Replicates` is a statistic's value on the data and its values on ``B`` resamples.
Every interval of :mod:`mis.inference` is the bias-corrected percentile interval (BC; Efron,
"Better bootstrap confidence intervals", JASA 1987, the BCa interval with acceleration 0):

.. math::
   z_0 = \\Phi^{-1}\\big(\\#\\{\\hat\\theta^*_b < \\hat\\theta\\} / B
         + \\tfrac12 \\#\\{\\hat\\theta^*_b = \\hat\\theta\\} / B\\big), \\qquad
   [\\hat G^{-1}(\\Phi(2 z_0 + z_{\\alpha/2})),\\ \\hat G^{-1}(\\Phi(2 z_0 + z_{1-\\alpha/2}))]

with ``Ĝ`` the empirical law of the replicates. A percentile interval of a biased statistic can
exclude its own estimate; the BC interval moves with the bias instead. The interval is never
clamped to contain the estimate, and :attr:`Replicates.bias` (mean replicate − value) is there
for reports to show.

Paired comparisons (:func:`difference`) subtract the replicates of two statistics computed on
the *same* resamples; their interval is that of the difference, usually far narrower than the
two separate intervals.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from theory import Estimate


class Replicates(NamedTuple):
    """A statistic's value and its bootstrap replicates.

    Attributes:
        value: the statistic on the data.
        reps: ``[B]`` the statistic on each resample (``nan`` where undefined).
    """

    value: float
    reps: np.ndarray

    @property
    def bias(self) -> float:
        """``mean(reps) − value``: the bootstrap estimate of the statistic's bias."""
        r = self.reps[np.isfinite(self.reps)]
        return float(np.mean(r) - self.value) if r.size else float("nan")

    @property
    def se(self) -> float:
        """The bootstrap standard error (standard deviation of the replicates)."""
        r = self.reps[np.isfinite(self.reps)]
        return float(np.std(r, ddof=1)) if r.size > 1 else float("nan")

    def interval(self, confidence: float = 0.95) -> Estimate:
        """The BC interval at ``confidence`` (module docstring) as ``Estimate``."""
        return bc_interval(self, confidence)


def bc_interval(rep: Replicates, confidence: float = 0.95) -> Estimate:
    """Bias-corrected percentile interval of ``rep`` (module docstring); ``nan`` bounds when
    the value or fewer than 10 replicates are finite. ``z_0`` is bounded by the replicates'
    resolution (its proportion kept in ``[1/(2B), 1 − 1/(2B)]``)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie in (0, 1)")
    value = float(rep.value)
    r = np.asarray(rep.reps, np.float64)
    r = r[np.isfinite(r)]
    if not np.isfinite(value) or r.size < 10:
        return Estimate(value, float("nan"), float("nan"))
    p0 = (np.sum(r < value) + 0.5 * np.sum(r == value)) / r.size
    p0 = float(np.clip(p0, 0.5 / r.size, 1 - 0.5 / r.size))
    z0 = stats.norm.ppf(p0)
    z = stats.norm.ppf(0.5 + confidence / 2)
    lo_q, hi_q = stats.norm.cdf(2 * z0 - z), stats.norm.cdf(2 * z0 + z)
    lo, hi = np.quantile(r, [lo_q, hi_q])
    return Estimate(value, float(lo), float(hi))


def difference(a: Replicates, b: Replicates) -> Replicates:
    """The paired difference ``a − b``: both must come from the same resamples (same seed and
    shapes); a statistic minus itself is exactly 0 in every replicate."""
    if a.reps.shape != b.reps.shape:
        raise ValueError(f"replicates differ in number ({a.reps.shape} vs {b.reps.shape}): "
                         "a paired difference needs the same resamples")
    return Replicates(float(a.value) - float(b.value), a.reps - b.reps)


def p_value(rep: Replicates, null: float = 0.0) -> float:
    """Two-sided p-value of ``statistic = null`` from the bootstrap standard error and a normal
    reference, ``2 (1 − Φ(|value − null| / se))`` (Efron & Tibshirani, *An Introduction to the
    Bootstrap*, 1993, §16): unlike counting replicates beyond ``null`` it resolves the small
    p-values a multiplicity correction needs. ``1`` for a zero-width difference at the null,
    ``0`` for a zero-width difference away from it."""
    value, se = float(rep.value) - null, rep.se
    if not np.isfinite(value):
        return float("nan")
    if not se > 0:
        return 1.0 if value == 0 else 0.0
    return float(2 * stats.norm.sf(abs(value) / se))


def holm(p_values: ArrayLike, alpha: float = 0.05) -> np.ndarray:
    """Holm's step-down rejections (Holm, "A simple sequentially rejective multiple test
    procedure", Scand. J. Statist. 1979): sort the ``k`` p-values, reject while
    ``p_(j) ≤ α / (k − j + 1)``; controls the family-wise error rate at ``α``. ``nan`` p-values
    are never rejected (and not counted in ``k``)."""
    p = np.asarray(p_values, np.float64).ravel()
    reject = np.zeros(p.shape, bool)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    k = order.size
    for j, idx in enumerate(order):
        if p[idx] > alpha / (k - j):
            break
        reject[idx] = True
    return reject


def bonferroni_confidence(num_findings: int, confidence: float = 0.95) -> float:
    """Per-finding confidence ``1 − (1 − c)/k`` so that ``k`` intervals hold together with
    probability at least ``c`` (Bonferroni)."""
    if num_findings < 1:
        raise ValueError(f"num_findings={num_findings!r} must be >= 1")
    return 1 - (1 - confidence) / num_findings
