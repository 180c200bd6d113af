"""mis.inference against independent computations: the two-way bootstrap kernel against a
NumPy weighted reference and mis.audit's exact metrics, its coverage by simulation, paired
differences, tie groups, the significant front, Finding's rule table and the audit ceiling."""

import math

import numpy as np
import pytest
from scipy import stats

from mis.audit import advantage, auc, auc_value, epsilon_lower_bound, tpr_at_fpr
from mis.inference import (
    Finding,
    Replicates,
    StackedScores,
    audit_ceiling,
    bc_interval,
    compare,
    crossed_counts,
    crossed_mean,
    crossed_metrics,
    decide,
    difference,
    holm,
    pair_weights,
    rank_with_ties,
    significant_front,
)
from theory import Estimate


def _scores(seed, m=24, n=300, shift=0.4, model_sd=0.0):
    rng = np.random.default_rng(seed)
    mask = rng.random((m, n)) < 0.5
    s = rng.normal(size=(m, n)) + mask * (shift + model_sd * rng.normal(size=(m, 1)))
    return np.round(s, 1), mask  # rounding makes ties


def test_unweighted_values_equal_the_audit_metrics():
    s, mask = _scores(0)
    st = StackedScores(s, mask)
    assert st.auc() == pytest.approx(auc_value(s.ravel(), mask.ravel()), abs=1e-12)
    assert st.advantage() == pytest.approx(float(advantage(s, mask).value), abs=1e-12)
    for f in (0.001, 0.01, 0.1):
        assert st.tpr_at_fpr(f)[0] == pytest.approx(float(tpr_at_fpr(s, mask, f).value),
                                                    abs=1e-12)


def test_weighted_auc_equals_the_auc_of_the_resample_built_by_copying():
    s, mask = _scores(1, m=8, n=40)
    a, c = crossed_counts(8, 40, 5, seed=3)
    st = StackedScores(s, mask)
    for b in range(5):
        rows = np.repeat(np.arange(8), a[b].astype(int))
        cols = np.repeat(np.arange(40), c[b].astype(int))
        sb, mb = s[np.ix_(rows, cols)].ravel(), mask[np.ix_(rows, cols)].ravel()
        assert st.auc(pair_weights(a[b], c[b])) == pytest.approx(auc_value(sb, mb), abs=1e-12)


def test_device_kernel_equals_the_numpy_weighted_statistics():
    s, mask = _scores(2)
    cm = crossed_metrics("x", s, mask, fprs=(0.01, 0.1), num_bootstrap=20, seed=5)
    a, c = crossed_counts(*s.shape, 20, seed=5)
    st = StackedScores(s, mask)
    for b in range(20):
        w = pair_weights(a[b], c[b])
        assert cm.auc.reps[b] == pytest.approx(st.auc(w), abs=2e-6)
        assert cm.advantage.reps[b] == pytest.approx(st.advantage(w), abs=2e-6)
        assert cm.held_out_advantage.reps[b] == pytest.approx(st.held_out_advantage(w),
                                                              abs=2e-6)
        for f in (0.01, 0.1):
            tpr, fpr = st.tpr_at_fpr(f, w)
            assert cm.rates[f][0].reps[b] == pytest.approx(tpr, abs=2e-6)
            assert cm.rates[f][1].reps[b] == pytest.approx(fpr, abs=2e-6)


def test_a_group_of_pairs_is_the_sub_sample_and_the_kernel_agrees():
    """``valid`` keeps a subset of (model, example) pairs: point values equal the metrics of
    those pairs alone, and the kernel equals the weighted reference restricted to them."""
    s, mask = _scores(4, m=12, n=80)
    valid = np.random.default_rng(1).random(s.shape) < 0.6
    st = StackedScores(s, mask, valid)
    assert st.auc() == pytest.approx(auc_value(s[valid], mask[valid]), abs=1e-12)
    assert st.advantage() == pytest.approx(float(advantage(s[valid], mask[valid]).value),
                                           abs=1e-12)
    cm = crossed_metrics("g", s, mask, fprs=(0.1,), num_bootstrap=10, seed=2, valid=valid)
    assert cm.sizes["positives"] == int((mask & valid).sum())
    a, c = crossed_counts(*s.shape, 10, seed=2)
    for b in range(10):
        w = pair_weights(a[b], c[b])
        assert cm.auc.reps[b] == pytest.approx(st.auc(w), abs=2e-6)
        rows = np.repeat(np.arange(12), a[b].astype(int))
        cols = np.repeat(np.arange(80), c[b].astype(int))
        keep = valid[np.ix_(rows, cols)]
        assert st.auc(w) == pytest.approx(auc_value(s[np.ix_(rows, cols)][keep],
                                                    mask[np.ix_(rows, cols)][keep]), abs=1e-12)


