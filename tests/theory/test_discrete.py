"""Discrete data (THEORY section 4) against brute-force multinomial enumeration."""

import itertools
import math

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import theory


def _brute_force(p, n):
    """1/2 E||p_hat - p||_1 by enumerating every count vector."""
    p = np.asarray(p)
    total = 0.0
    for counts in itertools.product(range(n + 1), repeat=len(p)):
        if sum(counts) != n:
            continue
        prob = stats.multinomial.pmf(counts, n, p)
        total += prob * 0.5 * np.abs(np.asarray(counts) / n - p).sum()
    return total


@pytest.mark.parametrize("p", [(0.5, 0.5), (0.2, 0.3, 0.5), (0.1, 0.1, 0.3, 0.5)])
@pytest.mark.parametrize("n", [1, 2, 5, 9])
def test_matches_enumeration(p, n):
    assert float(theory.discrete_delta(jnp.asarray(p), n)) == pytest.approx(
        _brute_force(p, n), rel=1e-10, abs=1e-14)


def test_matches_binomial_sum_large_n():
    p = np.array([0.05, 0.15, 0.3, 0.5])
    n = 3000
    k = np.arange(n + 1)
    mad = [np.sum(stats.binom.pmf(k, n, q) * np.abs(k - n * q)) for q in p]
    assert float(theory.discrete_delta(p, n)) == pytest.approx(sum(mad) / (2 * n), rel=1e-9)


def test_reproduction_target_and_bound():
    uniform = jnp.full(10, 0.1)
    assert round(float(theory.discrete_delta(uniform, 1000)), 6) == 0.037815
    c = float(theory.diversity_constant(uniform))
    assert c <= math.sqrt(9) + 1e-12
    for n in (1, 10, 100, 1000, 10**5):
        assert float(theory.discrete_delta(uniform, n)) <= c / (2 * math.sqrt(n)) + 1e-15


def test_limit_sqrt_n():
    p = jnp.asarray([0.6, 0.3, 0.1])
    limit = float(theory.diversity_constant(p)) / math.sqrt(2 * math.pi)
    errors = [abs(math.sqrt(n) * float(theory.discrete_delta(p, n)) - limit)
              for n in (10**3, 10**5, 10**7)]
    assert errors[-1] < 1e-3 * limit
    assert errors[-1] < errors[0]


def test_degenerate_probabilities():
    assert float(theory.discrete_delta(jnp.asarray([1.0, 0.0]), 50)) == 0.0
    assert float(theory.discrete_delta(jnp.asarray([0.5, 0.5, 0.0]), 2)) == pytest.approx(0.25)


def test_bad_n():
    with pytest.raises(ValueError, match="n=0"):
        theory.discrete_delta(jnp.asarray([0.5, 0.5]), 0)
