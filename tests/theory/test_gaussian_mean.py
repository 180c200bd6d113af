"""Gaussian mean (THEORY section 3) against scipy, brute force and closed forms.

Statistical tolerances are 5 standard errors (two-sided false-failure chance ~6e-7 each).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import theory
from mis.theorems._gaussian_claims import _exact_by_quadrature
from tests.conftest import se_from


def test_mis_limit_matches_scipy_and_table():
    taus = np.array([0.01, 0.1, 1.0, 4.0, 25.0])
    expected = 2 * stats.norm.cdf(-np.sqrt(taus) / 2)
    np.testing.assert_allclose(theory.gaussian_mean_mis_limit(taus), expected, rtol=1e-12)
    assert round(float(theory.gaussian_mean_mis_limit(0.1)), 3) == 0.874
    assert round(float(theory.gaussian_mean_mis_limit(4.0)), 3) == 0.317


def test_mis_limit_jit_equals_eager():
    taus = jnp.linspace(0.1, 5, 7)
    np.testing.assert_allclose(jax.jit(theory.gaussian_mean_mis_limit)(taus),
                               theory.gaussian_mean_mis_limit(taus), rtol=1e-14)


def test_llr_matches_bivariate_normal_densities():
    rng = np.random.default_rng(0)
    n, d = 7, 3
    theta, z = rng.normal(size=(5, d)) / math.sqrt(n), rng.normal(size=(5, d))
    rho = 1 / math.sqrt(n)
    member = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
    pairs = np.stack([math.sqrt(n) * theta, z], axis=-1)
    expected = (member.logpdf(pairs) - stats.norm.logpdf(pairs).sum(-1)).sum(-1)
    np.testing.assert_allclose(theory.gaussian_mean_llr(theta, z, n), expected, rtol=1e-10)


def test_delta_matches_brute_force_simulation(key):
    """Chi-square shortcut vs drawing every coordinate (a second implementation)."""
    n, d, m = 50, 4, 200_000
    est = theory.gaussian_mean_delta(key, n, d, num_samples=m)
    rng = np.random.default_rng(1)
    rho = 1 / math.sqrt(n)
    a = rng.normal(size=(m, d))
    z = rho * a + math.sqrt(1 - rho**2) * rng.normal(size=(m, d))
    llr = np.asarray(theory.gaussian_mean_llr(a / math.sqrt(n), z, n))
    brute = np.maximum(-np.expm1(-llr), 0)
    se = math.hypot(se_from(est), brute.std() / math.sqrt(m))
    assert abs(float(est.value) - brute.mean()) < 5 * se


@pytest.mark.parametrize(("n", "d"), [(20, 2), (1000, 10)])
def test_delta_matches_quadrature(key, n, d):
    """Exact Delta by scipy dblquad over the two chi-square statistics (the same oracle
    the theorem report uses)."""
    exact = _exact_by_quadrature(n, d)
    est = theory.gaussian_mean_delta(key, n, d, num_samples=400_000)
    assert abs(float(est.value) - exact) < 5 * se_from(est)


def test_reproduces_theory_target_1000_1000(key):
    est = theory.gaussian_mean_delta(key, 1000, 1000, num_samples=400_000)
    assert abs(float(est.value) - 0.384) < 0.003 + 5 * se_from(est)


def test_fixed_d_constant_closed_forms():
    assert float(theory.gaussian_mean_fixed_d_constant(1)) == pytest.approx(1 / math.pi)
    # d = 2: sum a_k z_k is Laplace(1), so E|.|/2 = 1/2.
    assert float(theory.gaussian_mean_fixed_d_constant(2)) == pytest.approx(0.5)
    big = 10_000
    ratio = float(theory.gaussian_mean_fixed_d_constant(big)) / math.sqrt(big / (2 * math.pi))
    assert ratio == pytest.approx(1, abs=1e-4)


def test_fixed_d_constant_matches_simulated_mean_abs():
    rng = np.random.default_rng(2)
    m, d = 400_000, 5
    x = np.sum(rng.normal(size=(m, d)) * rng.normal(size=(m, d)), axis=1)
    half = np.abs(x) / 2
    c = float(theory.gaussian_mean_fixed_d_constant(d))
    assert abs(half.mean() - c) < 5 * half.std() / math.sqrt(m)


def test_rate_slope_is_minus_half(key):
    ns = np.array([1_000, 10_000, 100_000])
    vals = [theory.gaussian_mean_delta(jax.random.fold_in(key, i), int(n), 10,
                                       num_samples=400_000) for i, n in enumerate(ns)]
    logs = np.log([float(v.value) for v in vals])
    slope = np.polyfit(np.log(ns), logs, 1)[0]
    # Each log value has relative SE ~0.3 %: slope SE ~ 0.3 % / (log-n spread ~3.3) ~ 1e-3.
    assert abs(slope + 0.5) < 0.01
    c = float(theory.gaussian_mean_fixed_d_constant(10))
    last = vals[-1]
    assert abs(math.sqrt(ns[-1]) * float(last.value) - c) < 5 * math.sqrt(ns[-1]) * se_from(last)


def test_input_validation(key):
    with pytest.raises(ValueError, match="n=1"):
        theory.gaussian_mean_delta(key, 1, 3)
    with pytest.raises(ValueError, match="d=0"):
        theory.gaussian_mean_delta(key, 10, 0)
    with pytest.raises(ValueError, match="confidence"):
        theory.gaussian_mean_delta(key, 10, 2, confidence=1.5)
