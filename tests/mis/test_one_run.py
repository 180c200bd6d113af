"""ε from one training run (Steinke, Nasr, Jagielski 2023) against the Clopper–Pearson closed
form at δ = 0 and against simulated ε-DP guessing (the bound must hold)."""

import math

import numpy as np
import pytest
from scipy import stats

from mis.audit import one_run_epsilon, one_run_p_value


@pytest.mark.parametrize("m, r, v", [(1000, 1000, 1000), (1000, 200, 180), (500, 100, 60),
                                     (50, 50, 40)])
def test_pure_dp_bound_is_the_logit_of_the_clopper_pearson_lower_end(m, r, v):
    """δ = 0: W is dominated by Bin(r, e^ε/(1+e^ε)); the largest refuted ε is the logit of the
    one-sided lower confidence bound p with P[Bin(r, p) >= v] = α (a beta quantile)."""
    p = stats.beta.ppf(0.05, v, r - v + 1)
    want = max(math.log(p / (1 - p)), 0.0)
    assert one_run_epsilon(m, r, v, confidence=0.95) == pytest.approx(want, abs=1e-6)
    assert one_run_p_value(m, r, v, want) == pytest.approx(0.05, abs=1e-6) or want == 0


def test_perfect_guesses_on_1000_canaries_reach_about_5_8():
    """All 1000 guesses right: p = 0.05^(1/1000) = 0.99701, ε = logit(p) = 5.81 (the ceiling of
    a one-run audit with 1000 canaries at 95 %)."""
    p = 0.05 ** (1 / 1000)
    assert one_run_epsilon(1000, 1000, 1000) == pytest.approx(math.log(p / (1 - p)), abs=1e-6)
    assert 5.8 < one_run_epsilon(1000, 1000, 1000) < 5.82


def test_delta_weakens_the_bound_continuously():
    pure = one_run_epsilon(1000, 300, 270)
    tiny = one_run_epsilon(1000, 300, 270, delta=1e-12)
    some = one_run_epsilon(1000, 300, 270, delta=1e-5)
    assert some < tiny <= pure and tiny == pytest.approx(pure, abs=1e-3)
    assert one_run_epsilon(1000, 300, 140) == 0.0  # fewer right than chance: nothing refuted


def test_the_bound_holds_for_an_exactly_epsilon_dp_guesser():
    """Randomized response is exactly ε-DP: each guess right with probability e^ε/(1+e^ε),
    independently. The certified ε exceeds the true ε = 1 in at most 5 % of 400 seeded
    audits (+ 3 SE = 0.033): the bound is valid; its median is close to the truth."""
    rng = np.random.default_rng(0)
    q = math.exp(1) / (1 + math.exp(1))
    eps = np.array([one_run_epsilon(300, 300, int(rng.binomial(300, q))) for _ in range(400)])
    assert np.mean(eps > 1.0) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 400)
    # and not vacuous: the median certificate (v ≈ 219 of 300) is near logit of the
    # Clopper-Pearson lower end, ≈ 0.75
    assert 0.6 < np.median(eps) < 1.0
