"""Estimators of Δ = TV(P_in, P_out) against independent computations: SciPy's KS statistic, a
direct histogram count, scikit-learn's k-NN posterior, exact Δ of two normals and of the
models of `theory`, and interval coverage by simulation."""

import math

import jax
import numpy as np
import pytest
from scipy import stats
from sklearn.neighbors import KNeighborsClassifier

from mis.errors import UserError
from mis.estimate import discrete_queries, gaussian_mean_queries
from mis.tv import (
    balanced_posterior,
    classifier_tv,
    cross_fit_predictions,
    estimate_all,
    histogram_edges,
    histogram_tv,
    implied_epsilon,
    knn_posterior,
    knn_risk,
    ks_estimate,
)
from theory import discrete_delta, dp_advantage_bound, gaussian_mean_delta


def binormal_tv(mu: float) -> float:
    """TV(N(mu, 1), N(0, 1)) = 2 Φ(mu/2) − 1."""
    return 2 * stats.norm.cdf(mu / 2) - 1


@pytest.mark.parametrize("discrete", [False, True])
def test_ks_equals_scipy_two_sample_statistic(discrete):
    rng = np.random.default_rng(0)
    a, b = rng.normal(0.4, 1, 300), rng.normal(0, 1.3, 450)
    if discrete:  # ties inside and across the samples
        a, b = np.round(a), np.round(b)
    est = ks_estimate(a, b)
    assert est.value == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)
    # DKW half-widths at α/2 = 0.025 each
    width = math.sqrt(math.log(2 / 0.025) / 600) + math.sqrt(math.log(2 / 0.025) / 900)
    assert est.lower == pytest.approx(max(0.0, est.value - width))
    assert est.upper == pytest.approx(min(1.0, est.value + width))


def test_histogram_tv_equals_a_direct_count():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.7, 1, 500), rng.normal(0, 1, 800)
    bins = 9
    est = histogram_tv(a, b, bins=bins)
    edges = np.quantile(np.concatenate([a, b]), np.arange(1, bins) / bins)
    total = 0.0
    for lo, hi in zip([-np.inf, *edges], [*edges, np.inf], strict=True):
        total += abs(np.mean((a > lo) & (a <= hi)) - np.mean((b > lo) & (b <= hi)))
    assert est.value == pytest.approx(total / 2, abs=1e-12)


def test_histogram_of_a_discrete_query_bins_each_value():
    edges = histogram_edges(np.array([0.0, 1, 1, 2, 5, 5]), bins=10)
    np.testing.assert_array_equal(edges, [-np.inf, 0.5, 1.5, 3.5, np.inf])
    # two laws on {0, 1, 2}: the plug-in equals ½ Σ |p̂ − q̂| exactly
    a, b = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 1, 2, 2])
    assert histogram_tv(a, b).value == pytest.approx(0.5 * (1 / 6 + 2 / 6 + 1 / 6))


def test_knn_posterior_equals_scikit_learn_predict_proba():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.5, 1, (120, 3)), rng.normal(0, 1, (90, 3))
    q = rng.normal(0, 1, (40, 3))
    x = np.concatenate([a, b])
    y = np.r_[np.ones(120), np.zeros(90)]
    expected = KNeighborsClassifier(n_neighbors=15).fit(x, y).predict_proba(q)[:, 1]
    np.testing.assert_allclose(knn_posterior(a, b, q, k=15), expected, atol=1e-12)


def test_knn_risk_is_the_reweighted_leave_one_out_posterior():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.8, 1, (30, 2)), rng.normal(0, 1, (70, 2))
    risk = knn_risk(a, b, k=9, standardize=False)
    for i in (0, 7, 29):
        others = np.delete(a, i, axis=0)
        x = np.concatenate([others, b])
        y = np.r_[np.ones(29), np.zeros(70)]
        p = KNeighborsClassifier(n_neighbors=9).fit(x, y).predict_proba(a[i:i + 1])[0, 1]
        expected = (p / 29) / (p / 29 + (1 - p) / 70)
        assert risk[i] == pytest.approx(expected, abs=1e-12)
    assert balanced_posterior(0.5, 10, 10) == pytest.approx(0.5)


def test_classifier_decisions_are_cross_fitted_and_prior_free():
    """A point duplicated in both samples is predicted without seeing itself; with non-members
    10x more numerous the advantage stays within the intervals while accuracy moves."""
    rng = np.random.default_rng(4)
    mu = 1.0
    a, b = rng.normal(mu, 1, 2000), rng.normal(0, 1, 2000)
    balanced = classifier_tv(a, b, seed=0)
    few = classifier_tv(a[:400], rng.normal(0, 1, 4000), seed=0)
    assert balanced.lower <= binormal_tv(mu) <= balanced.upper
    assert few.lower <= balanced.value + 0.02 and balanced.lower <= few.value + 0.02
    decided = cross_fit_predictions(a[:400], b, seed=0)
    tpr, fpr = decided[:400].mean(), decided[400:].mean()
    accuracy = (decided[:400].sum() + (~decided[400:]).sum()) / len(decided)
    assert accuracy == pytest.approx((400 * tpr + 2000 * (1 - fpr)) / 2400)
    # the plain majority vote is judged by accuracy and drifts to "always non-member" (share
    # 2000/2400 = 0.83), the equal-prior rule keeps TPR ≈ 1 − FPR ≈ Φ(½) = 0.69
    plain = cross_fit_predictions(a[:400], b, seed=0, balanced=False)
    plain_accuracy = (plain[:400].sum() + (~plain[400:]).sum()) / len(plain)
    assert plain[:400].mean() < 0.3 and plain_accuracy > accuracy
    assert abs(tpr - (1 - fpr)) < 0.1


