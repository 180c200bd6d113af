"""Sample estimates of the optimal membership advantage Δ = TV(P_in, P_out) (host: NumPy,
SciPy, scikit-learn).

Contents: ``check_samples``, ``ks_estimate``, ``histogram_tv``, ``classifier_tv``,
``knn_posterior``, ``knn_risk``, ``implied_epsilon``.

``P_in`` is the law of a query ``q(x)`` (a loss, an ELBO, a distance to generated samples, a
vector of these) at members, ``P_out`` its law at non-members. Every adversary that sees
``q(x)`` has advantage ``TPR − FPR ≤ Δ = ½∫|p_in − p_out|`` with equality for the
likelihood-ratio test, and the advantage does not depend on how many members and
non-members there are (it is prior-free). Each estimator returns ``Estimate(value, lower,
upper)`` for a functional that is at most Δ (the best threshold, the binned TV, the
advantage of one classifier), so its ``lower`` end is a lower confidence bound on Δ; the
``value`` is consistent for Δ when the query is a sufficient statistic (KS), the bins
shrink (histogram) or the classifier is consistent (k-NN). No sample estimator gives an
upper confidence bound on Δ without assumptions on the densities: ``upper`` bounds the
estimator's own functional.

References:
    Liu, Xu, Tople, Mukherjee, Lavista Ferres, "MACE: A Flexible Framework for Membership
    Privacy Estimation in Generative Models", TMLR 2022, arXiv:2009.05683.
    Massart, "The tight constant in the Dvoretzky-Kiefer-Wolfowitz inequality", Ann. Probab.
    1990. Weissman, Ordentlich, Seroussi, Verdú, Weinberger, "Inequalities for the L1
    deviation of the empirical distribution", HP Labs HPL-2003-97, 2003.
    Lopez-Paz, Oquab, "Revisiting classifier two-sample tests", ICLR 2017.
"""

from __future__ import annotations

import math
from typing import Any, SupportsFloat

import numpy as np
from numpy.typing import ArrayLike

from mis.audit import clopper_pearson
from mis.errors import UserError
from theory import Estimate


def _as_2d(name: str, values) -> np.ndarray:
    try:
        a = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserError(f"{name} queries are not numeric") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise UserError(f"{name} queries have shape {a.shape}; use [n] (scalar queries) or "
                        "[n, d] (vector queries)")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise UserError(f"{name} queries have shape {a.shape}; need at least one value")
    if not np.all(np.isfinite(a)):
        bad = int(np.sum(~np.all(np.isfinite(a), axis=1)))
        raise UserError(f"{name} queries hold {bad} non-finite row(s) (NaN or inf); remove "
                        "or replace them")
    return a


def check_k(k: int | None, n: int) -> int:
    """``k`` if it is an integer in ``[1, n)`` (``n`` points to choose neighbours from), else a
    one-line ``UserError``."""
    return _check_k(k, n)


