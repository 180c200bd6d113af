"""DP-SGD: per-example gradients, clipping (against optax), noise scale, Poisson sampling,
the no-noise/no-clip limit, and dp_epsilon (against dp_accounting and the exact Gaussian)."""

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import optimize, stats

from mis.data import make_gaussian_mixture, sample_gaussian_mixture
from mis.errors import UserError
from mis.shadow import (
    DPSGD,
    MLPLearner,
    clip_gradients,
    dp_epsilon,
    dp_epsilon_rdp,
    dp_gradient,
    log_a,
    per_example_gradients,
)

LEARNER = MLPLearner(hidden=(6,), steps=20, learning_rate=0.05, optimizer="sgd")


def _setup(key, n=30, d=4):
    task = make_gaussian_mixture(jax.random.fold_in(key, 1), d=d, k_modes=4)
    data = sample_gaussian_mixture(key, n, task=task)
    return data, LEARNER.init(jax.random.fold_in(key, 2), d)


def test_per_example_gradients_equal_a_loop(key):
    data, params = _setup(key)
    grads = per_example_gradients(LEARNER.loss, params, data.x, data.y)
    for i in (0, 7, 29):
        one = jax.grad(lambda p, i=i: LEARNER.loss(p, data.x[i:i + 1], data.y[i:i + 1])[0])(params)
        jax.tree.map(lambda a, b, i=i: np.testing.assert_allclose(a[i], b, rtol=1e-5, atol=1e-7),
                     grads, one)


@pytest.mark.parametrize("clip", [0.05, 0.5, 100.0])
def test_clipped_gradients_have_norm_at_most_c_and_sum_as_optax(key, clip):
    data, params = _setup(key)
    grads = per_example_gradients(LEARNER.loss, params, data.x, data.y)
    clipped, norms = clip_gradients(grads, clip)
    after = np.sqrt(sum(np.sum(np.asarray(a).reshape(30, -1) ** 2, 1)
                        for a in jax.tree.leaves(clipped)))
    assert np.all(after <= clip * (1 + 1e-6))
    small = np.asarray(norms) <= clip  # unclipped examples are untouched
    np.testing.assert_allclose(after[small], np.asarray(norms)[small], rtol=1e-6)
    np.testing.assert_allclose(after[~small], clip, rtol=1e-6)
    total = jax.tree.map(lambda a: a.sum(0), clipped)
    want, _ = optax.per_example_global_norm_clip(jax.tree.leaves(grads), clip)
    for a, b in zip(jax.tree.leaves(total), want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_no_noise_no_clipping_full_batch_is_plain_gradient_descent(key):
    data, _ = _setup(key)
    weights = (jax.random.uniform(key, (30,)) < 0.6).astype(jnp.float32)
    dp = dataclasses.replace(LEARNER, dp=DPSGD(clip_norm=math.inf, noise_multiplier=0.0))
    for learner in (dataclasses.replace(LEARNER, l2=0.1), LEARNER):
        a = learner.fit(key, data, weights)
        b = dataclasses.replace(dp, l2=learner.l2).fit(key, data, weights)
        jax.tree.map(lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6), a, b)


def test_noise_standard_deviation_is_sigma_c(key):
    """With no member the DP gradient is pure noise / max(Σw, 1) = N(0, (σC)²) per entry. Over
    K = 400 keys x 50 parameters (20,000 draws) the sample standard deviation has relative
    standard error 1/sqrt(2·20,000) = 0.5 %; we allow 5 SE."""
    data, params = _setup(key)
    dp = DPSGD(clip_norm=0.7, noise_multiplier=1.3)
    keys = jax.random.split(key, 400)
    g = jax.vmap(lambda k: dp_gradient(k, LEARNER.loss, params, data.x, data.y,
                                       jnp.zeros(30), dp))(keys)
    draws = np.concatenate([np.asarray(a).reshape(400, -1) for a in jax.tree.leaves(g)], 1)
    se = 1 / math.sqrt(2 * draws.size)
    assert abs(draws.std() / (1.3 * 0.7) - 1) < 5 * se
    assert abs(draws.mean()) < 5 * 1.3 * 0.7 / math.sqrt(draws.size)


