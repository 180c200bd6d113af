"""``mis.release``'s row and ranking helpers on constructed rows: the flat record's columns and
empty cells, indicator accessors, rank order with missing values, the Pareto front and Kendall's
τ-b against scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from mis.audit import AttackMetrics
from mis.release import (
    ReleaseRow,
    attack_column,
    estimate_columns,
    indicator_n_rate,
    kendall_tau,
    pareto_front,
    rank_order,
    release_columns,
    unranked,
    value,
)
from theory import Estimate

NAN = Estimate(math.nan, math.nan, math.nan)


def _row(spec="uniform:4", accuracy=0.9):
    e = lambda v: Estimate(v, v - 0.01, v + 0.01)  # noqa: E731
    lira = AttackMetrics("LiRA", e(0.7), e(0.3), {0.001: NAN, 0.01: e(0.05)},
                         {0.01: e(0.011)}, 0.004)
    offline = AttackMetrics("LiRA offline", e(0.65), e(0.25), {0.001: e(0.01), 0.01: e(0.04)},
                            {}, 0.0005)
    return ReleaseRow(spec, 4.02, 0.0, e(accuracy), e(0.3), None, None, [lira, offline], None,
                      {}, performance={"r2": e(0.5)}, delta_knn=e(0.2))


def test_release_columns_write_values_bounds_and_empty_cells():
    c = release_columns(_row())
    assert c["quantizer"] == "uniform:4" and c["bits_per_weight"] == 4.02
    assert (c["LiRA_auc"], c["LiRA_auc_lo"], c["LiRA_auc_hi"]) == pytest.approx((0.7, 0.69, 0.71))
    # a TPR whose target is below the resolution: empty cells, not "nan"
    assert c["LiRA_tpr@0.1%"] == c["LiRA_tpr@0.1%_lo"] == c["LiRA_tpr@0.1%_hi"] == ""
    assert c["LiRA_fpr@1%"] == pytest.approx(0.011) and c["LiRA_fpr@0.1%"] == ""
    assert c["LiRA_offline_fpr@1%"] == ""  # not measured
    assert c["min_fpr"] == 0.0005  # the smallest over the attacks
    assert c["ind_a_n_rate"] == "" and c["ind_a_mis"] == "" and c["ind_b_n_rate"] == ""
    assert c["exact_delta"] == "" and c["r2"] == 0.5 and c["delta_knn"] == 0.2
    assert "accuracy" not in release_columns(_row(), shadow_utility=False)
    regression = release_columns(_row(accuracy=math.nan))
    assert regression["accuracy"] == "" and regression["test_loss"] == 0.3


def test_small_helpers():
    assert attack_column("LiRA offline") == "LiRA_offline"
    assert estimate_columns("x", None) == {"x": "", "x_lo": "", "x_hi": ""}
    assert estimate_columns("x", Estimate(1.0, 0.0, 2.0)) == {"x": 1.0, "x_lo": 0.0, "x_hi": 2.0}
    assert math.isnan(value(None)) and value(Estimate(0.5, 0, 1)) == 0.5
    assert math.isnan(indicator_n_rate(_row(), "A")) and math.isnan(indicator_n_rate(_row(), "B"))


def test_rank_order_leaves_missing_values_out_and_lists_them():
    names, v = ["a", "b", "c", "d"], [0.3, math.nan, 0.1, 0.2]
    assert rank_order(names, v, larger_is_safer=True) == ["a", "d", "c"]
    assert rank_order(names, v, larger_is_safer=False) == ["c", "d", "a"]
    assert unranked(names, v) == ["b"]


def test_pareto_front_by_brute_force_and_kendall_against_scipy():
    rng = np.random.default_rng(3)
    u, lk = rng.random(30), rng.random(30)
    front = pareto_front(u, lk)
    brute = [i for i in range(30) if not any(
        u[j] >= u[i] and lk[j] <= lk[i] and (u[j] > u[i] or lk[j] < lk[i]) for j in range(30))]
    assert sorted(front.tolist()) == brute and list(lk[front]) == sorted(lk[front])
    x, y = rng.integers(0, 5, 40), rng.integers(0, 4, 40)  # ties on both sides
    assert kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic, abs=1e-12)
    assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))
