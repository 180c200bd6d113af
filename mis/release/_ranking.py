"""Rankings, Kendall's τ-b with a bootstrap interval, and the Pareto front (host, NumPy)."""

from __future__ import annotations

import numpy as np

from theory import Estimate


def kendall_tau(x, y) -> float:
    r"""Kendall's τ-b: ``(C − D) / √((P − T_x)(P − T_y))`` over the ``P`` pairs, ``C``/``D``
    concordant/discordant, ``T_x``/``T_y`` pairs tied in ``x``/``y`` (Kendall 1945). ``nan``
    with fewer than two points or a constant variable."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    i, j = np.triu_indices(x.size, 1)
    sx, sy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    denom = np.sqrt(np.sum(sx != 0) * np.sum(sy != 0))
    return float(np.sum(sx * sy) / denom) if denom > 0 else float("nan")


def kendall_tau_estimate(x, y, *, seed: int = 0, num_bootstrap: int = 2000,
                         confidence: float = 0.95) -> Estimate:
    """τ-b of the finite pairs with a percentile interval from resampling the pairs (items)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    value = kendall_tau(x, y)
    if x.size < 3:
        return Estimate(value, float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    boot = np.array([kendall_tau(x[idx], y[idx]) for idx in
                     rng.integers(0, x.size, (num_bootstrap, x.size))])
    lo, hi = np.nanpercentile(boot, [50 * (1 - confidence), 50 * (1 + confidence)])
    return Estimate(value, float(min(lo, value)), float(max(hi, value)))


def rank_order(names, values, *, larger_is_safer: bool) -> list[str]:
    """``names`` with a finite value, from the most to the least private by ``values``. A name
    without a value (``nan``: e.g. no indicator A for a stochastic quantizer) is left out, not
    put last as "least private"; :func:`unranked` lists those."""
    v = np.asarray(values, float)
    ok = np.flatnonzero(np.isfinite(v))
    key = -v[ok] if larger_is_safer else v[ok]
    return [names[i] for i in ok[np.argsort(key, kind="stable")]]


def unranked(names, values) -> list[str]:
    """The ``names`` whose value is missing (not finite), which :func:`rank_order` leaves out."""
    v = np.asarray(values, float)
    return [n for n, x in zip(names, v, strict=True) if not np.isfinite(x)]


def pareto_front(utility, leakage) -> np.ndarray:
    """Indices of the points no other point beats on both axes (utility at least as high and
    leakage at least as low, one strictly), sorted by increasing leakage."""
    u, lk = np.asarray(utility, float), np.asarray(leakage, float)
    ok = np.isfinite(u) & np.isfinite(lk)
    keep = []
    for i in np.flatnonzero(ok):
        better = ok & (u >= u[i]) & (lk <= lk[i]) & ((u > u[i]) | (lk < lk[i]))
        if not better.any():
            keep.append(i)
    keep = np.array(keep, int)
    return keep[np.argsort(lk[keep], kind="stable")]