def test_poisson_sampling_is_unbiased(key):
    """σ = 0: with rate q each member is in the step's batch with probability q and the sum is
    divided by q Σw, so the mean over keys is the full-batch clipped mean. Tolerance: 5 SE of
    the mean over 2,000 keys, per coordinate."""
    data, params = _setup(key)
    weights = jnp.ones(30)
    dp = DPSGD(clip_norm=0.5, noise_multiplier=0.0, sample_rate=0.3)
    keys = jax.random.split(key, 2000)
    g = jax.vmap(lambda k: dp_gradient(k, LEARNER.loss, params, data.x, data.y, weights,
                                       dp))(keys)
    clipped, _ = clip_gradients(per_example_gradients(LEARNER.loss, params, data.x, data.y),
                                0.5)
    for a, c in zip(jax.tree.leaves(g), jax.tree.leaves(clipped), strict=True):
        want = np.asarray(c).mean(0)
        mean, se = np.asarray(a).mean(0), np.asarray(a).std(0) / math.sqrt(2000)
        assert np.all(np.abs(mean - want) <= 5 * se + 1e-7)


def _exact_one_step_epsilon(sigma, q, delta):
    """The exact ε of one Poisson-subsampled Gaussian step (add or remove one example): the
    hockey-stick divergence of P = (1−q)N(0,σ²) + qN(1,σ²) against Q = N(0,σ²) in both
    directions, in closed form (the likelihood ratio is monotone in z), solved for δ."""
    def curve(e):
        t = math.exp(e)
        z = sigma**2 * math.log((t - (1 - q)) / q) + 0.5
        d1 = ((1 - q) * stats.norm.sf(z / sigma) + q * stats.norm.sf((z - 1) / sigma)
              - t * stats.norm.sf(z / sigma))
        d2 = 0.0
        if math.exp(-e) > 1 - q:
            z2 = sigma**2 * math.log((math.exp(-e) - (1 - q)) / q) + 0.5
            d2 = stats.norm.cdf(z2 / sigma) - t * ((1 - q) * stats.norm.cdf(z2 / sigma)
                                                    + q * stats.norm.cdf((z2 - 1) / sigma))
        return max(d1, d2) - delta
    return optimize.brentq(curve, 1e-9, 60)


def _binomial_log_a(order, sigma, q):
    k = np.arange(order + 1)
    from scipy.special import gammaln, logsumexp
    return float(logsumexp(gammaln(order + 1) - gammaln(k + 1) - gammaln(order - k + 1)
                           + (order - k) * math.log1p(-q) + k * math.log(q)
                           + (k * k - k) / (2 * sigma**2)))


def test_pld_epsilon_against_exact_computations():
    # one step: the exact ε by the closed-form hockey stick; PLD is pessimistic (an upper
    # bound) and its discretization costs at most a few 1e-3 here
    for sigma, q in ((1.0, 0.25), (0.5, 0.25), (2.0, 0.1)):
        exact = _exact_one_step_epsilon(sigma, q, 1e-5)
        got = dp_epsilon(sigma, q, 1, 1e-5)
        assert exact - 1e-9 <= got <= exact + 5e-3, (sigma, q, got, exact)
    # full batch: T Gaussian steps = one Gaussian mechanism with mu = sqrt(T)/sigma, whose exact
    # curve is delta(eps) = Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2) (Balle & Wang 2018)
    sigma, steps, delta = 4.0, 50, 1e-5
    mu = math.sqrt(steps) / sigma
    curve = lambda e: (stats.norm.cdf(-e / mu + mu / 2)
                       - math.exp(e) * stats.norm.cdf(-e / mu - mu / 2) - delta)
    exact = optimize.brentq(curve, 1e-6, 50)
    assert exact - 1e-9 <= dp_epsilon(sigma, 1.0, steps, delta) <= exact + 5e-3
    assert dp_epsilon(0.0, 0.1, 10, 1e-5) == math.inf
    assert dp_epsilon(2.0, 0.01, 100, 1e-5) < dp_epsilon(1.0, 0.01, 100, 1e-5)


