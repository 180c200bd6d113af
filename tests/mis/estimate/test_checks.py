"""mis.tv's checks: the disagreement warning, the certifiable-ε ceiling, paired advantage
replicates and the individual risk's permutation null, against closed forms and constructed
samples."""

import math

import numpy as np
import pytest
from scipy import stats

from mis.tv import (
    advantage_ceiling,
    advantage_replicates,
    classifier_tv,
    disagreements,
    estimate_all,
    implied_epsilon,
    risk_null,
)


def test_disagreement_fires_for_a_scale_change_and_stays_silent_for_a_shift():
    """N(0,1) vs N(0,4): the densities cross at ±t, t² = 8 log 2 / 3, so Δ = 2(Φ(t) − Φ(t/2))
    = 0.323 while the best single threshold (at t) has advantage Φ(t) − Φ(t/2) = 0.161. At
    5000 per class KS's upper end (DKW half-width ≈ 0.04) lies below the histogram's and the
    k-NN's lower ends. A shift has a monotone likelihood ratio: all three estimate the same
    Δ and their intervals overlap."""
    t = math.sqrt(8 * math.log(2) / 3)
    assert 2 * (stats.norm.cdf(t) - stats.norm.cdf(t / 2)) == pytest.approx(0.3227, abs=1e-4)
    grid = np.linspace(0, 5, 50001)
    assert np.max(stats.norm.cdf(grid) - stats.norm.cdf(grid / 2)) == pytest.approx(
        stats.norm.cdf(t) - stats.norm.cdf(t / 2), abs=1e-8)
    rng = np.random.default_rng(0)
    e = estimate_all(rng.normal(size=5000), 2 * rng.normal(size=5000))
    got = disagreements(e)
    assert len(got) == 2 and all(g.startswith("best-threshold advantage (KS)") for g in got)
    assert "not monotone" in got[0]
    e = estimate_all(rng.normal(size=5000), rng.normal(size=5000) + 1)
    assert disagreements(e) == []


def test_ceiling_equals_the_estimate_of_perfectly_separated_samples():
    """Perfect separation: TPR = 1, FPR = 0; each rate's two-sided interval is at level
    1 − α/2, so its Clopper–Pearson ends are (α/4)^(1/n) and 1 − (α/4)^(1/n) in closed form,
    and classifier_tv on separated samples reaches them."""
    n_in, n_out, conf = 40, 60, 0.95
    a = 0.0125 ** (1 / n_in) - (1 - 0.0125 ** (1 / n_out))
    assert advantage_ceiling(n_in, n_out, confidence=conf) == pytest.approx(
        math.log((1 + a) / (1 - a)), rel=1e-9)
    rng = np.random.default_rng(1)
    est = classifier_tv(rng.normal(size=n_in) + 50, rng.normal(size=n_out), confidence=conf)
    assert implied_epsilon(est.lower) == pytest.approx(advantage_ceiling(n_in, n_out), rel=1e-9)


def test_advantage_replicates_are_paired_and_zero_for_equal_decisions():
    rng = np.random.default_rng(2)
    d = rng.random(300) < np.r_[np.full(100, 0.7), np.full(200, 0.3)]
    a = advantage_replicates(d, 100, num_bootstrap=400, seed=3)
    assert a.value == pytest.approx(d[:100].mean() - d[100:].mean())
    # standard error of a difference of two proportions
    se = math.sqrt(0.7 * 0.3 / 100 + 0.3 * 0.7 / 200)
    assert a.se == pytest.approx(se, rel=0.15)
    b = advantage_replicates(d, 100, num_bootstrap=400, seed=3)
    np.testing.assert_array_equal(a.reps - b.reps, 0.0)


def test_risk_null_separates_leaking_members_from_chance():
    """Members and non-members from the same law: the top-10 mean risk is typical of its
    permutation null (the 0.68 that looked like "risky members" is what chance gives); ten
    members far from everything else exceed it."""
    rng = np.random.default_rng(4)
    same = risk_null(rng.normal(size=(100, 2)), rng.normal(size=(600, 2)), permutations=60)
    assert same.p_value() > 0.05
    assert same.excess().lower < 0 < same.excess().upper
    member = rng.normal(size=(100, 2))
    member[:10] += 6.0
    away = risk_null(member, rng.normal(size=(600, 2)), permutations=60)
    assert away.p_value() < 0.05 and away.excess().lower > 0
