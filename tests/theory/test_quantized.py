"""Quantized Gaussian mean (THEORY section 5) against scipy quadrature and Monte Carlo."""

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, stats

import theory
from tests.conftest import se_from
from theory._log_space import log_interval_prob


def _linear_space_delta(n, delta, step, cells=40):
    """Independent exact Delta: scipy quad of 1/2 sum |P(cell|z) - P(cell)| in linear space."""
    edges = delta + step * np.arange(-cells, cells + 1)
    edges = np.concatenate([[-np.inf], edges, [np.inf]])
    p0 = np.diff(stats.norm.cdf(edges, 0, 1 / math.sqrt(n)))

    def integrand(z):
        p1 = np.diff(stats.norm.cdf(edges, z / n, math.sqrt(n - 1) / n))
        return 0.5 * np.abs(p1 - p0).sum() * stats.norm.pdf(z)

    with warnings.catch_warnings():  # quad flags round-off at the kinks; 1e-9 is plenty
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return integrate.quad(integrand, -12, 12, limit=400, epsabs=1e-13)[0]


@pytest.mark.parametrize(("n", "delta", "step"), [(5, 0.3, 1.0), (50, 0.05, 0.2),
                                                  (400, 0.0, 0.3), (200, 0.11, 0.25)])
def test_exact_matches_linear_space_quadrature(n, delta, step):
    expected = _linear_space_delta(n, delta, step)
    got = math.exp(float(theory.quantized_mean_log_delta(n, delta, step)))
    # Trapezoid across kinks: O(h^2) ~ 1e-6 relative at the default 20001 nodes.
    assert got == pytest.approx(expected, rel=1e-5)


def test_reproduces_theory_targets():
    targets = {1_000: -5.85, 10_000: -18.25}
    for n, ref in targets.items():
        assert round(float(theory.quantized_mean_log_delta(n, 0.05, 0.2)), 2) == ref
    assert float(theory.quantized_mean_log_delta(100_000, 0.05, 0.2)) == pytest.approx(
        -131.9, abs=0.05)
    for n, ref in {100: 1.69, 1_000: 1.29, 100_000: 1.04}.items():
        d = n**-0.25
        ratio = float(theory.quantized_mean_log_delta(n, d, 4 * d)) / (
            -n * float(theory.quantized_mean_rate(d)))
        assert ratio == pytest.approx(ref, abs=0.006)


def test_rate_ratio_tends_to_one():
    rate = float(theory.quantized_mean_rate(0.05))
    ratios = [float(theory.quantized_mean_log_delta(n, 0.05, 0.2)) / (-n * rate)
              for n in (10**4, 10**5, 10**6)]
    assert ratios[0] > ratios[1] > ratios[2] > 1
    assert ratios[2] < 1.01


def test_boundary_case_one_over_pi():
    n = 100_000
    value = math.sqrt(n) * math.exp(float(theory.quantized_mean_log_delta(n, 0.0, 0.2)))
    assert value == pytest.approx(1 / math.pi, rel=1e-3)


def test_symmetry_and_periodicity():
    n, step = 300, 0.2
    a = float(theory.quantized_mean_log_delta(n, 0.03, step))
    assert float(theory.quantized_mean_log_delta(n, 0.03 + step, step)) == pytest.approx(a)
    assert float(theory.quantized_mean_log_delta(n, step - 0.03, step)) == pytest.approx(a)


def test_closed_form_approaches_exact_and_coupling_bound_holds():
    for n in (10**3, 10**4, 10**5):
        exact = float(theory.quantized_mean_log_delta(n, 0.05, 0.2))
        bound = float(theory.quantized_mean_log_coupling_bound(n, 0.05, 0.2))
        assert exact <= bound
    exact = float(theory.quantized_mean_log_delta(10**5, 0.05, 0.2))
    approx = float(theory.quantized_mean_log_delta_approx(10**5, 0.05, 0.2))
    assert abs(approx - exact) < 0.01


def test_monte_carlo_matches_quadrature_in_one_dimension(key):
    n, step, mu = 200, 0.2, 0.06
    est = theory.quantized_gaussian_mean_delta(key, n, jnp.array([mu]), step,
                                               num_samples=200_000)
    exact = math.exp(float(theory.quantized_mean_log_delta(n, step / 2 - mu, step)))
    assert abs(float(est.value) - exact) < 5 * se_from(est)


def test_rounding_never_increases_leakage(key):
    """Data processing: 8-d rounded mean vs the unrounded one (CIs at 5 SE)."""
    n, d = 500, 8
    mu = jax.random.uniform(jax.random.fold_in(key, 1), (d,), minval=-1, maxval=1)
    full = theory.gaussian_mean_delta(key, n, d, num_samples=200_000)
    prev = float(full.value) + 5 * se_from(full)
    for step in (0.05, 0.2, 0.6):
        q = theory.quantized_gaussian_mean_delta(jax.random.fold_in(key, 2), n, mu, step,
                                                 num_samples=50_000)
        assert float(q.value) - 5 * se_from(q) <= prev


def test_log_interval_prob_matches_scipy():
    rng = np.random.default_rng(0)
    lo = rng.normal(size=50) * 5
    hi = lo + rng.exponential(size=50)
    mean, sd = rng.normal(size=50), rng.uniform(0.1, 2, size=50)
    upper = lo > mean  # use survival functions there: cdf differences near 1 cancel
    with np.errstate(divide="ignore"):
        expected = np.where(
            upper, np.log(stats.norm.sf(lo, mean, sd) - stats.norm.sf(hi, mean, sd)),
            np.log(stats.norm.cdf(hi, mean, sd) - stats.norm.cdf(lo, mean, sd)))
    got = log_interval_prob(jnp.asarray(lo), jnp.asarray(hi), jnp.asarray(mean),
                            jnp.asarray(sd))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(np.asarray(got)[finite], expected[finite], rtol=1e-8)
    # Deep tail: P(30 <= X < 31) where scipy's difference underflows.
    deep = float(log_interval_prob(jnp.asarray(30.0), jnp.asarray(31.0), 0.0, 1.0))
    assert deep == pytest.approx(float(stats.norm.logsf(30.0)), rel=1e-9)


def test_jit_equals_eager():
    args = (jnp.asarray(0.05), jnp.asarray(1.5))
    np.testing.assert_allclose(jax.jit(theory.quantized_mean_rate)(*args),
                               theory.quantized_mean_rate(*args), rtol=1e-15)


def test_float32_dtype_kept():
    with jax.enable_x64(False):
        assert theory.quantized_mean_rate(0.1).dtype == jnp.float32


def test_input_validation(key):
    with pytest.raises(ValueError, match="step"):
        theory.quantized_mean_log_delta(100, 0.1, 0.0)
    with pytest.raises(ValueError, match="too fine"):
        theory.quantized_mean_log_delta(100, 0.0001, 0.0002)
    with pytest.raises(ValueError, match="mu must be a vector"):
        theory.quantized_gaussian_mean_delta(key, 10, jnp.zeros((2, 2)), 0.1)