def test_held_out_advantage_equals_the_audit_rule_on_the_same_halves():
    """Unweighted, the held-out advantage is TPR − FPR on the evaluation half of the threshold
    chosen on the other half (brute force over every threshold)."""
    from mis.audit import held_out_halves

    s, mask = _scores(3, m=10, n=60)
    st = StackedScores(s, mask)
    flat, m = s.ravel(), mask.ravel()
    choose, evaluate = held_out_halves(m)
    best, pick = -np.inf, np.inf
    for t in np.unique(flat):
        c = flat[choose] >= t
        d = c[m[choose]].mean() - c[~m[choose]].mean()
        if d >= best:
            best, pick = d, t
    e = flat[evaluate] >= pick
    want = e[m[evaluate]].mean() - e[~m[evaluate]].mean() if best > 0 else 0.0
    assert st.held_out_advantage() == pytest.approx(want, abs=1e-12)


def test_advantage_interval_covers_the_pooled_advantage_with_a_model_effect():
    """Scores N(μ·member + u_m, 1), u_m ~ N(0, τ²) shared by all scores of model m: the
    pooled member / non-member laws are N(μ, 1 + τ²) and N(0, 1 + τ²), so the best
    threshold's advantage is 2Φ(μ / (2√(1 + τ²))) − 1. Over 80 data sets the two-way
    interval covers it at least at 0.95 − 3 SE (SE = √(0.05·0.95/80) = 0.024)."""
    from mis.inference import advantage_interval

    mu, tau = 0.6, 1.0
    truth = 2 * stats.norm.cdf(mu / (2 * math.sqrt(1 + tau**2))) - 1
    hits = 0
    for seed in range(80):
        rng = np.random.default_rng(100 + seed)
        mask = rng.random((16, 150)) < 0.5
        s = rng.normal(size=mask.shape) + mu * mask + tau * rng.normal(size=(16, 1))
        cm = crossed_metrics("x", s, mask, fprs=(), num_bootstrap=200, seed=seed)
        est = advantage_interval(cm)
        hits += est.lower <= truth <= est.upper
    assert hits / 80 >= 0.95 - 3 * 0.024, hits


def test_two_way_interval_covers_where_delong_does_not():
    """Scores whose separation varies by model and by example: the pooled AUC tends to
    Φ(μ / √(2 + σ_m² + σ_e²)). 200 seeded data sets; SE of a coverage near 0.95 is 0.015, so
    the two-way interval must cover at least 0.95 − 3·0.015 ≈ 0.905; DeLong, which treats the
    pairs as independent, covers far less (measured: 0.935 two-way, 0.545 DeLong)."""
    mu, sm, se, m, n = 1.0, 0.6, 0.6, 10, 100
    truth = stats.norm.cdf(mu / math.sqrt(2 + sm**2 + se**2))
    hit_two_way = hit_delong = 0
    reps = 200
    for r in range(reps):
        rng = np.random.default_rng(100 + r)
        mask = rng.random((m, n)) < 0.5
        sep = mu + sm * rng.normal(size=(m, 1)) + se * rng.normal(size=(1, n))
        s = rng.normal(size=(m, n)) + mask * sep
        iv = crossed_metrics("x", s, mask, fprs=(), num_bootstrap=200, seed=r).auc.interval()
        hit_two_way += iv.lower <= truth <= iv.upper
        d = auc(s, mask)
        hit_delong += d.lower <= truth <= d.upper
    assert hit_two_way / reps >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / reps)
    assert hit_delong / reps < 0.8


def test_paired_difference_with_itself_is_exactly_zero():
    s, mask = _scores(3)
    a = crossed_metrics("a", s, mask, num_bootstrap=50).auc
    b = crossed_metrics("b", s, mask, num_bootstrap=50).auc
    d = difference(a, b)
    assert d.value == 0 and np.all(d.reps == 0)
    assert tuple(d.interval()) == (0.0, 0.0, 0.0)


def test_paired_interval_is_narrower_than_the_separate_ones():
    s, mask = _scores(4, model_sd=0.3)
    a = crossed_metrics("a", s, mask, num_bootstrap=200).auc
    b = crossed_metrics("b", s + 0.05 * mask, mask, num_bootstrap=200).auc
    d = difference(b, a).interval()
    ia, ib = a.interval(), b.interval()
    assert d.upper - d.lower < 0.5 * min(ia.upper - ia.lower, ib.upper - ib.lower)
    assert d.lower > 0  # the shifted scores separate better in every resample


