"""Validation-tuned recipes: early stopping on a constructed curve, the L2 grid against a
brute-force loop, the checkpoint reproduced by training that many steps, the split."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.data import Dataset, make_gaussian_mixture, sample_gaussian_mixture
from mis.errors import UserError
from mis.shadow import (
    MLPLearner,
    early_stopping_step,
    fit_with_curve,
    tune_l2,
    tuned_learner,
    validation_split,
)


@pytest.mark.parametrize("curve, step", [
    ([5.0, 4.0, 3.0, 2.5, 2.6, 2.4, 3.0], 6),
    ([1.0, 2.0, 3.0], 1),
    ([3.0, 2.0, 2.0, 2.5], 2),          # the first of tied minima
    ([np.nan, 4.0, np.inf, 3.5, 3.6], 4),  # non-finite never wins
])
def test_early_stopping_stops_at_the_first_minimum_of_the_curve(curve, step):
    assert early_stopping_step(curve) == step


def test_an_all_nan_curve_is_a_user_error():
    with pytest.raises(UserError, match="non-finite"):
        early_stopping_step([np.nan, np.nan])


@pytest.fixture(scope="module")
def data():
    task = make_gaussian_mixture(jax.random.key(0), d=12, k_modes=4)
    drawn = sample_gaussian_mixture(jax.random.key(1), 160, task=task)
    fit, val = validation_split(jax.random.key(2), 160, 0.25)
    return (Dataset(drawn.x[fit], drawn.y[fit]), Dataset(drawn.x[val], drawn.y[val]))


def test_the_l2_grid_selection_equals_a_brute_force_loop(data):
    fit, val = data
    learner = MLPLearner(hidden=(16,), steps=80, learning_rate=0.05)
    grid = (0.0, 1e-3, 1e-2, 3e-1)
    key = jax.random.key(3)
    got = tune_l2(learner, key, fit, val, grid)
    curves, best = [], []
    for l2 in grid:  # brute force: one model at a time, minimum of each curve
        _, curve = jax.jit(lambda k, lam: fit_with_curve(learner, k, fit, jnp.ones(
            fit.x.shape[0]), val, {"l2": lam}))(key, jnp.float32(l2))
        curves.append(np.asarray(curve))
        best.append(float(np.min(curve)))
    np.testing.assert_allclose(got.curves, np.array(curves), rtol=1e-5, atol=1e-6)
    pick = int(np.argmin(best))
    assert got.l2 == grid[pick]
    assert got.steps == int(np.argmin(curves[pick])) + 1
    assert 1 <= got.steps <= learner.steps
    assert len(set(np.round(got.best, 6))) > 1  # the grid matters on this data


def test_training_that_many_steps_reproduces_the_checkpoint(data):
    fit, val = data
    learner = MLPLearner(hidden=(16,), steps=60, learning_rate=0.05, l2=1e-3)
    key = jax.random.key(4)
    weights = jnp.ones(fit.x.shape[0])
    params, curve = jax.jit(lambda k: fit_with_curve(learner, k, fit, weights, val))(key)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7),
                 params, learner.fit(key, fit, weights))
    tuning = tune_l2(learner, key, fit, val, (1e-3,))
    short = tuned_learner(learner, tuning)
    head = short.fit(key, fit, weights)
    val_loss = float(jnp.mean(short.loss(head, val.x, val.y)))
    assert val_loss == pytest.approx(float(curve[tuning.steps - 1]), rel=1e-5)
    assert val_loss == pytest.approx(float(np.min(curve)), rel=1e-5)


def test_validation_split_is_seeded_disjoint_and_sized():
    fit, val = validation_split(jax.random.key(5), 50, 0.2)
    assert not np.any(fit & val) and np.all(fit | val) and val.sum() == 10
    again, _ = validation_split(jax.random.key(5), 50, 0.2)
    np.testing.assert_array_equal(fit, again)
    with pytest.raises(UserError, match="validation fraction 1.5"):
        validation_split(jax.random.key(5), 50, 1.5)