def test_rdp_over_real_orders_against_the_binomial_form_and_dp_accounting():
    import dp_accounting
    from dp_accounting.rdp import RdpAccountant

    for order in (2, 3, 8, 32):  # log A_α: numerical integral vs the exact binomial sum
        assert log_a(order, 1.0, 0.25) == pytest.approx(_binomial_log_a(order, 1.0, 0.25),
                                                        rel=1e-9, abs=1e-9)
    orders = list(range(2, 65))  # integer orders: the same ε as dp_accounting's RDP
    acc = RdpAccountant(orders)
    acc.compose(dp_accounting.PoissonSampledDpEvent(0.02, dp_accounting.GaussianDpEvent(1.5)),
                300)
    got = dp_epsilon_rdp(1.5, 0.02, 300, 1e-5, orders=orders)
    assert got == pytest.approx(acc.get_epsilon(1e-5), rel=1e-6)


@pytest.mark.parametrize("sigma, q, steps", [(0.5, 0.25, 100), (1.0, 0.25, 100),
                                             (2.0, 0.25, 100), (4.0, 0.25, 100),
                                             (1.0, 0.1, 4000), (8.0, 0.1, 4000)])
def test_default_settings_pld_is_tighter_than_both_rdp_bounds(sigma, q, steps):
    """The defaults of experiments/dp_audit.toml (q 0.25, 100 steps) and estimate.toml (q 0.1,
    4000 steps): PLD <= RDP over real orders <= dp_accounting's RDP (which drops the
    fractional orders near 1)."""
    import logging

    import dp_accounting
    from dp_accounting.rdp import RdpAccountant

    logging.getLogger("absl").setLevel(logging.ERROR)  # this reference's dropped orders
    acc = RdpAccountant()
    acc.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)),
                steps)
    pld, rdp, reference = (dp_epsilon(sigma, q, steps, 1e-5),
                           dp_epsilon_rdp(sigma, q, steps, 1e-5), acc.get_epsilon(1e-5))
    assert pld <= rdp <= reference + 1e-9
    assert pld >= 0.85 * rdp  # the two bounds of one mechanism stay close


@pytest.mark.parametrize("kwargs,match", [
    (dict(clip_norm=-1.0), "clip_norm=-1.0"), (dict(noise_multiplier=-0.5), "noise_multiplier"),
    (dict(sample_rate=0.0), r"sample_rate=0.0 .* \(0, 1\]"), (dict(sample_rate=1.5), "1.5")])
def test_bad_dp_settings_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        DPSGD(**kwargs)


@pytest.mark.parametrize("args,match", [((1.0, 0.1, 10, 0.0), "delta=0.0"),
                                        ((1.0, 0.1, 10, 1.0), "delta=1.0"),
                                        ((1.0, 0.1, 0, 1e-5), "steps=0"),
                                        ((1.0, 1.2, 10, 1e-5), "sample_rate=1.2")])
def test_bad_accounting_arguments_are_user_errors(args, match):
    with pytest.raises(UserError, match=match):
        dp_epsilon(*args)


def test_dp_with_batch_size_is_refused():
    with pytest.raises(ValueError, match="leave batch_size=None"):
        MLPLearner(batch_size=8, dp=DPSGD())


@pytest.mark.parametrize("block", [1, 7, 30, 64])
def test_blocked_sampled_gradient_equals_the_dense_sum(key, block):
    """The while-loop over blocks of sampled examples gives the sum a dense computation over the
    whole pool gives (the same Poisson sample: same key)."""
    data, params = _setup(key)
    weights = (jax.random.uniform(jax.random.fold_in(key, 5), (30,)) < 0.6).astype(jnp.float32)
    dp = DPSGD(clip_norm=0.3, noise_multiplier=0.0, sample_rate=0.5)
    got = dp_gradient(key, LEARNER.loss, params, data.x, data.y, weights, dp, block=block)
    take = weights * jax.random.bernoulli(jax.random.split(key)[0], 0.5, (30,))
    clipped, _ = clip_gradients(per_example_gradients(LEARNER.loss, params, data.x, data.y),
                                0.3)
    want = jax.tree.map(lambda a: jnp.tensordot(take, a, axes=1) / (0.5 * weights.sum()),
                        clipped)
    jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7), got, want)
