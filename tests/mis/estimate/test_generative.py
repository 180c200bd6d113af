"""The generative models behind `mis estimate`: the VAE's −ELBO against a direct NumPy/numpyro
computation, the mixture's density against numpyro and EM's monotone likelihood, and a VAE
trained longer leaking more."""

import jax
import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
import pytest

from mis.data import load_digits
from mis.generative import VAELearner, fit_gmm, gmm_log_prob
from mis.shadow import DPSGD
from mis.tv import ks_estimate


def _relu(x):
    return np.maximum(x, 0)


def test_neg_elbo_equals_a_direct_computation(key):
    learner = VAELearner(hidden=16, latent=3, pixel_scale=0.2)
    params = learner.init(key, 64)
    x = np.asarray(load_digits("train").x[:2]).reshape(2, 64)
    eps = np.asarray(jax.random.normal(jax.random.key(1), (2, 3)))
    got = np.asarray(learner.neg_elbo(params, jnp.asarray(x), jnp.asarray(eps)))
    p = jax.tree.map(np.asarray, params)
    for i in range(2):
        h = _relu(x[i] @ p["enc"]["kernel"] + p["enc"]["bias"])
        out = h @ p["enc_out"]["kernel"] + p["enc_out"]["bias"]
        mean, log_var = out[:3], out[3:]
        z = mean + np.exp(0.5 * log_var) * eps[i]
        recon = _relu(z @ p["dec"]["kernel"] + p["dec"]["bias"]) @ p["dec_out"]["kernel"] \
            + p["dec_out"]["bias"]
        log_lik = float(dist.Normal(recon, 0.2).log_prob(x[i]).sum())
        kl = float(dist.kl_divergence(dist.Normal(mean, np.exp(0.5 * log_var)),
                                      dist.Normal(0.0, 1.0)).sum())
        assert got[i] == pytest.approx(kl - log_lik, rel=1e-5)
    # S draws: the mean of the single-draw values
    eps3 = np.stack([eps, 2 * eps], axis=1)
    both = learner.neg_elbo(params, jnp.asarray(x), jnp.asarray(eps3))
    single = [learner.neg_elbo(params, jnp.asarray(x), jnp.asarray(e)) for e in (eps, 2 * eps)]
    np.testing.assert_allclose(both, (single[0] + single[1]) / 2, rtol=1e-5)


def test_mixture_density_equals_numpyro_and_em_never_decreases(key):
    x = jnp.asarray(load_digits("train").x[:120]).reshape(120, 64)
    weights = (jnp.arange(120) < 80).astype(jnp.float32)
    gmm, trace = fit_gmm(key, x, weights, components=5, iterations=30)
    trace = np.asarray(trace)
    assert np.all(np.diff(trace) >= -1e-4 * np.abs(trace[:-1]))
    mixture = dist.MixtureSameFamily(
        dist.Categorical(logits=gmm.log_weights),
        dist.Independent(dist.Normal(gmm.means, jnp.sqrt(gmm.variances)), 1))
    np.testing.assert_allclose(gmm_log_prob(gmm, x), mixture.log_prob(x), rtol=1e-5)
    assert float(jnp.min(gmm.variances)) >= 1e-2 - 1e-7
    # the weighted mean log-likelihood reported is the members' (weights 1)
    assert trace[-1] == pytest.approx(float(jnp.mean(gmm_log_prob(gmm, x[:80]))), rel=1e-5)


@pytest.mark.slow
def test_a_vae_trained_longer_leaks_more(key):
    """50 members, 10 vs 3000 full-batch steps; query: reconstruction error. The KS interval
    after 3000 steps lies above the one after 10 (fixed seed; the intervals are the tolerance)."""
    x = jnp.asarray(np.concatenate([load_digits("train").x[:50], load_digits("test").x]))
    x = x.reshape(-1, 64)
    weights = (jnp.arange(x.shape[0]) < 50).astype(jnp.float32)
    learner = VAELearner(hidden=64, latent=4)
    params = learner.init(key, 64)
    early, state = learner.train(jax.random.key(1), params, None, x, weights, 10)
    late, _ = learner.train(jax.random.key(2), early, state, x, weights, 2990)
    ks = [ks_estimate(-learner.reconstruction_error(p, x)[:50],
                      -learner.reconstruction_error(p, x)[50:]) for p in (early, late)]
    assert ks[1].lower > ks[0].upper, ks


def test_dp_vae_trains_and_clips(key):
    """DP-SGD steps run through the same loop (Poisson batches, clipping, noise) and leave finite
    parameters; with σ = 0 and C huge and q = 1 the step equals the plain weighted gradient."""
    x = jnp.asarray(load_digits("train").x[:20]).reshape(20, 64)
    w = jnp.ones(20)
    plain = VAELearner(hidden=8, latent=2, learning_rate=1e-2)
    dp = VAELearner(hidden=8, latent=2, learning_rate=1e-2, dp=DPSGD(1e6, 0.0, 1.0))
    p0 = plain.init(key, 64)
    a, _ = plain.train(jax.random.key(3), p0, None, x, w, 3)
    b, _ = dp.train(jax.random.key(3), p0, None, x, w, 3)
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        np.testing.assert_allclose(u, v, rtol=2e-3, atol=2e-5)
    noisy = VAELearner(hidden=8, latent=2, dp=DPSGD(1.0, 1.0, 0.5))
    c, _ = noisy.train(jax.random.key(3), p0, None, x, w, 3)
    assert all(bool(jnp.all(jnp.isfinite(leaf))) for leaf in jax.tree.leaves(c))
