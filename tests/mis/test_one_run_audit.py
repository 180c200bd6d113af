"""The one-run audit from scores (:func:`mis.audit.one_run_audit`) and the Gaussian-DP bound
(:func:`mis.audit.gdp_audit`) against jax_privacy 2.0.0's auditor on identical inputs (loaded by
file path: only ``jax_privacy/auditing.py``, which imports numpy, scipy and dp_accounting),
against closed forms, and against simulation (the bounds must hold at their confidence)."""

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest
from scipy import stats

from mis.audit import gdp_audit, gdp_epsilon, guess_grid, one_run_audit, one_run_epsilon


def _jax_privacy_auditing():
    spec = importlib.util.find_spec("jax_privacy")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("jax-privacy (test oracle, requirements-data.lock) is not installed")
    path = pathlib.Path(list(spec.submodule_search_locations)[0]) / "auditing.py"
    module_spec = importlib.util.spec_from_file_location("jax_privacy_auditing", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module  # its dataclasses look their module up
    module_spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def jp():
    return _jax_privacy_auditing()


@pytest.mark.parametrize("m, r, v, delta", [(1000, 100, 95, 1e-5), (1000, 300, 240, 1e-5),
                                            (2000, 500, 500, 1e-6), (500, 60, 45, 0.0),
                                            (1000, 200, 90, 1e-5)])
def test_p_value_and_epsilon_equal_jax_privacy_on_identical_counts(jp, m, r, v, delta):
    """Steinke et al.'s p-value and the largest refuted ε: ours and jax_privacy's private
    functions on the same (m, guesses, correct, δ) agree to the root-finder's tolerance."""
    from mis.audit import one_run_p_value

    for eps in (0.0, 0.5, 2.0, 4.0):
        assert one_run_p_value(m, r, v, eps, delta) == pytest.approx(
            jp._one_run_p_value(m, r, v, eps, delta), rel=1e-9, abs=1e-300)
    theirs = jp._epsilon_one_run(0.0, m, r, v, 0.05, delta)
    assert one_run_epsilon(m, r, v, delta=delta, confidence=0.95) == pytest.approx(
        theirs, abs=1e-5)


def test_one_run_audit_at_one_threshold_equals_jax_privacy_explicit_threshold(jp):
    """One candidate (no correction), guesses = the top k scores: the same ε as jax_privacy's
    ``epsilon_one_run`` with that explicit threshold, on the same scores."""
    rng = np.random.default_rng(3)
    inc = rng.random(1000) < 0.5
    scores = rng.normal(size=1000) + 1.5 * inc
    k = 120
    threshold = np.sort(scores)[::-1][k - 1]
    auditor = jp.CanaryScoreAuditor(scores[inc], scores[~inc])
    theirs = auditor.epsilon_one_run(0.05, 1e-5, threshold_strategy=jp.Explicit(threshold))
    ours = one_run_audit(scores, inc, delta=1e-5, grid=[(k, 0)])
    assert ours.guesses_in == k and ours.correct == int(inc[scores >= threshold].sum())
    assert ours.epsilon == pytest.approx(theirs, abs=1e-5) and ours.epsilon > 0.5


def test_bonferroni_over_the_grid_costs_a_little_and_beats_all_thresholds(jp):
    """Our grid (≈ 2 log₂ m candidates) against jax_privacy's Bonferroni over every threshold:
    both honest; ours is at most the best single candidate and here higher than theirs."""
    rng = np.random.default_rng(4)
    inc = rng.random(2000) < 0.5
    scores = rng.normal(size=2000) + 2.0 * inc
    ours = one_run_audit(scores, inc, delta=1e-5)
    theirs = jp.CanaryScoreAuditor(scores[inc], scores[~inc]).epsilon_one_run(0.05, 1e-5)
    single = max(one_run_audit(scores, inc, delta=1e-5, grid=[g]).epsilon
                 for g in guess_grid(2000))
    assert 0 < ours.epsilon <= single and ours.epsilon > theirs
    assert ours.candidates == len(guess_grid(2000)) <= 4 * math.log2(2000)


def test_monotone_in_right_guesses_and_ceiling_is_perfect_guessing():
    eps = [one_run_epsilon(1000, 200, v, delta=1e-5) for v in range(100, 201, 10)]
    assert all(a <= b for a, b in zip(eps, eps[1:], strict=False)) and eps[0] == 0
    inc = np.arange(1000) % 2 == 0
    perfect = one_run_audit(inc.astype(float), inc, delta=1e-5)
    assert perfect.epsilon == pytest.approx(perfect.ceiling) and perfect.ceiling > 3
    assert perfect.correct == perfect.guesses_in + perfect.guesses_out  # every guess right


def test_an_exactly_epsilon_dp_mechanism_is_not_over_certified():
    """Randomized response on m = 400 canaries is exactly ε-DP (ε = 1): the score of each
    canary is its coin flipped with probability 1/(1+e), plus independent tie-breaking noise.
    In 120 seeded audits the certified ε exceeds 1 in at most 5 % (+ 3 SE = 0.06); and the
    bound is not vacuous (its median is above 0.3)."""
    rng = np.random.default_rng(0)
    p_keep = math.e / (1 + math.e)
    eps = []
    for _ in range(120):
        inc = rng.random(400) < 0.5
        said = np.where(rng.random(400) < p_keep, inc, ~inc)
        eps.append(one_run_audit(said + 0.01 * rng.random(400), inc).epsilon)
    assert np.mean(np.array(eps) > 1.0) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 120)
    assert np.median(eps) > 0.3


