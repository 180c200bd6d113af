"""The recording / censoring learner: its trace against its records, censoring exactly after
the budget, the engine against one run, and refusals."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.data import make_gaussian_mixture, sample_gaussian_mixture
from mis.errors import UserError
from mis.shadow import DPSGD, ConvLearner, MLPLearner, train_shadow_models
from mis.uniqueness import UniquenessLearner


@pytest.fixture(scope="module")
def pool():
    task = make_gaussian_mixture(jax.random.key(0), d=6, k_modes=4)
    return sample_gaussian_mixture(jax.random.key(1), 40, task=task)


def _learner(budget=math.inf, steps=25):
    return UniquenessLearner(MLPLearner(hidden=(8,), steps=steps, learning_rate=0.05),
                             batch_size=6, ridge=1e-2, budget=budget)


def _replay(trace, n):
    """Records recomputed from the per-step trace with NumPy."""
    idx, valid, g = (np.asarray(a) for a in trace)
    cum, count = np.zeros(n), np.zeros(n)
    for t in range(idx.shape[0]):
        for j in range(idx.shape[1]):
            if valid[t, j]:
                i = idx[t, j]
                cum[i] += 0.5 * np.log1p(np.float64(g[t, j]))
                count[i] += 1
    return cum, count


def test_records_are_the_sum_of_the_trace_and_only_members_train(pool):
    weights = (jnp.arange(40) % 3 != 0).astype(jnp.float32)
    _, records, trace = jax.jit(_learner().fit_trace)(jax.random.key(2), pool, weights)
    cum, count = _replay(trace, 40)
    np.testing.assert_allclose(records.cumulative, cum, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(records.count, count)
    used = np.unique(np.asarray(trace.index)[np.asarray(trace.valid)])
    assert np.all(np.asarray(weights)[used] == 1)
    assert np.all(np.asarray(trace.valid))  # 26 members >= batch 6: every slot is live
    # each step draws distinct members
    assert all(len(set(row)) == len(row) for row in np.asarray(trace.index).tolist())
    assert np.all(np.asarray(records.censored_at) == -1)


def test_censoring_drops_an_example_exactly_after_its_budget(pool):
    budget = 4.0
    weights = jnp.ones(40, jnp.float32)
    _, records, trace = jax.jit(_learner(budget, steps=60).fit_trace)(jax.random.key(3), pool,
                                                                      weights)
    idx, valid, g = (np.asarray(a) for a in trace)
    censored_at = np.asarray(records.censored_at)
    assert (censored_at >= 0).sum() >= 5  # the test exercises censoring
    cum = np.zeros(40)
    for t in range(idx.shape[0]):
        for j in range(idx.shape[1]):
            i = idx[t, j]
            if valid[t, j]:
                # a live slot: never after the step that crossed the budget
                assert censored_at[i] < 0 or t <= censored_at[i]
                assert cum[i] <= budget + 1e-6
                cum[i] += 0.5 * np.log1p(np.float64(g[t, j]))
                if cum[i] > budget * (1 + 1e-6):
                    assert censored_at[i] == t  # crossed at this step
    crossed = cum > budget * (1 + 1e-6)
    np.testing.assert_array_equal(crossed, censored_at >= 0)


def test_the_engine_trains_the_same_runs_as_fit_aux_alone(pool):
    learner = _learner()
    res = train_shadow_models(jax.random.key(4), pool, learner=learner, num_models=4,
                              return_aux=True, return_params=True)
    for m in (0, 3):
        params, records = jax.jit(learner.fit_aux)(res.keys[m], pool, res.mask[m])
        np.testing.assert_allclose(records.cumulative, res.aux.cumulative[m], rtol=1e-4,
                                   atol=1e-4)
        np.testing.assert_array_equal(records.count, res.aux.count[m])
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5),
                     params, jax.tree.map(lambda v, m=m: v[m], res.params))
    # fit (no budget: no per-example gradients) takes the same steps
    plain = jax.jit(learner.fit)(res.keys[1], pool, res.mask[1])
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5),
                 plain, jax.tree.map(lambda v: v[1], res.params))


def test_ghost_and_explicit_kernels_record_the_same_run(pool):
    weights = (jnp.arange(40) % 2 == 0).astype(jnp.float32)
    ghost = UniquenessLearner(_learner().base, batch_size=6, controls=True)
    explicit = UniquenessLearner(_learner().base, batch_size=6, ghost=False, controls=True)
    assert ghost.ghost and not explicit.ghost
    pg, rg = jax.jit(ghost.fit_aux)(jax.random.key(7), pool, weights)
    pe, re_ = jax.jit(explicit.fit_aux)(jax.random.key(7), pool, weights)
    # the pseudo-inverse control is recorded, only for members, and below the ridge form's
    # unbounded part: 8 hidden units, so gradients (P = 6*8+8+8*2+2) exceed the batch of 6
    assert float(jnp.sum(rg.pinv)) > 0 and float(jnp.sum(rg.pinv * (1 - weights))) == 0
    no_controls = jax.jit(_learner().fit_aux)(jax.random.key(7), pool, weights)[1]
    assert float(jnp.sum(no_controls.pinv)) == 0
    np.testing.assert_allclose(no_controls.cumulative, rg.cumulative, rtol=1e-6)
    for field in ("cumulative", "max", "tracin", "count", "pinv"):
        np.testing.assert_allclose(getattr(rg, field), getattr(re_, field), rtol=2e-3, atol=1e-5)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5), pg, pe)


def test_conv_base_uses_the_patch_form_and_trains(pool):
    del pool
    learner = UniquenessLearner(ConvLearner(channels=(2,), steps=3), batch_size=4)
    assert learner.base.fused is False
    x = jax.random.uniform(jax.random.key(5), (10, 8, 8, 1))
    from mis.data import Dataset
    _, records = jax.jit(learner.fit_aux)(jax.random.key(6), Dataset(x, jnp.arange(10)),
                                          jnp.ones(10))
    assert float(records.count.sum()) == 12 and float(records.cumulative.sum()) > 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_size=1), "batch_size=1 is not allowed"),
    (dict(ridge=0.0), "ridge=0.0 is not allowed"),
    (dict(ridge=-1.0), "ridge=-1.0 is not allowed"),
    (dict(budget=0.0), "budget=0.0 is not allowed"),
    (dict(budget=float("nan")), "budget=nan is not allowed"),
    (dict(base=ConvLearner(), ghost=True), "ghost=True needs an MLPLearner base"),
])
def test_bad_values_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        UniquenessLearner(**({"base": MLPLearner()} | kwargs))


def test_base_with_its_own_batches_is_refused():
    with pytest.raises(UserError, match="dp=None and batch_size=None"):
        UniquenessLearner(MLPLearner(dp=DPSGD(1.0, 1.0, 0.5)))
    with pytest.raises(UserError, match="return_aux=True needs a learner with fit_aux"):
        task = make_gaussian_mixture(jax.random.key(0), d=3)
        train_shadow_models(jax.random.key(0), sample_gaussian_mixture(
            jax.random.key(1), 10, task=task), learner=MLPLearner(steps=1), num_models=2,
            return_aux=True)