def check_samples(member: ArrayLike, nonmember: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(member, nonmember)`` as float64 ``[n, d]`` arrays (a 1-D sample is ``d = 1``).
    ``UserError`` (one line) for an empty sample, a non-finite or non-numeric value, or
    samples of different dimensions."""
    m, o = _as_2d("member", member), _as_2d("nonmember", nonmember)
    if m.shape[1] != o.shape[1]:
        raise UserError(f"member queries have dimension {m.shape[1]} but non-member queries "
                        f"{o.shape[1]}; both samples must come from the same query")
    return m, o


def _scalar(member, nonmember, who: str) -> tuple[np.ndarray, np.ndarray]:
    m, o = check_samples(member, nonmember)
    if m.shape[1] != 1:
        raise UserError(f"{who} needs scalar queries; these have dimension {m.shape[1]} "
                        "(use classifier_tv for vector queries)")
    return m[:, 0], o[:, 0]


def _alpha(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise UserError(f"confidence={confidence!r} is not allowed; use a number in (0, 1)")
    return 1.0 - confidence


def _estimate(value: float, lower: float, upper: float, lo: float = 0.0) -> Estimate:
    return Estimate(float(value), float(min(max(lower, lo), 1.0)),
                    float(min(max(upper, lo), 1.0)))


def dkw_width(n: int, alpha: float) -> float:
    r"""Half-width ``ε`` with :math:`P(\sup_t |\hat F_n(t) - F(t)| > ε) \le α`:
    :math:`ε = \sqrt{\log(2/α) / (2n)}` (Massart's tight DKW constant)."""
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


def ks_estimate(member: ArrayLike, nonmember: ArrayLike, *, confidence: float = 0.95) -> Estimate:
    r"""Best threshold advantage :math:`\mathrm{KS} = \sup_t |F_\mathrm{in}(t) -
    F_\mathrm{out}(t)|` of a scalar query, with a DKW interval.

    The best adversary that thresholds ``q`` (either direction) has advantage KS ``≤ Δ``, with
    equality when ``q`` is monotone in the likelihood ratio (e.g. ``q`` = the exact llr). The
    value is the two-sample Kolmogorov–Smirnov statistic; the interval widens it by
    :math:`ε_\mathrm{in} + ε_\mathrm{out}` (:func:`dkw_width` at ``α/2`` each), so it covers
    the population KS with probability at least ``confidence`` and ``lower`` is a lower
    confidence bound on Δ.

    Args:
      member, nonmember: scalar query values, shapes ``[n_in]`` and ``[n_out]``.
      confidence: two-sided level.

    Returns:
      ``Estimate`` of KS, clipped to ``[0, 1]``.
    """
    m, o = _scalar(member, nonmember, "ks_estimate")
    alpha = _alpha(confidence)
    grid = np.unique(np.concatenate([m, o]))
    f_in = np.searchsorted(np.sort(m), grid, side="right") / m.size
    f_out = np.searchsorted(np.sort(o), grid, side="right") / o.size
    value = float(np.max(np.abs(f_in - f_out)))
    width = dkw_width(m.size, alpha / 2) + dkw_width(o.size, alpha / 2)
    return _estimate(value, value - width, value + width)


def histogram_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Bin edges for a pooled scalar sample: every distinct value its own bin when there are
    at most ``bins`` of them (discrete queries, exact), otherwise ``bins`` equal-mass bins
    (pooled quantiles, repeated edges dropped); the outer edges are ±inf."""
    distinct = np.unique(values)
    if distinct.size <= bins:
        inner = (distinct[1:] + distinct[:-1]) / 2
    else:
        inner = np.unique(np.quantile(values, np.arange(1, bins) / bins))
    return np.concatenate([[-np.inf], inner, [np.inf]])


def l1_width(n: int, bins: int, alpha: float) -> float:
    r"""``ε`` with :math:`P(\|\hat p_n - p\|_1 \ge ε) \le α` for a ``bins``-cell empirical
    law (Weissman et al. 2003: the probability is at most :math:`(2^B - 2) e^{-nε^2/2}`):
    :math:`ε = \sqrt{2 (B \log 2 + \log(1/α)) / n}`."""
    return math.sqrt(2.0 * (bins * math.log(2.0) + math.log(1.0 / alpha)) / n)


def default_bins(n_in: int, n_out: int) -> int:
    """Rice's rule on the smaller sample: ``ceil(2 n^{1/3})`` cells."""
    return max(2, math.ceil(2 * min(n_in, n_out) ** (1 / 3)))


def histogram_tv(member: ArrayLike, nonmember: ArrayLike, *, bins: int | None = None,
                 confidence: float = 0.95) -> Estimate:
    r"""Plug-in TV of binned scalar queries: :math:`\hat\Delta_B = \tfrac12 \sum_b |\hat
    p_\mathrm{in}(b) - \hat p_\mathrm{out}(b)|`.

    Binning can only lose information, so the binned TV is ``≤ Δ``; it approaches Δ as the
    cells shrink around the sign changes of ``p_in − p_out``. The plug-in value is biased
    upward by sampling noise (about :math:`\sqrt{B/n}` where the two laws agree) and downward
    by binning; the interval is the finite-sample L1 bound of :func:`l1_width` (``α/2`` per
    sample, halved), conservative, valid for fixed cells (here the pooled quantiles, which
    depend on the data only through the pooled order statistics; the coverage test measures
    it). Cells: :func:`histogram_edges` with ``bins`` (default :func:`default_bins`).

    Returns:
      ``Estimate`` of the binned TV, clipped to ``[0, 1]``.
    """
    m, o = _scalar(member, nonmember, "histogram_tv")
    alpha = _alpha(confidence)
    bins = default_bins(m.size, o.size) if bins is None else bins
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 2:
        raise UserError(f"bins={bins!r} is not allowed; use an integer >= 2")
    edges = histogram_edges(np.concatenate([m, o]), bins)
    p_in = np.histogram(m, edges)[0] / m.size
    p_out = np.histogram(o, edges)[0] / o.size
    value = 0.5 * float(np.sum(np.abs(p_in - p_out)))
    cells = edges.size - 1
    width = 0.5 * (l1_width(m.size, cells, alpha / 2) + l1_width(o.size, cells, alpha / 2))
    return _estimate(value, value - width, value + width)


def default_k(n: int) -> int:
    """``k ≈ √n`` neighbours (odd): consistent as ``n → ∞`` (``k → ∞``, ``k/n → 0``)."""
    k = max(1, int(round(math.sqrt(n))))
    return k if k % 2 else k + 1


def fold_train_size(n: int, folds: int) -> int:
    """Points in the smallest training part when ``n`` points are cut into ``folds`` folds."""
    return n - -(-n // folds)


def _check_k(k, n: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise UserError(f"k={k!r} is not allowed; use an integer >= 1")
    if k >= n:
        raise UserError(f"k={k} neighbours needs more than {k} points; the sample (or a "
                        f"cross-fitting training part) has {n}")
    return k


def balanced_posterior(p_member: ArrayLike, n_in: int, n_out: int) -> np.ndarray:
    r"""Posterior of "member" under equal priors from a posterior ``p`` fitted with
    ``n_in : n_out`` class sizes: :math:`r = \frac{p/n_\mathrm{in}}{p/n_\mathrm{in} +
    (1-p)/n_\mathrm{out}} = \frac{p_\mathrm{in}}{p_\mathrm{in} + p_\mathrm{out}}`."""
    p = np.asarray(p_member, dtype=np.float64)
    a, b = p / n_in, (1 - p) / n_out
    return a / (a + b)


def neighbours(points: ArrayLike, queries: ArrayLike, k: int, *, seed: int = 0) -> np.ndarray:
    """``[m, k]`` indices into ``points`` of the ``k`` nearest (Euclidean) points of each
    query row, ties between equally distant points broken at random (a permutation seeded by
    ``seed``; without it a discrete query would always pick the lowest indices, i.e. the
    members listed first)."""
    from sklearn.neighbors import NearestNeighbors

    pts = np.asarray(points)
    order = np.random.default_rng(seed).permutation(len(pts))
    idx = NearestNeighbors(n_neighbors=k).fit(pts[order]).kneighbors(
        queries, return_distance=False)
    return order[idx]


def knn_posterior(member: ArrayLike, nonmember: ArrayLike, query: ArrayLike, *,
                  k: int | None = None,
                  seed: int = 0) -> np.ndarray:
    """Fraction of members among the ``k`` nearest (Euclidean) sample points of each query
    row, before any re-weighting (what scikit-learn's ``KNeighborsClassifier.predict_proba``
    gives for the member class, up to the order of ties). ``query``: ``[m, d]``."""
    m, o = check_samples(member, nonmember)
    q, _ = check_samples(query, o)
    points = np.concatenate([m, o])
    k = default_k(len(points)) if k is None else _check_k(k, len(points) + 1)
    return np.mean(neighbours(points, q, k, seed=seed) < len(m), axis=1)


def knn_risk(member: ArrayLike, nonmember: ArrayLike, *, k: int | None = None, seed: int = 0,
             standardize: bool = True) -> np.ndarray:
    r"""Individual privacy risk of each member: :math:`r(x) = p_\mathrm{in}(q(x)) /
    (p_\mathrm{in}(q(x)) + p_\mathrm{out}(q(x)))`, estimated from the ``k`` nearest other
    sample points of ``q(x)`` (the member itself left out) with the class sizes re-weighted
    (:func:`balanced_posterior` with ``n_in − 1`` and ``n_out``). ½ = no evidence; 1 = only
    members look like it. Default ``k``: :func:`default_k` of the pooled size; ties as in
    :func:`neighbours`; columns z-scored on the pooled sample when ``standardize``."""
    m, o = check_samples(member, nonmember)
    points = np.concatenate([m, o])
    points = _standardized(points) if standardize else points
    n = len(points)
    k = default_k(n) if k is None else _check_k(k, n)
    if len(m) < 2:
        raise UserError("knn_risk needs at least 2 member queries")
    idx = neighbours(points, points[:len(m)], k + 1, seed=seed)
    own = np.arange(len(m))[:, None]
    # drop the point itself (or, on exact ties, one copy of its value): keep k others
    keep = idx != own
    first_k = np.cumsum(keep, axis=1) <= k
    others = np.where(keep & first_k, idx, -1)
    k_in = np.sum((others >= 0) & (others < len(m)), axis=1)
    return balanced_posterior(k_in / k, len(m) - 1, len(o))


def _standardized(x: np.ndarray) -> np.ndarray:
    scale = np.std(x, axis=0)
    return (x - np.mean(x, axis=0)) / np.where(scale > 0, scale, 1.0)


def cross_fit_predictions(member: ArrayLike, nonmember: ArrayLike, *, classifier: Any = None,
                          k: int | None = None,
                          folds: int = 5, seed: int = 0, standardize: bool = True,
                          balanced: bool = True) -> np.ndarray:
    """``[n_in + n_out]`` boolean "member" decisions, members first, each made by a classifier
    fitted on the other folds (see :func:`classifier_tv`). ``balanced=False`` thresholds the
    classifier's own posterior (the sample's class sizes as priors, e.g. the plain k-NN
    majority vote) instead of the equal-prior one."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier

    m, o = check_samples(member, nonmember)
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        raise UserError(f"folds={folds!r} is not allowed; use an integer >= 2")
    if min(len(m), len(o)) < folds:
        raise UserError(f"{folds} folds need at least {folds} members and {folds} "
                        f"non-members; got {len(m)} and {len(o)}")
    x = np.concatenate([m, o])
    x = _standardized(x) if standardize else x
    y = np.concatenate([np.ones(len(m), int), np.zeros(len(o), int)])
    train_size = fold_train_size(len(x), folds)
    if classifier is None:
        k = default_k(train_size) if k is None else _check_k(k, train_size)
        classifier = KNeighborsClassifier(n_neighbors=k)
    predicted = np.zeros(len(x), bool)
    split = StratifiedKFold(folds, shuffle=True, random_state=seed)
    shuffle = np.random.default_rng(seed)
    for train, test in split.split(x, y):
        train = shuffle.permutation(train)  # random tie-breaking among equal neighbours
        model = clone(classifier).fit(x[train], y[train])
        column = list(model.classes_).index(1)
        p = model.predict_proba(x[test])[:, column]
        n_in = int(np.sum(y[train]))
        if balanced:
            p = balanced_posterior(p, n_in, len(train) - n_in)
        predicted[test] = p > 0.5
    return predicted


def classifier_tv(member: ArrayLike, nonmember: ArrayLike, *, classifier: Any = None,
                  k: int | None = None,
                  folds: int = 5, seed: int = 0, standardize: bool = True,
                  confidence: float = 0.95) -> Estimate:
    r"""Classifier two-sample estimate :math:`\hat\Delta = 2\,\mathrm{BA} - 1 = \mathrm{TPR}
    - \mathrm{FPR}` of (vector) queries, cross-fitted.

    The pooled sample is split into ``folds`` stratified folds (a permutation seeded by
    ``seed``); every point is classified by a classifier fitted on the other folds, so no
    point is scored by a model that saw it. The classifier's ``predict_proba`` is turned
    into the equal-prior posterior (:func:`balanced_posterior` with the training folds'
    class sizes) and thresholded at ½, so the estimate does not move when non-members
    outnumber members. Default classifier: k-NN (``k``: :func:`default_k` of the training
    size) on the pooled z-scored columns (``standardize``), consistent for the Bayes rule,
    hence for Δ. The interval combines Clopper–Pearson intervals of TPR and FPR at ``α/2``
    each (``lower = TPR_lo − FPR_hi``), treating the cross-fitted decisions as independent
    trials (exact for one held-out split; the coverage test measures it for folds).

    Args:
      member, nonmember: queries ``[n_in(, d)]``, ``[n_out(, d)]``.
      classifier: anything with scikit-learn's ``fit(X, y)`` / ``predict_proba(X)`` (class 1
        = member); cloned per fold. Default ``KNeighborsClassifier(k)``.
      k: neighbours of the default classifier.
      folds: cross-fitting folds, ``>= 2``.
      seed: the fold permutation's seed (recorded by callers).
      standardize: z-score each query column on the pooled sample first.
      confidence: two-sided level.

    Returns:
      ``Estimate`` of the classifier's advantage, in ``[-1, 1]``.
    """
    alpha = _alpha(confidence)
    n_in = len(check_samples(member, nonmember)[0])
    predicted = cross_fit_predictions(member, nonmember, classifier=classifier, k=k,
                                      folds=folds, seed=seed, standardize=standardize)
    tpr = clopper_pearson(int(np.sum(predicted[:n_in])), n_in, 1 - alpha / 2)
    fpr = clopper_pearson(int(np.sum(predicted[n_in:])), len(predicted) - n_in, 1 - alpha / 2)
    return _estimate(float(tpr.value) - float(fpr.value), float(tpr.lower) - float(fpr.upper),
                     float(tpr.upper) - float(fpr.lower), lo=-1.0)


SCALAR_ESTIMATORS = ("ks", "histogram", "knn")


def estimate_all(member: ArrayLike, nonmember: ArrayLike, *, k: int | None = None, folds: int = 5,
                 seed: int = 0,
                 confidence: float = 0.95) -> dict[str, Estimate]:
    """Every estimator that applies: ``ks``, ``histogram`` and ``knn`` for scalar queries,
    ``knn`` (the classifier estimate) for vector queries."""
    m, o = check_samples(member, nonmember)
    out = {}
    if m.shape[1] == 1:
        out["ks"] = ks_estimate(m, o, confidence=confidence)
        out["histogram"] = histogram_tv(m, o, confidence=confidence)
    out["knn"] = classifier_tv(m, o, k=k, folds=folds, seed=seed, confidence=confidence)
    return out


def implied_epsilon(advantage: SupportsFloat, delta: float = 0.0) -> float:
    r"""Smallest ε with which an (ε, δ)-DP training is compatible with advantage ``a``:
    (ε, δ)-DP gives :math:`\Delta \le (e^ε - 1 + 2δ)/(e^ε + 1)`, so
    :math:`ε \ge \log\frac{1 + a - 2δ}{1 - a}` (0 when that is negative; δ = 0 gives
    :func:`theory.epsilon_lower_bound`). Apply it to an interval's ``lower`` end for a
    certified lower bound.

    References:
      Kairouz, Oh, Viswanath, "The composition theorem for differential privacy", ICML 2015;
      Humphries et al., arXiv:2002.12062.
    """
    a = float(advantage)
    if a >= 1:
        return math.inf
    return max(0.0, math.log(max(1 + a - 2 * delta, 1e-300) / (1 - a)))