def test_gdp_epsilon_is_the_gaussian_mechanism_epsilon_of_dp_accounting():
    """μ-GDP is the Gaussian mechanism with sensitivity 1 and σ = 1/μ: dp_accounting's exact
    PLD of that mechanism gives the same ε at δ."""
    import dp_accounting

    for mu, delta in ((0.5, 1e-5), (1.0, 1e-5), (3.0, 1e-6)):
        pld = dp_accounting.pld.privacy_loss_distribution.from_gaussian_mechanism(
            1 / mu, value_discretization_interval=1e-4)
        assert gdp_epsilon(mu, delta) == pytest.approx(
            pld.get_epsilon_for_delta(delta), abs=2e-3)


def test_gdp_bound_covers_the_true_mu_and_is_tight_for_gaussian_scores(jp):
    """Scores N(0, 1) OUT and N(μ, 1) IN are exactly μ-GDP (μ = 1.5). With 20 000 of each, the
    lower bound is below μ and within 0.15 of it; jax_privacy's uncorrected μ is a little
    higher (it does not pay for the choice of threshold), so its ε is at least ours."""
    rng = np.random.default_rng(5)
    s_out, s_in = rng.normal(size=20000), rng.normal(size=20000) + 1.5
    ours = gdp_audit(s_in, s_out, delta=1e-5)
    assert 1.35 < ours.mu < 1.5
    theirs = jp.CanaryScoreAuditor(s_in, s_out).epsilon_from_gdp(0.05, 1e-5)
    assert ours.epsilon == pytest.approx(gdp_epsilon(ours.mu, 1e-5))
    assert theirs >= ours.epsilon > 0.8 * theirs


def test_gdp_bound_is_not_over_certified():
    """200 seeded audits of 500 + 500 Gaussian scores at μ = 1: the bound exceeds 1 in at most
    5 % (+ 3 SE); with the Bonferroni correction it is conservative, so in practice never."""
    rng = np.random.default_rng(6)
    over = sum(gdp_audit(rng.normal(size=500) + 1.0, rng.normal(size=500), delta=1e-5).mu > 1.0
               for _ in range(200))
    assert over / 200 <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 200)


def test_separated_scores_give_a_finite_gdp_bound_and_bad_input_is_refused():
    """Perfect separation: μ is bounded by the Clopper–Pearson ends (finite), not ∞."""
    res = gdp_audit(np.ones(100) + 5, np.zeros(100), delta=1e-5)
    lo = stats.beta.ppf(1 - 0.05 / (2 * 2), 1, 100)  # upper bound on a rate of 0 of 100
    assert res.mu == pytest.approx(2 * stats.norm.isf(lo), rel=1e-9)
    with pytest.raises(ValueError, match="NaN"):
        gdp_audit([np.nan], [0.0], delta=1e-5)
    with pytest.raises(ValueError, match="grid"):
        one_run_audit([0.0, 1.0], [True, False], grid=[(3, 0)])
