"""ROC metrics against scikit-learn and scipy; interval coverage by simulation."""

import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from mis.audit import (
    advantage,
    auc,
    bootstrap_auc,
    epsilon_estimate,
    epsilon_lower_bound,
    held_out_halves,
    rates_at_threshold,
    roc_curve,
    threshold_at_fpr,
    tpr_at_fpr,
)
from mis.errors import UserError


def _scores(seed, n=400, tied=False, shift=1.0):
    rng = np.random.default_rng(seed)
    m = rng.random(n) < 0.4
    s = rng.normal(size=n) + shift * m
    return (np.round(s, 1) if tied else s), m


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_roc_and_auc_equal_sklearn(tied, seed):
    s, m = _scores(seed, tied=tied)
    fpr, tpr, thr = sk_roc_curve(m, s, drop_intermediate=False)
    ours = roc_curve(s, m)
    np.testing.assert_allclose(ours.fpr, fpr)
    np.testing.assert_allclose(ours.tpr, tpr)
    np.testing.assert_allclose(ours.thresholds[1:], thr[1:])
    assert float(auc(s, m).value) == pytest.approx(roc_auc_score(m, s), abs=1e-12)
    # the ROC's advantage is the max over thresholds of tpr - fpr, brute force:
    brute = max(np.mean(s[m] >= t) - np.mean(s[~m] >= t) for t in np.r_[s, np.inf])
    assert float(advantage(s, m).value) == pytest.approx(brute, abs=1e-12)


def test_threshold_at_fpr_uses_no_interpolation():
    s = np.arange(8.0)[::-1]
    m = np.array([1, 1, 0, 0, 1, 1, 0, 0], bool)
    # ROC points (fpr, tpr): (0, .25) (0, .5) (.25, .5) (.5, .5) (.5, .75) (.5, 1) ...
    assert threshold_at_fpr(s, m, 0.2) == 6.0  # tpr .5 at fpr 0
    assert threshold_at_fpr(s, m, 0.5) == 2.0  # tpr 1 at fpr .5


def test_held_out_halves_are_stratified_whatever_the_order():
    """Alternating labels made the old even/odd split one-class (issue 22)."""
    m = np.arange(400) % 2 == 0
    a, b = held_out_halves(m)
    assert np.intersect1d(a, b).size == 0 and np.union1d(a, b).size == 400
    assert m[a].sum() == 100 and (~m[a]).sum() == 100 and m[b].sum() == 100
    s = np.where(m, 1.0, 0.0) + np.random.default_rng(0).normal(0, 0.1, 400)
    assert float(advantage(s, m).lower) > 0.9  # separable: ~1 minus the CP slack


def test_tpr_at_fpr_value_lies_in_its_own_interval():
    """The value is the held-out TPR, recomputed here from the halves; over many score sets it
    always lies inside its interval (the in-sample maximum did not: issue 22)."""
    for seed in range(30):
        s, m = _scores(seed, n=200, shift=1.0)
        est = tpr_at_fpr(s, m, 0.01)
        assert est.lower <= est.value <= est.upper
        a, b = held_out_halves(m)
        t = threshold_at_fpr(s[a], m[a], 0.01)
        assert float(est.value) == pytest.approx(np.mean(s[b][m[b]] >= t))


def test_rates_match_scipy_exact_binomial():
    s, m = _scores(3)
    r = rates_at_threshold(0.5, s, m)
    k, n = int(((s >= 0.5) & m).sum()), int(m.sum())
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    assert (float(r.tpr.lower), float(r.tpr.upper)) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_interval_coverage_by_simulation():
    """Binormal scores, shift μ: true AUC = Φ(μ/√2), true max advantage = 2Φ(μ/2) − 1."""
    mu, trials = 1.0, 300
    true_auc = stats.norm.cdf(mu / math.sqrt(2))
    true_adv = 2 * stats.norm.cdf(mu / 2) - 1
    auc_hits = adv_hits = 0
    for t in range(trials):
        s, m = _scores(100 + t, n=300, shift=mu)
        a = auc(s, m)
        auc_hits += a.lower <= true_auc <= a.upper
        adv = advantage(s, m)
        adv_hits += adv.lower <= true_adv <= adv.upper
    # nominal 95 %; binomial SE of the hit rate over 300 trials ~ 0.0126; 4 SE below nominal
    assert auc_hits / trials > 0.95 - 4 * 0.0126
    assert adv_hits / trials > 0.95 - 4 * 0.0126  # conservative construction: may exceed


def test_bootstrap_auc_contains_the_value_and_is_reproducible():
    s, m = _scores(7)
    a, b = bootstrap_auc(0, s, m, num_bootstrap=200), bootstrap_auc(0, s, m, num_bootstrap=200)
    assert a == b and a.lower <= a.value <= a.upper