def test_bc_interval_follows_bias_and_is_not_clamped():
    rng = np.random.default_rng(0)
    rep = Replicates(0.0, rng.normal(1.0, 0.1, 2000))  # every replicate above the value
    iv = bc_interval(rep)
    assert iv.lower > 0 and iv.upper > iv.lower  # the estimate lies outside: shown, not hidden
    assert rep.bias == pytest.approx(1.0, abs=0.01)
    sym = Replicates(0.0, rng.normal(0.0, 1.0, 20000))
    iv = bc_interval(sym)  # unbiased normal replicates: the percentile interval ±1.96
    assert iv.lower == pytest.approx(-1.96, abs=0.05) and iv.upper == pytest.approx(1.96, abs=0.05)


def test_crossed_mean_reps_equal_the_resampled_means():
    x = np.random.default_rng(0).random((6, 30)) < 0.7
    rep = crossed_mean(x, num_bootstrap=10, seed=1)
    a, c = crossed_counts(6, 30, 10, seed=1)
    for b in range(10):
        rows, cols = np.repeat(np.arange(6), a[b].astype(int)), np.repeat(np.arange(30),
                                                                          c[b].astype(int))
        assert rep.reps[b] == pytest.approx(x[np.ix_(rows, cols)].mean())
    assert rep.value == pytest.approx(x.mean())


def test_holm_against_the_step_down_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005 <= .05/4, 0.01 <= .05/3, 0.03 > .05/2: stop
    assert list(holm(p)) == [True, False, False, True]
    assert not holm([np.nan, 0.5]).any()


def _rep(value, sd, common, seed):
    return Replicates(value, value + common + sd * np.random.default_rng(seed).normal(size=400))


def test_ranking_recovers_a_strict_order_and_groups_ties():
    common = np.random.default_rng(9).normal(size=400)  # shared resample noise cancels in pairs
    reps = [_rep(0.50, 0.001, common, 1), _rep(0.60, 0.001, common, 2),
            _rep(0.70, 0.001, common, 3), _rep(0.7001, 0.001, common, 4)]
    comp = compare(["a", "b", "c", "d"], reps)
    ranked = rank_with_ties(comp, smaller_is_better=True)
    assert [r.name for r in ranked] == ["a", "b", "c", "d"]
    assert [r.group for r in ranked] == [1, 2, 3, 3]
    assert [(r.rank_lo, r.rank_hi) for r in ranked] == [(1, 1), (2, 2), (3, 4), (3, 4)]
    assert ranked[2].tied_with == ("d",)


def test_significant_front_needs_a_significant_difference():
    common = np.random.default_rng(0).normal(size=400)
    leak = compare(list("abc"), [_rep(0.60, 0.001, common, 1), _rep(0.6001, 0.001, common, 2),
                                  _rep(0.55, 0.001, common, 3)])
    acc = compare(list("abc"), [_rep(0.90, 0.001, common, 4), _rep(0.80, 0.001, common, 5),
                                _rep(0.90, 0.001, common, 6)])
    # c: less leakage, same accuracy -> dominates a; b worse accuracy, tied leakage with a
    front = significant_front(list("abc"), [(acc, True), (leak, False)])
    assert front.front == ["c"] and front.dominated_by["a"] == "c"
    # with storage as an axis, b (fewer bits) stays on the front
    front = significant_front(list("abc"), [(acc, True), (leak, False),
                                            (np.array([32.0, 4.0, 32.0]), False)])
    assert sorted(front.front) == ["b", "c"]
    floor = significant_front(list("abc"), [(acc, True), (leak, False)], floor=0.85)
    assert floor.below_floor == ["b"]


