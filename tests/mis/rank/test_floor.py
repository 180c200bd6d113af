"""The accuracy floor of mis rank on constructed rows: a release below floor × the
full-precision accuracy is broken and kept out of the ranking, the ties, the front and the
findings; without a `none` release, or with floor 0, nothing is broken."""

import numpy as np
import pytest

from mis.audit import AttackMetrics
from mis.inference import Replicates
from mis.rank import RankConfig
from mis.rank._pipeline import broken_releases, summarize_rows
from mis.release import ReleaseRow
from theory import Estimate


class _Crossed:
    def __init__(self, auc):
        self.auc = auc


def _row(spec, acc, auc, seed):
    rng = np.random.default_rng(seed)
    attack = AttackMetrics("LiRA", Estimate(auc, auc - 0.02, auc + 0.02),
                           Estimate(0.1, 0.0, 0.2), {0.001: Estimate(0.0, 0.0, 0.0)},
                           {0.001: Estimate(0.001, 0.0, 0.01)}, 0.01,
                           _Crossed(Replicates(auc, auc + 0.01 * rng.standard_normal(200))))
    return ReleaseRow(spec=spec, bits_per_weight=4.0, sparsity=0.0,
                      accuracy=Estimate(acc, acc - 0.01, acc + 0.01),
                      test_loss=Estimate(0.5, 0.4, 0.6), indicator_a=None, indicator_b=None,
                      attacks=[attack], exact_delta=None, scores={},
                      utility_reps=Replicates(acc, acc + 0.005 * rng.standard_normal(200)))


ROWS = [("none", 0.85, 0.71), ("uniform:4", 0.84, 0.70), ("prune:0.9", 0.70, 0.53),
        ("sign", 0.77, 0.58)]


def test_broken_releases_are_those_below_the_floor_of_full_precision():
    rows = [_row(*r, seed=i) for i, r in enumerate(ROWS)]
    assert broken_releases(rows, 0.9) == (["prune:0.9"], pytest.approx(0.765))
    assert broken_releases(rows, 0.0) == ([], None)
    assert broken_releases(rows[1:], 0.9) == ([], None)  # no full-precision reference


def test_a_broken_release_takes_no_part_in_the_ranking_ties_or_front():
    rows = [_row(*r, seed=i) for i, r in enumerate(ROWS)]
    config = RankConfig(accuracy_floor=0.9)
    res = summarize_rows(config, rows, np.ones((8, 20)), 10, {})
    assert res.broken == ["prune:0.9"]
    assert "prune:0.9" not in res.rankings["LiRA AUC"] and len(res.rankings["LiRA AUC"]) == 3
    assert "prune:0.9" not in {t.name for t in res.ties}
    assert "prune:0.9" not in res.pareto and res.front.below_floor == ["prune:0.9"]
    assert [r.spec for r in res.ranked_rows()][-1] == "prune:0.9"  # listed last, apart
    unfloored = summarize_rows(RankConfig(accuracy_floor=0.0), rows, np.ones((8, 20)), 10, {})
    assert unfloored.broken == [] and unfloored.rankings["LiRA AUC"][0] == "prune:0.9"


def test_the_floor_is_a_fraction():
    from mis.errors import UserError

    with pytest.raises(UserError, match="accuracy_floor=1.5 is not allowed"):
        RankConfig(accuracy_floor=1.5)
