"""Rankings, Kendall's τ-b with a bootstrap interval, and the Pareto front (host, NumPy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mis.inference import Replicates, bc_interval
from theory import Estimate


def kendall_tau(x: ArrayLike, y: ArrayLike) -> float:
    r"""Kendall's τ-b: ``(C − D) / √((P − T_x)(P − T_y))`` over the ``P`` pairs, ``C``/``D``
    concordant/discordant, ``T_x``/``T_y`` pairs tied in ``x``/``y`` (Kendall 1945). ``nan``
    with fewer than two points or a constant variable."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    i, j = np.triu_indices(x.size, 1)
    sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    denom = np.sqrt(np.sum(sx != 0) * np.sum(sy != 0))
    return float(np.sum(sx * sy) / denom) if denom > 0 else float("nan")


def kendall_tau_replicates(x: ArrayLike, y: ArrayLike, *, seed: int = 0,
                           num_bootstrap: int = 2000) -> Replicates:
    """τ-b of the finite pairs and its bootstrap replicates from resampling the pairs (items);
    ``nan`` replicates with fewer than three pairs."""
    xs, ys = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    value = kendall_tau(xs, ys)
    if xs.size < 3:
        return Replicates(value, np.full(num_bootstrap, np.nan))
    rng = np.random.default_rng(seed)
    return Replicates(value, np.array([kendall_tau(xs[idx], ys[idx]) for idx in
                                       rng.integers(0, xs.size, (num_bootstrap, xs.size))]))


def kendall_tau_estimate(x: ArrayLike, y: ArrayLike, *, seed: int = 0, num_bootstrap: int = 2000,
                         confidence: float = 0.95) -> Estimate:
    """τ-b of the finite pairs with a bias-corrected percentile interval
    (:func:`mis.inference.bc_interval`, not forced to contain the estimate) from
    :func:`kendall_tau_replicates`."""
    return bc_interval(kendall_tau_replicates(x, y, seed=seed, num_bootstrap=num_bootstrap),
                       confidence)


def rank_order(names: Sequence[str], values: ArrayLike, *, larger_is_safer: bool) -> list[str]:
    """``names`` with a finite value, from the most to the least private by ``values``. A name
    without a value (``nan``: e.g. no indicator A for a stochastic quantizer) is left out, not
    put last as "least private"; :func:`unranked` lists those."""
    v = np.asarray(values, float)
    ok = np.flatnonzero(np.isfinite(v))
    key = -v[ok] if larger_is_safer else v[ok]
    return [names[i] for i in ok[np.argsort(key, kind="stable")]]


def unranked(names: Sequence[str], values: ArrayLike) -> list[str]:
    """The ``names`` whose value is missing (not finite), which :func:`rank_order` leaves out."""
    v = np.asarray(values, float)
    return [n for n, x in zip(names, v, strict=True) if not np.isfinite(x)]


def pareto_front(utility: ArrayLike, leakage: ArrayLike) -> np.ndarray:
    """Indices of the points no other point beats on both axes (utility at least as high and
    leakage at least as low, one strictly), sorted by increasing leakage."""
    u, lk = np.asarray(utility, float), np.asarray(leakage, float)
    ok = np.isfinite(u) & np.isfinite(lk)
    keep: list[int] = []
    for i in np.flatnonzero(ok):
        better = ok & (u >= u[i]) & (lk <= lk[i]) & ((u > u[i]) | (lk < lk[i]))
        if not better.any():
            keep.append(int(i))
    kept = np.array(keep, int)
    return kept[np.argsort(lk[kept], kind="stable")]


class RmiaSignalRow(NamedTuple):
    """One RMIA signal across the releases of a run: its AUC on the first release (usually
    full precision), its mean AUC, Kendall τ of its AUC ordering with LiRA's and with
    indicator A's, and how many releases chose it."""

    signal: str
    first_auc: float
    mean_auc: float
    tau_lira: Estimate
    tau_indicator_a: Estimate
    chosen: int


def rmia_signal_table(rows: Sequence[Any]) -> list[RmiaSignalRow]:
    """The RMIA table (issue: RMIA's signal): for every candidate signal recorded in
    ``rows[i].rmia_by_signal``, the agreement of its quantizer ordering with LiRA AUC and with
    indicator A (larger indicator = safer, so τ against −AUC). Empty without classifiers."""
    from mis.release._row import PRIMARY_ATTACK, indicator_rate, value

    signals = list(dict.fromkeys(s for r in rows for s in r.rmia_by_signal))
    lira = [value(r.attack(PRIMARY_ATTACK) and r.attack(PRIMARY_ATTACK).auc) for r in rows]
    ind_a = [indicator_rate(r, "A") for r in rows]
    out = []
    for s in signals:
        auc = np.array([r.rmia_by_signal.get(s, np.nan) for r in rows], float)
        out.append(RmiaSignalRow(s, float(auc[0]), float(np.nanmean(auc)),
                                 kendall_tau_estimate(auc, lira),
                                 kendall_tau_estimate(ind_a, -auc),
                                 sum(r.rmia_signal == s for r in rows)))
    return out


def rmia_signal_lines(rows: Sequence[Any]) -> list[str]:
    """The RMIA table as fixed-width text lines (none without classifier releases)."""
    table = rmia_signal_table(rows)
    if not table:
        return []
    head = (f"{'RMIA signal':<12}{'AUC (first)':>12}{'mean AUC':>10}{'τ vs LiRA':>22}"
            f"{'τ vs indicator A':>22}{'chosen':>8}")
    est = lambda e: f"{e.value:.2f} [{e.lower:.2f}, {e.upper:.2f}]"
    return [head] + [f"{t.signal:<12}{t.first_auc:>12.3f}{t.mean_auc:>10.3f}"
                     f"{est(t.tau_lira):>22}{est(t.tau_indicator_a):>22}{t.chosen:>8}"
                     for t in table]
