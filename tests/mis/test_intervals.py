"""Clopper-Pearson against scipy's exact binomial interval, and its coverage."""

import numpy as np
import pytest
from scipy import stats

from mis.audit import clopper_pearson


@pytest.mark.parametrize(("k", "m"), [(0, 10), (3, 10), (10, 10), (57, 1000), (1, 1)])
def test_matches_scipy_binomtest(k, m):
    est = clopper_pearson(k, m, confidence=0.9)
    ci = stats.binomtest(k, m).proportion_ci(confidence_level=0.9, method="exact")
    assert float(est.lower) == pytest.approx(ci.low, abs=1e-12)
    assert float(est.upper) == pytest.approx(ci.high, abs=1e-12)
    assert float(est.value) == k / m


def test_coverage_at_least_nominal():
    """20000 intervals at p = 0.1, m = 50: coverage >= 0.95 minus 5 binomial SEs."""
    rng = np.random.default_rng(0)
    trials = 20_000
    k = rng.binomial(50, 0.1, size=trials)
    est = clopper_pearson(k, np.full(trials, 50))
    covered = np.mean((est.lower <= 0.1) & (0.1 <= est.upper))
    assert covered >= 0.95 - 5 * np.sqrt(0.95 * 0.05 / trials)


def test_bad_input():
    with pytest.raises(ValueError, match="successes"):
        clopper_pearson(5, 3)
    with pytest.raises(ValueError, match="confidence"):
        clopper_pearson(1, 3, confidence=1.0)