@pytest.mark.parametrize("interval, direction, margin, outcome", [
    ((0.1, 0.05, 0.2), "greater", 0, "holds"),
    ((-0.1, -0.2, -0.05), "greater", 0, "does not hold"),
    ((0.01, -0.02, 0.04), "greater", 0, "inconclusive"),
    ((0.0, -0.01, 0.01), "greater", 0.02, "does not hold"),  # equivalence within the margin
    ((-0.1, -0.2, -0.05), "less", 0, "holds"),
    ((0.1, 0.05, 0.2), "less", 0, "does not hold"),
    ((0.0, -0.01, 0.01), "less", 0, "inconclusive"),
    ((0.0, -0.01, 0.01), "at_most", 0.02, "holds"),
    ((0.05, 0.03, 0.07), "at_most", 0.02, "does not hold"),
    ((0.0, -0.01, 0.03), "at_most", 0.02, "inconclusive"),
    ((0.0, -0.01, 0.01), "at_least", 0.02, "holds"),
    ((-0.05, -0.07, -0.03), "at_least", 0.02, "does not hold"),
    ((0.0, -0.01, 0.01), "equal", 0.02, "holds"),
    ((0.05, 0.03, 0.07), "equal", 0.02, "does not hold"),
    ((0.0, -0.03, 0.01), "equal", 0.02, "inconclusive"),
    ((float("nan"), 0.0, 1.0), "greater", 0, "not enough data"),
])
def test_finding_rule(interval, direction, margin, outcome):
    assert decide(Estimate(*interval), direction=direction, margin=margin) == outcome
    f = Finding("claim", "q", Estimate(*interval), direction, margin=margin)
    assert f.outcome == outcome and outcome in f.line()
    assert Finding("c", "q", Estimate(*interval), direction, enough=False).outcome == \
        "not enough data"


@pytest.mark.parametrize("p, n, conf, delta", [(50, 50, 0.95, 0.0), (8, 400, 0.95, 1e-5),
                                               (1000, 1000, 0.9, 0.0)])
def test_audit_ceiling_closed_form_and_perfect_separation(p, n, conf, delta):
    a = 1 - conf
    tpr_lo, fpr_hi = (a / 2) ** (1 / p), 1 - (a / 2) ** (1 / n)
    closed = max(math.log((tpr_lo - delta) / fpr_hi), math.log((1 - fpr_hi - delta)
                                                               / (1 - tpr_lo)))
    assert audit_ceiling(p, n, confidence=conf, delta=delta) == pytest.approx(closed, rel=1e-9)


def test_perfectly_separated_audit_reaches_its_ceiling():
    """A perfectly separating score on 2P members / 2N non-members: the held-out audit's lower
    bound equals the ceiling of its evaluation half (P, N)."""
    s = np.r_[np.ones(100), np.zeros(600)]
    m = s > 0
    lb = epsilon_lower_bound(s, m, fpr=0.01)
    assert lb == pytest.approx(audit_ceiling(50, 300), rel=1e-9)


def test_stacked_table_marks_unresolvable_targets_and_reports_the_realised_fpr():
    from mis.inference import stacked_metrics_table

    s, mask = _scores(5, m=8, n=100)  # 800 pairs: about 200 non-members choose the threshold
    (row,) = stacked_metrics_table({"a": s}, mask, fprs=(0.001, 0.1), num_bootstrap=50)
    assert row.min_fpr > 0.001 and not row.resolvable(0.001) and row.resolvable(0.1)
    assert math.isnan(float(row.tpr_at_fpr[0.001].value))
    st = StackedScores(s, mask)
    tpr, fpr = st.tpr_at_fpr(0.1)
    assert float(row.tpr_at_fpr[0.1].value) == pytest.approx(tpr)
    assert float(row.realised_fpr[0.1].value) == pytest.approx(fpr)
    assert row.min_fpr == pytest.approx(1 / np.sum(st.choose & ~st.member))


def test_grouped_lines_count_outcomes_and_mark_missing_groups():
    from mis.inference import grouped_lines

    e = lambda lo, hi: Estimate((lo + hi) / 2, lo, hi)  # noqa: E731
    found = [Finding("(a) x", "q", e(0.1, 0.2), "greater"),
             Finding("(a) y", "q", e(-0.1, 0.2), "greater"),
             Finding("(b) z", "q", e(-0.3, -0.2), "greater")]
    lines = grouped_lines(found, {"a": "A", "b": "B", "c": "C"}, missing="absent")
    assert lines[0] == "A: holds 1, inconclusive 1 of 2"
    assert lines[3] == "B: does not hold 1 of 1"
    assert lines[5] == "C: not enough data (absent)"
    assert lines[-1].startswith("3 findings, each interval at 98.33%")


def test_held_out_ceiling_is_the_ceiling_of_the_evaluation_half():
    from mis.audit import held_out_halves
    from mis.inference import held_out_ceiling

    member = np.random.default_rng(5).random((6, 41)) < 0.3
    _, evaluate = held_out_halves(member.ravel())
    pos = int(member.ravel()[evaluate].sum())
    assert held_out_ceiling(member, delta=1e-5) == audit_ceiling(
        pos, evaluate.size - pos, delta=1e-5)
