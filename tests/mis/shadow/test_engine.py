"""The shadow-model engine: equivalence with one-at-a-time training, sharding, compile count,
signals, quantization, hyper-parameters, progress and input errors."""

import dataclasses
import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.data import Dataset, load_digits, make_gaussian_mixture, sample_gaussian_mixture
from mis.errors import UserError
from mis.quantizers import parse, quantize_tree
from mis.shadow import (
    DPSGD,
    ConvLearner,
    MeanLearner,
    MLPLearner,
    RidgeLearner,
    membership_mask,
    stacked_loss,
    stacked_predict,
    train_shadow_models,
)

SMALL = MLPLearner(hidden=(8,), steps=25, learning_rate=0.05)


def _pool(key, n=40, d=5):
    task = make_gaussian_mixture(jax.random.fold_in(key, 7), d=d, k_modes=4)
    return sample_gaussian_mixture(key, n, task=task)


def test_balanced_mask_puts_every_example_in_half_the_models(key):
    mask = membership_mask(key, 10, 300)
    np.testing.assert_array_equal(mask.sum(0), 5.0)
    assert len({tuple(r) for r in np.asarray(mask)}) == 10
    bern = membership_mask(key, 64, 500, design="bernoulli")
    assert abs(float(bern.mean()) - 0.5) < 5 * 0.5 / np.sqrt(64 * 500)


CONV = ConvLearner(channels=(3, 4), steps=15, learning_rate=0.05)
DP_MLP = dataclasses.replace(SMALL, dp=DPSGD(clip_norm=0.5, noise_multiplier=1.0,
                                             sample_rate=0.5))
DP_CONV = dataclasses.replace(CONV, dp=DPSGD(clip_norm=1.0, noise_multiplier=0.7))


@pytest.mark.parametrize("learner", [SMALL, RidgeLearner(l2=0.5), MeanLearner(), CONV, DP_MLP,
                                     DP_CONV],
                         ids=["mlp", "ridge", "mean", "conv", "dp-mlp", "dp-conv"])
def test_engine_gives_the_models_trained_one_at_a_time(learner, key):
    pool = _pool(key)
    if isinstance(learner, ConvLearner):
        pool = jax.tree.map(lambda a: a[:40], load_digits("train"))
    if isinstance(learner, RidgeLearner):
        pool = Dataset(pool.x, pool.y.astype(jnp.float32))
    # 6 models with batch 2 and chunks of 4: exercises lax.map batching and chunk padding
    res = train_shadow_models(key, pool, learner=learner, num_models=6, batch_size=2,
                              chunk_size=2 * 2 * len(jax.devices()) if len(jax.devices()) > 1
                              else 4)
    fit = jax.jit(lambda k, w: learner.fit(k, pool, w))
    for m in range(6):
        alone = fit(res.keys[m], res.mask[m])
        got = jax.tree.map(lambda a, m=m: a[m], res.params)
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6),
                     got, alone)
    assert res.keys.shape == (6,)
    want = jax.random.fold_in(jax.random.split(key)[1], 3)
    np.testing.assert_array_equal(jax.random.key_data(res.keys[3]), jax.random.key_data(want))


def test_signals_and_quantizer(key):
    pool = _pool(key)
    query = _pool(jax.random.fold_in(key, 1), n=12)
    q = parse("ternary:0.5")
    res = train_shadow_models(key, pool, learner=SMALL, num_models=4, quantizer=q, query=query,
                              return_params=True)
    assert res.logits.shape == (4, 12, 2) and res.losses.shape == (4, 12)
    for m in range(4):
        trained = SMALL.fit(res.keys[m], pool, res.mask[m])
        alone = quantize_tree(q, trained)
        got = jax.tree.map(lambda a, m=m: a[m], res.params)
        kernel = got["layers"][0]["kernel"]
        np.testing.assert_allclose(kernel, alone["layers"][0]["kernel"], rtol=1e-4, atol=1e-6)
        assert len(np.unique(np.asarray(kernel))) <= 3
        # biases stay in full precision: equal to the unquantized model's, and not ternary
        bias = got["layers"][0]["bias"]
        np.testing.assert_allclose(bias, trained["layers"][0]["bias"], rtol=1e-4, atol=1e-6)
        assert len(np.unique(np.asarray(bias))) > 3
        np.testing.assert_allclose(res.losses[m], SMALL.loss(got, query.x, query.y), rtol=1e-5)
    only = train_shadow_models(key, pool, learner=SMALL, num_models=4, query=query)
    assert only.params is None and only.losses.shape == (4, 12)


def test_per_model_hyper_parameters(key):
    pool = _pool(key)
    lrs = jnp.array([0.001, 0.01, 0.1, 0.3])
    res = train_shadow_models(key, pool, learner=SMALL, num_models=4,
                              hyper={"learning_rate": lrs})
    for m in range(4):
        alone = SMALL.fit(res.keys[m], pool, res.mask[m], {"learning_rate": lrs[m]})
        np.testing.assert_allclose(res.params["layers"][1]["kernel"][m],
                                   alone["layers"][1]["kernel"], rtol=2e-5, atol=2e-6)


