"""Orders that admit ties: rankings with rank intervals and tie groups, and a Pareto front
whose dominance needs a significant difference (host, NumPy).

Both start from paired :class:`~mis.inference.Replicates` (the same resamples for every item),
so each pairwise difference has its own bootstrap standard error. All ``K(K−1)/2`` pairwise
differences are tested together with Holm's step-down procedure at family-wise level ``α``
(:func:`~mis.inference.holm`); two items are *tied* when their difference is not rejected.

- Rank interval of item ``i`` (smaller value = better):
  ``[1 + #{j significantly better than i},  K − #{j significantly worse than i}]``.
- Tie groups: items in order of their estimates; a group starts at the first item not yet
  placed and takes every following item that is not significantly different from that first
  item (so a group's members are all tied with its leader).
- Pareto front (:func:`significant_front`): ``j`` dominates ``i`` when ``j`` is not
  significantly worse on any axis and significantly better on at least one; an exact axis
  (storage in bits per weight) compares values directly. Items below an optional floor of the
  first utility axis are left out of the front and listed apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from mis.inference._bootstrap import Replicates, difference, holm, p_value
from theory import Estimate


class Comparison(NamedTuple):
    """All pairwise differences ``value[i] − value[j]`` of one measure.

    Attributes:
        names: the items.
        values: ``[K]`` estimates.
        diff: ``[K, K]`` estimate of ``value[i] − value[j]``.
        lower, upper: ``[K, K]`` its BC interval at ``confidence`` (per pair, not corrected).
        significant: ``[K, K]`` Holm's rejection of "no difference" at family-wise ``alpha``.
        alpha: the family-wise level.
    """

    names: list[str]
    values: np.ndarray
    diff: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    significant: np.ndarray
    alpha: float

    def pair(self, a: str, b: str) -> Estimate:
        """``value[a] − value[b]`` with its interval."""
        i, j = self.names.index(a), self.names.index(b)
        return Estimate(float(self.diff[i, j]), float(self.lower[i, j]),
                        float(self.upper[i, j]))


def compare(names: Sequence[str], reps: Sequence[Replicates], *, alpha: float = 0.05,
            confidence: float = 0.95) -> Comparison:
    """Every pairwise paired difference of ``reps`` (same resamples), Holm over the pairs.
    Items whose value is not finite take part in no comparison."""
    k = len(names)
    if len(reps) != k:
        raise ValueError(f"{k} names but {len(reps)} replicate sets")
    diff = np.full((k, k), np.nan)
    lo, hi, p = diff.copy(), diff.copy(), diff.copy()
    for i in range(k):
        diff[i, i] = lo[i, i] = hi[i, i] = 0.0
        for j in range(i + 1, k):
            d = difference(reps[i], reps[j])
            est = d.interval(confidence)
            diff[i, j], lo[i, j], hi[i, j] = est
            diff[j, i], lo[j, i], hi[j, i] = -est.value, -est.upper, -est.lower
            p[i, j] = p_value(d)
    iu = np.triu_indices(k, 1)
    sig = np.zeros((k, k), bool)
    sig[iu] = holm(p[iu], alpha)
    sig |= sig.T
    values = np.array([float(r.value) for r in reps])
    return Comparison(list(names), values, diff, lo, hi, sig, alpha)


class RankedItem(NamedTuple):
    """One item of :func:`rank_with_ties`: its estimate, its rank interval and tie group
    (1 = best group), and the items it is tied with."""

    name: str
    value: float
    rank_lo: int
    rank_hi: int
    group: int
    tied_with: tuple[str, ...]


def rank_with_ties(comp: Comparison, *, smaller_is_better: bool = True) -> list[RankedItem]:
    """Items best first (by estimate), each with its rank interval and tie group (module
    docstring). Items without a finite value are left out."""
    v = comp.values if smaller_is_better else -comp.values
    ok = np.flatnonzero(np.isfinite(v))
    order = ok[np.argsort(v[ok], kind="stable")]
    sig = comp.significant
    better = lambda i, j: sig[i, j] and v[j] < v[i]  # noqa: E731  j significantly better
    groups, g, leader = {}, 0, None
    for i in order:
        if leader is None or sig[leader, i]:
            g, leader = g + 1, i
        groups[i] = g
    out = []
    for i in order:
        n_better = sum(better(i, j) for j in order if j != i)
        n_worse = sum(better(j, i) for j in order if j != i)
        tied = tuple(comp.names[j] for j in order if j != i and not sig[i, j])
        out.append(RankedItem(comp.names[i], float(comp.values[i]), int(1 + n_better),
                              int(order.size - n_worse), groups[i], tied))
    return out


class Front(NamedTuple):
    """:func:`significant_front`: the front (by the first axis), the items below the floor,
    and for each dominated item one item that dominates it."""

    front: list[str]
    below_floor: list[str]
    dominated_by: dict


def significant_front(names: Sequence[str], axes: Sequence[tuple[Comparison | np.ndarray, bool]],
                      *, floor: float | None = None) -> Front:
    """The Pareto front over ``axes``, each ``(Comparison or exact values, larger_is_better)``;
    dominance needs a significant difference (module docstring). ``floor``: items whose first
    axis value is below it (utility) are kept out of the front and listed in
    ``below_floor``. The front is sorted by the first axis, best first."""
    names = list(names)
    k = len(names)

    def cmp(axis, larger, i, j):
        """+1 if j is better than i on this axis, −1 if worse, 0 if not distinguishable."""
        if isinstance(axis, Comparison):
            vi, vj = axis.values[i], axis.values[j]
            if not (np.isfinite(vi) and np.isfinite(vj)) or not axis.significant[i, j]:
                return 0
            better = vj > vi if larger else vj < vi
        else:
            vi, vj = float(axis[i]), float(axis[j])
            if vi == vj or not (np.isfinite(vi) and np.isfinite(vj)):
                return 0
            better = vj > vi if larger else vj < vi
        return 1 if better else -1

    first, first_larger = axes[0]
    first_v = np.asarray(first.values if isinstance(first, Comparison) else first, float)
    below = [names[i] for i in range(k) if floor is not None and not first_v[i] >= floor]
    candidates = [i for i in range(k) if names[i] not in below]
    dominated = {}
    for i in candidates:
        for j in candidates:
            if i == j:
                continue
            c = [cmp(ax, lg, i, j) for ax, lg in axes]
            if min(c) >= 0 and max(c) > 0:
                dominated[names[i]] = names[j]
                break
    kept = [i for i in candidates if names[i] not in dominated]
    key = -first_v[kept] if first_larger else first_v[kept]
    return Front([names[kept[t]] for t in np.argsort(key, kind="stable")], below, dominated)
