"""Learners against closed forms, scikit-learn and scipy's optimiser."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.linear_model import Ridge

from mis.data import (
    LinearTask,
    make_gaussian_mixture,
    sample_gaussian_mixture,
    sample_linear_regression,
    sample_sphere_regression,
)
from mis.shadow import MeanLearner, MLPLearner, RidgeLearner, softmax_regression


def test_mean_learner_is_the_member_mean(key):
    x = jax.random.normal(key, (30, 4))
    w = (jnp.arange(30) % 3 == 0).astype(jnp.float32)
    params = MeanLearner().fit(key, type("D", (), {"x": x, "y": None})(), w)
    np.testing.assert_allclose(params["mean"], np.asarray(x)[::3].mean(0), rtol=1e-5)


def test_ridge_matches_sklearn_on_members(key):
    data = sample_linear_regression(key, 200, task=LinearTask(jnp.arange(5.0), 0.5))
    w = (jnp.arange(200) % 2).astype(jnp.float32)
    ours = RidgeLearner(l2=3.0).fit(key, data, w)["theta"]
    keep = np.asarray(w) > 0
    sk = Ridge(alpha=3.0, fit_intercept=False).fit(np.asarray(data.x)[keep],
                                                   np.asarray(data.y)[keep])
    np.testing.assert_allclose(ours, sk.coef_, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("c", [2, 3])  # 2: the margin path of MLPLearner.loss
def test_softmax_regression_reaches_the_optimum_found_by_scipy(c, key):
    data_key, fit_key = jax.random.split(key)
    task = make_gaussian_mixture(data_key, d=3, k_modes=3, num_classes=c, separation=2.0)
    data = sample_gaussian_mixture(data_key, 150, task=task)
    w = (jnp.arange(150) % 3 != 0).astype(jnp.float32)
    l2 = 0.05
    learner = softmax_regression(c, steps=3000, learning_rate=0.05, l2=l2)
    with jax.enable_x64(True):
        x64, y, w64 = np.asarray(data.x, np.float64), np.asarray(data.y), np.asarray(w, np.float64)
        ours = jax.jit(lambda k: learner.fit(k, type(data)(jnp.asarray(x64), jnp.asarray(y)),
                                             jnp.asarray(w64)))(fit_key)

    def objective(flat):  # the same objective, written independently
        kernel, bias = flat[:3 * c].reshape(3, c), flat[3 * c:]
        z = x64 @ kernel + bias
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        nll = -(w64 * logp[np.arange(150), y]).sum() / w64.sum()
        return nll + 0.5 * l2 * (flat**2).sum()

    best = minimize(objective, np.zeros(4 * c), method="BFGS", options={"gtol": 1e-10})
    layer = ours["layers"][0]
    got = np.concatenate([np.asarray(layer["kernel"]).ravel(), np.asarray(layer["bias"])])
    np.testing.assert_allclose(got, best.x, atol=2e-4)


@pytest.mark.parametrize("hidden", [(), (5,)])
def test_two_class_margin_loss_equals_the_softmax_cross_entropy_and_its_gradient(hidden, key):
    """MLPLearner.loss takes the margin path for two classes; the reference is the two-column
    log-sum-exp of predict's logits, written in NumPy (value) and differentiated by JAX through
    optax's general softmax cross-entropy (gradient), in float64."""
    learner = MLPLearner(hidden=hidden, num_outputs=2)
    with jax.enable_x64(True):
        params = jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), learner.init(key, 4))
        x = jax.random.normal(jax.random.fold_in(key, 1), (40, 4), jnp.float64) * 3
        y = jnp.arange(40) % 2
        z = np.asarray(learner.predict(params, x))
        top = z.max(1, keepdims=True)
        want = (top[:, 0] + np.log(np.exp(z - top).sum(1))) - z[np.arange(40), np.asarray(y)]
        np.testing.assert_allclose(learner.loss(params, x, y), want, rtol=1e-12, atol=1e-12)
        general = lambda p: jnp.sum(learner.output_loss(learner.predict(p, x), x, y) * (y + 1))
        margin = lambda p: jnp.sum(learner.loss(p, x, y) * (y + 1))
        for a, b in zip(jax.tree.leaves(jax.grad(margin)(params)),
                        jax.tree.leaves(jax.grad(general)(params)), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_two_class_margin_loss_is_finite_for_huge_margins():
    """float32, margins ±2000: the loss is |m| or 0 and its gradient in the margin 1 or 0."""
    learner = MLPLearner(hidden=(), num_outputs=2)
    params = {"layers": {0: {"kernel": jnp.array([[0.0, 1000.0]]), "bias": jnp.zeros(2)}}}
    x, y = jnp.array([[2.0], [-2.0], [2.0], [-2.0]]), jnp.array([1, 1, 0, 0])
    np.testing.assert_allclose(learner.loss(params, x, y), [0.0, 2000.0, 2000.0, 0.0])
    grad = jax.grad(lambda p: learner.loss(p, x, y).sum())(params)["layers"][0]["kernel"]
    np.testing.assert_allclose(grad, [[-4.0, 4.0]])  # the two wrong rows, ∂ℓ/∂W₁ = 2 each


@pytest.mark.parametrize("batch_size", [None, 32])
def test_mlp_regression_fits_the_sphere_function(batch_size, key):
    data = sample_sphere_regression(key, 300, d=5, noise=0.05)
    learner = MLPLearner(hidden=(32, 32), task="regression", steps=400, learning_rate=1e-2,
                         batch_size=batch_size)
    params = jax.jit(lambda k: learner.fit(k, data, jnp.ones(300)))(key)
    init = learner.init(jax.random.split(key)[0], 5)
    before = float(learner.loss(init, data.x, data.y).mean())
    after = float(learner.loss(params, data.x, data.y).mean())
    assert after < 0.25 * before and after < 0.05


def test_bad_learner_configs():
    with pytest.raises(ValueError, match="task"):
        MLPLearner(task="ranking")
    with pytest.raises(ValueError, match="optimizer"):
        MLPLearner(optimizer="lion")


def test_mlp_features_are_the_last_hidden_layer_computed_in_numpy(key):
    learner = MLPLearner(hidden=(7, 5), num_outputs=3)
    params = learner.init(key, 4)
    x = np.asarray(jax.random.normal(jax.random.fold_in(key, 1), (6, 4)))
    h = x
    for i in range(2):
        h = np.maximum(h @ np.asarray(params["layers"][i]["kernel"])
                       + np.asarray(params["layers"][i]["bias"]), 0)
    np.testing.assert_allclose(learner.features(params, jnp.asarray(x)), h, rtol=1e-5,
                               atol=1e-6)
    out = h @ np.asarray(params["layers"][2]["kernel"]) + np.asarray(params["layers"][2]["bias"])
    np.testing.assert_allclose(learner.predict(params, jnp.asarray(x)), out, rtol=1e-5,
                               atol=1e-5)
