"""DP and overfitting bounds (THEORY sections 2 and 7) against closed forms."""

import math

import jax
import numpy as np
import pytest

import theory


def test_dp_bound_closed_form_and_inverse():
    eps = np.array([0.0, 0.1, 1.0, 3.0])
    expected = (np.exp(eps) - 1) / (np.exp(eps) + 1)
    np.testing.assert_allclose(theory.dp_advantage_bound(eps), expected, rtol=1e-12)
    np.testing.assert_allclose(theory.epsilon_lower_bound(expected), eps, atol=1e-12)
    a = 0.3
    assert float(theory.epsilon_lower_bound(a)) == pytest.approx(math.log(1.3 / 0.7))
    assert float(theory.epsilon_lower_bound(-0.2)) == 0.0


def test_overfitting_bound():
    assert float(theory.overfitting_mis_bound(0.1, 1e-4, 4.0)) == pytest.approx(0.18)
    assert float(theory.overfitting_mis_bound(0.5, 1.0, 4.0)) == 1.0
    jitted = jax.jit(theory.overfitting_mis_bound)(0.1, 1e-4, 4.0)
    assert float(jitted) == pytest.approx(0.18)
