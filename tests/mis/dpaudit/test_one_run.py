"""mis dpaudit --mode one-run: the gradient canaries enter DP-SGD exactly as specified, the
white-box scores equal their formulas, honest DP-SGD is never flagged and DP-SGD with its noise
off is caught by every observer; the CLI writes its files and refuses bad combinations."""

import csv
import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree
from scipy import stats

from mis.attacks import dirac_final_scores, dirac_step_scores
from mis.data import Dataset
from mis.dpaudit import DPAuditConfig, one_run_data, one_run_sigma
from mis.errors import UserError
from mis.shadow import (
    DPSGD,
    GradientCanaries,
    MLPLearner,
    clip_gradients,
    quiet_coordinates,
    train_with_gradient_canaries,
)
from tests.cli import run_mis

POOL = Dataset(jax.random.normal(jax.random.key(0), (40, 5)),
               jax.random.bernoulli(jax.random.key(1), 0.5, (40,)).astype(jnp.int32))


def _learner(sigma=0.0, q=1.0, steps=3):
    return MLPLearner(hidden=(8,), num_outputs=2, steps=steps, optimizer="sgd",
                      learning_rate=0.1, dp=DPSGD(1.0, sigma, q))


def test_a_gradient_canary_adds_exactly_c_at_its_coordinate():
    """q = 1, σ = 0: every included canary adds C = 1 to its coordinate's gradient sum at
    every step; at step 0 (same parameters) the observed sums with and without the canaries
    differ by exactly the coins; the excluded ones change nothing there."""
    learner = _learner()
    coords = jnp.array([3, 17, 40, 41])
    coins = jnp.array([True, False, True, False])
    on = train_with_gradient_canaries(learner, jax.random.key(2), POOL, jnp.ones(40),
                                      GradientCanaries(coords, coins))
    off = train_with_gradient_canaries(learner, jax.random.key(2), POOL, jnp.ones(40),
                                       GradientCanaries(coords, jnp.zeros(4, bool)))
    np.testing.assert_allclose(on.observed[0] - off.observed[0], coins.astype(float),
                               atol=1e-5)
    np.testing.assert_array_equal(ravel_pytree(on.initial)[0], ravel_pytree(off.initial)[0])
    # the initial parameters are fit's: init = split(key)[0]
    want = learner.init(jax.random.split(jax.random.key(2))[0], 5)
    np.testing.assert_array_equal(ravel_pytree(on.initial)[0], ravel_pytree(want)[0])


def test_quiet_coordinates_are_the_smallest_summed_clipped_gradients():
    """Against a per-example loop of jax.grad with NumPy clipping."""
    learner = _learner()
    params = learner.init(jax.random.key(3), 5)
    total = 0
    for i in range(40):
        g = ravel_pytree(jax.grad(lambda p, i=i: learner.loss(p, POOL.x[i:i + 1],
                                                               POOL.y[i:i + 1])[0])(params))[0]
        total = total + np.asarray(g) * min(1.0, 1.0 / np.linalg.norm(g))
    want = np.argsort(np.abs(total), kind="stable")[:10]
    got = np.asarray(quiet_coordinates(learner.loss, params, POOL.x, POOL.y, 10, 1.0))
    assert set(got) == set(want)
    clipped, _ = clip_gradients({"a": jnp.ones((2, 4)) * 3.0}, 1.0)
    np.testing.assert_allclose(jnp.linalg.norm(clipped["a"], axis=1), 1.0, rtol=1e-6)


def test_white_box_scores_equal_their_formulas():
    """Final: θ₀ − θ_T at the coordinates. Every step: Σ_t log((1 − q) N(z; 0, σ²) +
    q N(z; 1, σ²)) − log N(z; 0, σ²), computed with scipy densities."""
    init, final = {"w": jnp.arange(6.0)}, {"w": jnp.arange(6.0) * 0.5}
    np.testing.assert_allclose(dirac_final_scores(init, final, jnp.array([1, 4])), [0.5, 2.0])
    z = np.random.default_rng(0).normal(size=(7, 3)) + np.array([0.0, 1.0, 3.0])
    sigma, q = 1.5, 0.3
    want = np.sum(np.log((1 - q) * stats.norm.pdf(z, 0, sigma) + q * stats.norm.pdf(z, 1, sigma))
                  - stats.norm.logpdf(z, 0, sigma), axis=0)
    np.testing.assert_allclose(dirac_step_scores(z, sigma, q), want, rtol=1e-5)
    np.testing.assert_allclose(dirac_step_scores(z, 0.0, q), z.sum(0), rtol=1e-6)


# Gradient canaries on the mixture MLP (610 parameters): 400 canaries, 60 DP-SGD steps.
GRADIENT = DPAuditConfig(mode="one-run", canary="gradient", dataset="mixture",
                         num_canaries=400, steps=60, pool_size=128)