def test_epsilon_lower_bound_is_zero_without_signal_and_positive_with_it():
    s, m = _scores(5, n=4000, shift=0.0)
    assert epsilon_lower_bound(s, m, fpr=0.05) == 0.0
    s, m = _scores(5, n=4000, shift=3.0)
    assert epsilon_lower_bound(s, m, fpr=0.05) > 1.0


def test_epsilon_estimate_from_the_held_out_rates():
    """Value from one half's observed rates at the other half's threshold, recomputed here
    with NumPy and scipy's beta quantiles (Clopper–Pearson); lower = epsilon_lower_bound."""
    s, m = _scores(6, n=3000, shift=2.0)
    delta, fpr = 1e-3, 0.05
    est = epsilon_estimate(s, m, fpr=fpr, delta=delta)
    a, b = held_out_halves(m)
    even_out = np.sort(s[a][~m[a]])[::-1]
    first_excluded = even_out[int(np.floor(fpr * even_out.size))]
    t = s[a][s[a] > first_excluded].min()  # lowest threshold with FPR <= fpr (first half)
    assert np.mean(even_out >= t) <= fpr + 1e-12
    so, mo = s[b], m[b]
    tp, fp = np.sum((so >= t) & mo), np.sum((so >= t) & ~mo)
    n1, n0 = mo.sum(), (~mo).sum()
    eps = lambda tpr, fpr_: max(0.0, math.log((tpr - delta) / fpr_),
                                math.log((1 - fpr_ - delta) / (1 - tpr)))
    assert est.value == pytest.approx(eps(tp / n1, fp / n0), rel=1e-9)
    tpr_lo = stats.beta.ppf(0.025, tp, n1 - tp + 1)
    fpr_hi = stats.beta.ppf(0.975, fp + 1, n0 - fp)
    assert est.lower == pytest.approx(eps(tpr_lo, fpr_hi), rel=1e-6)
    assert est.lower <= est.value <= est.upper
    assert est.lower == epsilon_lower_bound(s, m, fpr=fpr, delta=delta)


@pytest.mark.parametrize("scores, member, match", [
    ([1.0, np.nan], [1, 0], "NaN"), ([1.0, 2.0], [1, 1], "both"), ([1.0, 2.0], [2, 0], "0/1"),
    ([1.0], [1, 0], "differ"),
])
def test_bad_inputs(scores, member, match):
    with pytest.raises(UserError, match=match):
        roc_curve(scores, member)


def test_metrics_table_and_plots(tmp_path):
    from mis.audit import format_table, metrics_table, plot_roc, plot_score_histograms

    s, m = _scores(11, n=2000)
    rows = metrics_table({"a": s, "b": -s}, m, fprs=(0.01, 0.1))
    assert float(rows[0].auc.value) == pytest.approx(roc_auc_score(m, s))
    assert float(rows[1].auc.value) == pytest.approx(1 - roc_auc_score(m, s))
    text = format_table(rows)
    assert text.count("\n") == 3 and "TPR@0.01" in text
    fig = plot_roc({"a": (s, m)})
    fig.savefig(tmp_path / "roc.png")
    plot_score_histograms(s, m).savefig(tmp_path / "hist.png")
    assert (tmp_path / "roc.png").stat().st_size > 1000


def test_balanced_accuracy_equals_the_best_threshold_of_scikit_learn():
    """``balanced_accuracy`` against scikit-learn's balanced accuracy maximised over every
    threshold of the scores (brute force)."""
    from sklearn.metrics import balanced_accuracy_score

    from mis.audit import balanced_accuracy

    rng = np.random.default_rng(0)
    m = rng.random(300) < 0.3
    s = rng.normal(size=300) + m
    best = max(balanced_accuracy_score(m, s >= t) for t in np.unique(s))
    assert balanced_accuracy(s, m) == pytest.approx(best, abs=1e-12)


def test_roc_of_many_curves_keeps_them_apart_and_inside(tmp_path):
    """16 curves (the default ranking's zoo): 16 distinct colour / line-style pairs, the
    legend outside the axes and inside the saved image, axes spanning the data."""
    import matplotlib

    from mis.audit import curve_styles, plot_roc
    from mis.io import png_bytes

    assert len(set(curve_styles(16))) == 16 and len(set(curve_styles(40))) == 40
    s, m = _scores(12, n=2000)
    fig = plot_roc({f"q{i}": (s + 0.1 * i * m, m) for i in range(16)})
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("chance")]
    assert len({(matplotlib.colors.to_hex(ln.get_color()), ln.get_linestyle())
                for ln in lines}) == 16
    assert ax.get_xlim()[0] == pytest.approx(1 / (~m).sum())
    legend = ax.get_legend()
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert box.x0 > ax.get_window_extent().x1  # right of the axes
    png = png_bytes(fig, tight_bbox=True)  # cropped to everything drawn, legend included
    width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR width
    assert width > 4.5 * 110  # wider than the figure's own canvas: the legend was kept
