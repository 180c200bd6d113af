"""The indicator (THEORY §6) against closed forms, autodiff oracles and the exact toy MIS."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

import theory
from mis.data import Dataset
from mis.indicator import (
    aggregate_rates,
    loss_gap_indicator,
    sample_terms,
    threshold_indicator,
)
from mis.quantizers import parse
from mis.shadow import MeanLearner, MLPLearner, softmax_regression


@pytest.fixture
def x64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


STEP, MU = 0.2, 0.2  # thresholds at ±0.1, 0.3: the nearest is δ = 0.1 from μ


def _scalar_toy(key, n):
    x = MU + jax.random.normal(key, (n, 1), jnp.float64)
    data = Dataset(x, jnp.zeros(n))
    learner = MeanLearner()
    return learner, learner.fit(None, data, jnp.ones(n)), data


def test_scalar_toy_matches_the_numpy_closed_form(key, x64):
    """ℓ = (x − θ)²: g = −2(x − θ̂), GN curvature 2, so V = Var(x) and both variants give
    r̂ = dist(x̄, threshold)² / (2 Var x) (variant B: the neighbour across that threshold)."""
    learner, params, data = _scalar_toy(key, 5000)
    x = np.asarray(data.x[:, 0])
    mids = STEP * (np.arange(-10, 10) + 0.5)
    dist = np.abs(x.mean() - mids).min()
    expected = dist**2 / (2 * x.var(ddof=1))
    a = threshold_indicator(learner, params, data, parse(f"grid:{STEP}"))
    b = loss_gap_indicator(learner, params, data, parse(f"grid:{STEP}"), num_candidates=1)
    np.testing.assert_allclose(float(a.rate.value), expected, rtol=1e-6)
    np.testing.assert_allclose(float(b.rate_min.value), expected, rtol=1e-6)
    assert float(a.n_rate.value) == pytest.approx(5000 * float(a.rate.value))
    assert float(a.mis.value) == pytest.approx(1 - np.exp(-5000 * expected))
    assert a.rate.lower <= a.rate.value <= a.rate.upper


@pytest.mark.parametrize("n", [1_000, 10_000, 100_000])
def test_scalar_toy_converges_to_the_exact_rate(n, key, x64):
    """r̂ → r = δ²/2 (theory.quantized_mean_rate). r̂ − r ≈ δ (x̄ − μ) has SE δ/√n; 4 SE."""
    learner, params, data = _scalar_toy(key, n)
    exact = float(theory.quantized_mean_rate(0.1))
    r = float(threshold_indicator(learner, params, data, parse(f"grid:{STEP}")).rate.value)
    assert abs(r - exact) <= 4 * 0.1 / np.sqrt(n) + 1e-4 / np.sqrt(n)


def test_lse_orders_grid_steps_like_the_exact_advantage(key, x64):
    """THEORY §6 (20-dim per-coordinate grid, n = 2000, μ uniform on [−1, 1]): the exact Δ
    falls as the step grows; the lse implied leakage exp(−n r̂) must fall with it, while the
    min aggregate is ~0 for every step."""
    d, n = 20, 2000
    mu = jax.random.uniform(jax.random.fold_in(key, 1), (d,), jnp.float64, -1, 1)
    x = mu + jax.random.normal(key, (n, d), jnp.float64)
    data = Dataset(x, jnp.zeros(n))
    learner = MeanLearner()
    params = learner.fit(None, data, jnp.ones(n))
    terms = sample_terms(learner, params, data)
    steps = (0.05, 0.2, 0.5)
    exact = [float(theory.quantized_gaussian_mean_delta(jax.random.key(3), n, mu, s,
                                                        num_samples=40_000).value)
             for s in steps]
    lse = [float(threshold_indicator(learner, params, data, parse(f"grid:{s}"),
                                     terms=terms).n_rate.value) for s in steps]
    assert exact[0] > exact[1] > exact[2]
    assert lse[0] < lse[1] < lse[2]  # −log implied leakage grows: more private


def test_sample_terms_match_autodiff_oracles(key):
    """Per-sample gradients equal jax.grad on one example; for softmax regression (linear in θ)
    the Gauss–Newton diagonal is the exact Hessian diagonal of the per-sample loss."""
    k1, k2, k3 = jax.random.split(key, 3)
    x = jax.random.normal(k1, (12, 5))
    y = jax.random.randint(k2, (12,), 0, 3)
    learner = softmax_regression(3)
    params = learner.init(k3, 5)
    terms = sample_terms(learner, params, Dataset(x, y))
    kernel, bias = params["layers"][0]["kernel"], params["layers"][0]["bias"]
    flat, unravel = ravel_pytree(kernel)

    def loss_one(k, i):
        return learner.loss({"layers": {0: {"kernel": k, "bias": bias}}}, x[i:i + 1],
                            y[i:i + 1])[0]

    for i in range(3):
        np.testing.assert_allclose(terms.grads[i], jax.grad(loss_one)(kernel, i).ravel(),
                                   rtol=1e-5, atol=1e-6)
        hess = jax.hessian(lambda f, i=i: loss_one(unravel(f), i))(flat)
        np.testing.assert_allclose(terms.curvatures[i], jnp.diag(hess), rtol=1e-4, atol=1e-6)
    assert terms.names == ("['layers'][0]['kernel']",)


def test_aggregates():
    r = jnp.array([0.5, 0.1, jnp.inf])
    assert float(aggregate_rates(r, 10, "min")) == pytest.approx(0.1)
    expected = -np.log(np.exp(-5) + np.exp(-1)) / 10
    assert float(aggregate_rates(r, 10, "lse")) == pytest.approx(expected, rel=1e-6)


def test_mlp_ranks_continuous_release_least_private(key):
    """On a trained MLP head: full precision and pruning release continuous weights (rate 0 by
    the min, negative n·r̂ by lse); ternary 90 % is far more private than 8-bit uniform."""
    k1, k2 = jax.random.split(key)
    x = jax.random.normal(k1, (300, 16))
    y = (x[:, 0] + 0.5 * jax.random.normal(k2, (300,)) > 0).astype(jnp.int32)
    data = Dataset(x, y)
    learner = MLPLearner(hidden=(8,), steps=200, learning_rate=0.05, l2=1e-3)
    params = learner.fit(key, data, jnp.ones(300))
    terms = sample_terms(learner, params, data)
    ind = {s: threshold_indicator(learner, params, data, parse(s), terms=terms)
           for s in ("none", "prune:0.5", "uniform:8", "ternary:0.9")}
    assert float(ind["none"].rate_min.value) == 0.0
    assert float(ind["none"].n_rate.value) == pytest.approx(-np.log(16 * 8 + 8 * 2), rel=1e-5)
    assert float(ind["none"].mis.value) == 0.0
    assert ind["none"].rate.value < ind["prune:0.5"].rate.value < ind["ternary:0.9"].rate.value
    assert ind["uniform:8"].rate.value < ind["ternary:0.9"].rate.value
    b = loss_gap_indicator(learner, params, data, parse("ternary:0.9"), terms=terms,
                           num_candidates=8)
    assert 0 < b.num_terms <= 16 and bool(jnp.isfinite(b.rate.value))
    s = loss_gap_indicator(learner, params, data, parse("stochastic:4"), key=key,
                           num_candidates=4)
    assert s.num_terms <= 8
    with pytest.raises(ValueError, match="no decision thresholds"):
        threshold_indicator(learner, params, data, parse("stochastic:4"), key=key,
                            terms=terms)


def test_shared_bootstrap_variances_give_the_same_indicator(key):
    """Indicator A with the per-resample variances computed once (as ``mis.release`` shares
    them across quantizers) equals the indicator computing them itself, bit for bit; and the
    table's rows are the variances of explicit resamples (gathered rows, NumPy)."""
    from mis.indicator import bootstrap_counts, bootstrap_variances

    k1, k2 = jax.random.split(key)
    x = jax.random.normal(k1, (120, 6))
    y = (x[:, 0] + 0.5 * jax.random.normal(k2, (120,)) > 0).astype(jnp.int32)
    data = Dataset(x, y)
    learner = MLPLearner(hidden=(4,), steps=50, learning_rate=0.05, l2=1e-3)
    params = learner.fit(key, data, jnp.ones(120))
    terms = sample_terms(learner, params, data)
    boot_key = jax.random.key(11)
    counts = bootstrap_counts(boot_key, 40, 120)
    table = bootstrap_variances(terms, learner.penalty_curvature(120), counts)
    for spec in ("uniform:4", "ternary:0.5"):
        a = threshold_indicator(learner, params, data, parse(spec), terms=terms,
                                num_bootstrap=40, bootstrap_key=boot_key)
        b = threshold_indicator(learner, params, data, parse(spec), terms=terms,
                                num_bootstrap=40, bootstrap_key=boot_key, boot_variance=table)
        assert tuple(map(float, a.rate)) == tuple(map(float, b.rate))
    g, h = np.asarray(terms.grads, np.float64), np.asarray(terms.curvatures, np.float64)
    c = np.asarray(counts[3], int)
    rows = np.repeat(np.arange(120), c)
    var = g[rows].var(axis=0, ddof=1)
    curv = h[rows].mean(axis=0) + learner.penalty_curvature(120)
    expect = np.where((var > 0) & (curv > 0), var / curv**2, 0.0)
    np.testing.assert_allclose(np.asarray(table[3]), expect, rtol=2e-3, atol=1e-9)
    with pytest.raises(ValueError, match="boot_variance has shape"):
        threshold_indicator(learner, params, data, parse("uniform:4"), terms=terms,
                            num_bootstrap=20, boot_variance=table)