@dataclasses.dataclass(frozen=True)
class _CountingLearner(MLPLearner):
    def fit(self, key, data, weights, hyper=None):
        _TRACES.append(1)  # runs only while tracing
        return super().fit(key, data, weights, hyper)


_TRACES = []


def test_compiles_once_per_configuration(key):
    learner = _CountingLearner(hidden=(4,), steps=5)
    pool = _pool(key)
    for seed in range(2):  # two calls, each with two chunks of 4 models
        train_shadow_models(jax.random.fold_in(key, seed), pool, learner=learner, num_models=8,
                            batch_size=2, chunk_size=4 if len(jax.devices()) == 1 else 8)
    assert len(_TRACES) == 1


def test_progress_is_reported(key):
    seen = []
    train_shadow_models(key, _pool(key), learner=MeanLearner(), num_models=12, batch_size=2,
                        chunk_size=4 if len(jax.devices()) == 1 else 8,
                        progress=lambda stage, done, total: seen.append((done, total)))
    assert seen[-1] == (12, 12) and [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.parametrize("change, match", [
    (dict(pool=Dataset(jnp.zeros((0, 3)), jnp.zeros((0,)))), "n >= 1"),
    (dict(pool=Dataset(jnp.zeros((5, 3)), jnp.zeros((4,)))), "4"),
    (dict(pool=Dataset(jnp.full((5, 3), jnp.nan), jnp.zeros((5,)))), "non-finite"),
    (dict(num_models=1), "num_models=1"),
    (dict(num_models=5), "even"),
    (dict(mask=jnp.ones((3, 5))), "mask has shape"),
    (dict(query=Dataset(jnp.zeros((2, 4)), jnp.zeros((2,)))), "query shapes"),
    (dict(quantizer=parse("gptq:4")), "calibration"),
    (dict(design="random"), "design"),
    (dict(hyper={"learning_rate": jnp.ones(3)}), "one value per model"),
])
def test_bad_input_is_a_clear_error(change, match, key):
    kwargs = dict(pool=Dataset(jnp.ones((5, 3)), jnp.zeros((5,), jnp.int32)), learner=SMALL,
                  num_models=4)
    kwargs.update(change)
    with pytest.raises(UserError, match=match):
        train_shadow_models(key, **kwargs)


_TWO_DEVICES = textwrap.dedent("""
    import jax, numpy as np
    from mis.data import make_gaussian_mixture, sample_gaussian_mixture
    from mis.shadow import MLPLearner, train_shadow_models
    assert len(jax.devices()) == 2, jax.devices()
    key = jax.random.key(3)
    pool = sample_gaussian_mixture(key, 40, task=make_gaussian_mixture(key, d=5))
    learner = MLPLearner(hidden=(8,), steps=25, learning_rate=0.05)
    run = lambda devs: train_shadow_models(key, pool, learner=learner, num_models=8,
                                           batch_size=2, devices=devs, query=pool,
                                           return_params=True)
    one, two = run(jax.devices()[:1]), run(jax.devices())
    np.testing.assert_array_equal(one.mask, two.mask)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6),
                 (one.params, one.losses), (two.params, two.losses))
    print("same on 1 and 2 devices")
""")


def test_one_and_two_devices_give_the_same_models():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    res = subprocess.run([sys.executable, "-c", _TWO_DEVICES], capture_output=True, text=True,
                         env=env, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "same on 1 and 2 devices" in res.stdout


@pytest.mark.parametrize("learner", [SMALL, RidgeLearner(l2=0.1)], ids=["mlp", "ridge"])
def test_stacked_predict_and_loss_equal_a_loop_over_the_models(key, learner):
    pool = _pool(key)
    if isinstance(learner, RidgeLearner):
        pool = Dataset(pool.x, pool.y.astype(jnp.float32))
    other = _pool(jax.random.fold_in(key, 1), n=13)
    other = Dataset(other.x, other.y.astype(pool.y.dtype))
    res = train_shadow_models(key, pool, learner=learner, num_models=4, return_params=True)
    logits, other_logits = stacked_predict(learner, res.params, pool.x, other.x)
    losses, other_losses = stacked_loss(learner, res.params, pool, other)
    for m in range(4):
        p = jax.tree.map(lambda a, m=m: a[m], res.params)
        for x, out in ((pool.x, logits), (other.x, other_logits)):
            np.testing.assert_allclose(out[m], learner.predict(p, x), rtol=1e-5, atol=1e-6)
        for d, out in ((pool, losses), (other, other_losses)):
            np.testing.assert_allclose(out[m], learner.loss(p, d.x, d.y), rtol=1e-5, atol=1e-6)
    assert logits.shape[:2] == (4, 40) and other_losses.shape == (4, 13)