# Black-box: a strongly memorising setting (as the shadow mode's test): R^64, full batch.
BLACK_BOX = DPAuditConfig(mode="one-run", canary="mislabeled", dataset="mixture",
                          num_canaries=200, steps=300, pool_size=64, learning_rate=0.05,
                          hidden=(64,), sample_rate=1.0, d=64)


@pytest.mark.slow
def test_gradient_canaries_catch_disabled_noise_and_spare_honest_dpsgd():
    """Accounted as σ = 8 (ε = 0.92 at q = 0.25, 60 steps): honest training is never flagged
    (measured bounds ~0.05); trained without noise, both observers prove more than the claim
    (measured: white-box 2.04, every step 3.68 = the ceiling with 400 canaries)."""
    data = one_run_data(GRADIENT, jax.random.key(0))
    honest = one_run_sigma(GRADIENT, data, jax.random.key(1), 8.0)
    broken = one_run_sigma(GRADIENT, data, jax.random.key(1), 8.0, train_sigma=0.0)
    assert [r.observer for r in honest] == ["white-box", "every-step"]
    assert not any(r.violated for r in honest)
    assert all(r.audit.epsilon < r.epsilon for r in honest)
    for r in broken:
        assert r.violated and r.audit.epsilon > 2 * r.epsilon and r.detectable()
        assert r.findings(0.95)[0].outcome == "holds"
        assert r.audit.epsilon <= r.audit.ceiling + 1e-9
    assert broken[1].auc > 0.99  # every step sees each draw of the canary


@pytest.mark.slow
def test_black_box_mislabeled_canaries_catch_disabled_noise():
    """Accounted as σ = 200 (ε = 0.29), trained without noise: the loss of 200 mislabeled
    canaries proves ε > 1 (measured 1.36); honest training is not flagged."""
    data = one_run_data(BLACK_BOX, jax.random.key(0))
    (broken,) = one_run_sigma(BLACK_BOX, data, jax.random.key(1), 200.0, train_sigma=0.0)
    (honest,) = one_run_sigma(BLACK_BOX, data, jax.random.key(1), 200.0)
    assert broken.observer == "black-box" and broken.violated and broken.audit.epsilon > 1.0
    assert not honest.violated


def test_bad_combinations_are_one_line_errors():
    with pytest.raises(UserError, match="need mode='one-run'"):
        DPAuditConfig(canary="gradient")
    with pytest.raises(UserError, match="observer 'white-box' is not allowed for input"):
        DPAuditConfig(mode="one-run", canary="input", observers=("white-box",))
    with pytest.raises(UserError, match="train_sigma=-2 is not allowed"):
        DPAuditConfig(train_sigma=-2)
    with pytest.raises(UserError, match="mode='one run' is unknown"):
        DPAuditConfig(mode="one run")
    assert DPAuditConfig().num_canaries == 16
    assert DPAuditConfig(mode="one-run").num_canaries == 1000
    assert (DPAuditConfig().canary, DPAuditConfig(mode="one-run").canary) == (
        "mislabeled", "gradient")
    with pytest.raises(UserError, match="1256 exceeds the 1200 training digits"):
        DPAuditConfig(mode="one-run", canary="mislabeled")
    config = DPAuditConfig(mode="one-run", dataset="mixture")
    with pytest.raises(UserError, match="num_canaries=1000 exceeds the 610 parameters"):
        one_run_sigma(config, one_run_data(config, jax.random.key(0)), jax.random.key(1), 1.0)


def test_cli_one_run_smoke_writes_every_output(tmp_path):
    out = tmp_path / "run"
    res = run_mis("dpaudit", "--smoke", "--mode", "one-run", "--canary", "gradient",
                  "--dataset", "mixture", "--num-canaries", "64", "--train-sigma", "0",
                  "--out", out)
    assert res.returncode == 0, res.stderr
    assert {"dpaudit.csv", "epsilon_vs_sigma.png", "report.md", "results.json"} <= {
        p.name for p in out.iterdir()}
    rows = list(csv.DictReader((out / "dpaudit.csv").read_text().splitlines()))
    assert [(r["sigma"], r["observer"]) for r in rows] == [
        ("0.0", "white-box"), ("0.0", "every-step"), ("2.0", "white-box"),
        ("2.0", "every-step")]
    for r in rows:  # the planted violation: every σ trained without noise
        assert r["train_sigma"] == "0.0"
        assert 0 <= float(r["eps_one_run"]) <= float(r["ceiling"])
        assert int(r["num_canaries"]) == 64
    record = json.loads((out / "results.json").read_text())
    assert record["provenance"]["config"]["mode"] == "one-run"
    assert "one training run" in (out / "report.md").read_text()