def _coverage(draws: int, m: int, mu: float):
    truth = binormal_tv(mu)
    rng = np.random.default_rng(5)
    cover, above = {}, {}
    for j in range(draws):
        a, b = rng.normal(mu, 1, m), rng.normal(0, 1, m)
        for name, est in estimate_all(a, b, seed=j).items():
            cover.setdefault(name, []).append(est.lower <= truth <= est.upper)
            above.setdefault(name, []).append(est.lower > truth)
    return ({k: float(np.mean(v)) for k, v in cover.items()},
            {k: float(np.mean(v)) for k, v in above.items()})


@pytest.mark.slow
def test_intervals_cover_the_true_tv_at_their_level():
    """200 draws of N(1, 1) vs N(0, 1), 300 each (TV = 0.383). For equal variances the
    likelihood ratio is monotone in x, so the best threshold attains TV: the KS and histogram
    intervals (conservative bounds) cover at >= 95 %, and so does the k-NN interval; every lower
    end exceeds the truth at most α/2 = 2.5 % of the time. Tolerance: 4 binomial SEs at 95 %
    over 200 draws, 4·sqrt(0.95·0.05/200) = 0.062."""
    cover, above = _coverage(200, 300, 1.0)
    tol = 4 * math.sqrt(0.95 * 0.05 / 200)
    for name in ("ks", "histogram", "knn"):
        assert cover[name] >= 0.95 - tol, (name, cover)
        assert above[name] <= 0.025 + tol, (name, above)


def test_gaussian_mean_queries_have_the_exact_advantage(key):
    """Δ = E_in[(1 − e^{−llr})_+] over 200 000 member draws equals theory's Δ within 4 SE
    (the integrand lies in [0, 1]); the non-member llr has E[e^{llr}] = 1."""
    n, d = 50, 10
    member, nonmember = gaussian_mean_queries(key, n, d, 200_000, 200_000)
    term = np.maximum(-np.expm1(-np.asarray(member, np.float64)), 0)
    exact = gaussian_mean_delta(jax.random.key(7), n, d, num_samples=400_000)
    se = math.hypot(term.std() / math.sqrt(term.size), float(exact.upper - exact.value) / 1.96)
    assert term.mean() == pytest.approx(float(exact.value), abs=4 * se)
    ratio = np.exp(np.asarray(nonmember, np.float64))
    assert ratio.mean() == pytest.approx(1.0, abs=4 * ratio.std() / math.sqrt(ratio.size))


def test_discrete_queries_have_the_exact_advantage(key):
    """The likelihood ratio L = count/(n p): E_out[L] = 1 and Δ = E_out[(L − 1)_+] equals the
    closed form of theory.discrete_delta within 4 SE."""
    p = np.arange(1, 6.0) / 15
    n = 20
    _, lr = discrete_queries(key, p, n, 10, 300_000)
    lr = np.asarray(lr, np.float64)
    term = np.maximum(lr - 1, 0)
    with jax.enable_x64(True):
        exact = float(discrete_delta(p, n))
    assert lr.mean() == pytest.approx(1.0, abs=4 * lr.std() / math.sqrt(lr.size))
    assert term.mean() == pytest.approx(exact, abs=4 * term.std() / math.sqrt(term.size))


def test_implied_epsilon_inverts_the_dp_bound():
    for eps in (0.1, 1.0, 3.0):
        assert implied_epsilon(float(dp_advantage_bound(eps))) == pytest.approx(eps, rel=1e-6)
        delta = 1e-3
        adv = (math.exp(eps) - 1 + 2 * delta) / (math.exp(eps) + 1)
        assert implied_epsilon(adv, delta) == pytest.approx(eps, rel=1e-6)
    assert implied_epsilon(-0.2) == 0.0 and implied_epsilon(1.0) == math.inf


@pytest.mark.parametrize("call, match", [
    (lambda: ks_estimate([], [1.0, 2.0]), "member queries have shape"),
    (lambda: ks_estimate([1.0, np.nan], [1.0, 2.0]), "non-finite"),
    (lambda: classifier_tv(np.zeros((9, 2)), np.zeros((9, 3))), "dimension 2 but"),
    (lambda: histogram_tv(np.zeros((9, 2)), np.zeros((9, 2))), "needs scalar queries"),
    (lambda: classifier_tv(np.arange(10.0), np.arange(10.0), k=16), "k=16 neighbours"),
    (lambda: knn_risk(np.arange(10.0), np.arange(10.0), k=25), "k=25 neighbours"),
    (lambda: classifier_tv(["a", "b"], [1.0, 2.0]), "not numeric"),
    (lambda: classifier_tv(np.arange(3.0), np.arange(10.0)), "5 folds need"),
])
def test_bad_samples_are_user_errors(call, match):
    with pytest.raises(UserError, match=match):
        call()
