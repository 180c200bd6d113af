"""Kendall τ-b against scipy, the Pareto front against a sort-and-sweep, rank order."""

import numpy as np
import pytest
from scipy import stats

from mis.release import kendall_tau, kendall_tau_estimate, pareto_front, rank_order, unranked


@pytest.mark.parametrize("seed", range(5))
def test_kendall_tau_equals_scipy_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=15), rng.normal(size=15)
    assert kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic, abs=1e-12)
    xt, yt = rng.integers(0, 4, 20), rng.integers(0, 3, 20)  # heavy ties: the τ-b correction
    assert kendall_tau(xt, yt) == pytest.approx(stats.kendalltau(xt, yt).statistic, abs=1e-12)


def test_kendall_estimate_drops_nan_and_brackets_the_value():
    x = np.array([1.0, 2, 3, np.nan, 5, 6, 7, 8])
    y = np.array([1.0, 3, 2, 4, 5, 7, 6, 8])
    est = kendall_tau_estimate(x, y, num_bootstrap=500)
    ok = np.isfinite(x)
    assert float(est.value) == pytest.approx(stats.kendalltau(x[ok], y[ok]).statistic)
    assert est.lower <= est.value <= est.upper


def _front_by_sweep(u, lk):
    """Independent construction: sort by leakage (ties: higher utility first) and keep each
    point whose utility beats every point before it."""
    order = sorted(range(len(u)), key=lambda i: (lk[i], -u[i]))
    best, keep = -np.inf, []
    for i in order:
        if u[i] > best:
            keep.append(i)
            best = u[i]
    return keep


@pytest.mark.parametrize("seed", range(5))
def test_pareto_front_matches_a_sort_and_sweep(seed):
    rng = np.random.default_rng(seed)
    u, lk = rng.random(30).round(1), rng.random(30).round(1)  # rounding creates ties
    assert sorted(pareto_front(u, lk).tolist()) == sorted(_front_by_sweep(u, lk))


def test_rank_order_leaves_out_missing_values():
    """A quantizer with no value is not ranked "least private" (issue 22): it is left out and
    listed by unranked."""
    names = ["a", "b", "c", "d"]
    values = [0.3, np.nan, 0.1, 0.2]
    assert rank_order(names, values, larger_is_safer=False) == ["c", "d", "a"]
    assert rank_order(names, values, larger_is_safer=True) == ["a", "d", "c"]
    assert unranked(names, values) == ["b"]


def test_sweep_front_needs_a_significant_paired_difference():
    """Three cells of one pool: b is worse than a on AUC by a margin far beyond the paired
    replicates' spread (dominated), c differs from a by noise only (kept, a tie)."""
    import numpy as np

    from mis.rank import SweepCell, sweep_fronts

    rng = np.random.default_rng(0)
    shared = rng.normal(0, 0.01, 200)

    def cell(spec, auc, acc, bits, noise):
        reps = {"auc": (auc + shared + noise * rng.normal(0, 1, 200)).tolist(),
                "utility": (acc + shared).tolist(), "utility_value": acc}
        return SweepCell(spec, "x", 1.0, 100, 50, bits, acc, auc, {"replicates": reps})

    cells = [cell("a", 0.60, 0.9, 4.0, 0.0), cell("b", 0.70, 0.9, 4.0, 0.0),
             cell("c", 0.601, 0.9, 4.0, 0.01)]
    (front,) = sweep_fronts(cells)
    assert front.significant and front.front == ["a", "c"] and front.dominated_by == {"b": "a"}
