"""Generators against scipy densities and closed-form moments (seeded; tolerances from SEs)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from mis.data import (
    GaussianTask,
    LinearTask,
    LogisticTask,
    gaussian_distribution,
    linear_log_prob,
    logistic_log_prob,
    make_gaussian_mixture,
    mixture_distribution,
    mixture_log_prob,
    sample_categorical,
    sample_gaussian,
    sample_gaussian_mixture,
    sample_linear_regression,
    sample_logistic,
    sample_sphere_regression,
)

# Each statistical check below uses 5 SE (two-sided false failure ~6e-7 per compared number).


def test_gaussian_moments_and_density(key):
    task = GaussianTask(jnp.array([1.0, -2.0, 0.5]), 2.0)
    data = sample_gaussian(key, 20_000, task=task)
    se = 2.0 / math.sqrt(20_000)
    assert np.all(np.abs(np.asarray(data.x.mean(0)) - np.asarray(task.mean)) < 5 * se)
    x = np.asarray(data.x[:5])
    want = stats.multivariate_normal(np.asarray(task.mean), 4.0 * np.eye(3)).logpdf(x)
    np.testing.assert_allclose(gaussian_distribution(task).log_prob(data.x[:5]), want, rtol=1e-5)


def test_mixture_density_matches_scipy_and_labels_follow_modes(key):
    task_key, data_key = jax.random.split(key)
    task = make_gaussian_mixture(task_key, d=6, k_modes=4, num_classes=2, sigma=0.7)
    data = sample_gaussian_mixture(data_key, 4000, task=task)
    means, labels = np.asarray(task.means), np.asarray(task.labels)
    x, y = np.asarray(data.x[:20]), np.asarray(data.y[:20])
    comps = np.stack([stats.multivariate_normal(m, 0.49 * np.eye(6)).logpdf(x) for m in means], 1)
    joint = logsumexp(np.where(labels[None] == y[:, None], comps, -np.inf), axis=1) - np.log(4)
    np.testing.assert_allclose(mixture_log_prob(task, data.x[:20], data.y[:20]), joint, rtol=1e-5)
    np.testing.assert_allclose(mixture_distribution(task).log_prob(data.x[:20]),
                               logsumexp(comps, axis=1) - np.log(4), rtol=1e-5)
    frac = float(jnp.mean(data.y == 1))
    assert abs(frac - 0.5) < 5 * math.sqrt(0.25 / 4000)
    # calibration: the Bayes classifier's accuracy equals its mean confidence (SE from n)
    joint_all = jnp.stack([mixture_log_prob(task, data.x, jnp.full((4000,), c)) for c in (0, 1)])
    post = jax.nn.softmax(joint_all, axis=0)
    hit = np.asarray(post.argmax(0) == data.y, np.float64)
    conf = np.asarray(post.max(0), np.float64)
    assert abs(hit.mean() - conf.mean()) < 5 * hit.std() / np.sqrt(4000)
    # power: labels rolled by one (wrong labels) break it
    wrong = np.asarray(post.argmax(0) == jnp.roll(data.y, 1), np.float64)
    assert abs(wrong.mean() - conf.mean()) > 5 * hit.std() / np.sqrt(4000)


def test_linear_regression_recovers_theta(key):
    theta = jnp.array([1.0, -0.5, 2.0])
    data = sample_linear_regression(key, 20_000, task=LinearTask(theta, 0.3))
    x, y = np.asarray(data.x, np.float64), np.asarray(data.y, np.float64)
    fit = np.linalg.lstsq(x, y, rcond=None)[0]
    se = 0.3 / math.sqrt(20_000)  # x has unit variance
    assert np.all(np.abs(fit - np.asarray(theta)) < 5 * se * 1.1)
    resid = y - x @ np.asarray(theta)
    assert abs(resid.std() - 0.3) < 5 * 0.3 / math.sqrt(2 * 20_000)
    lp = stats.norm(x[:3] @ np.asarray(theta), 0.3).logpdf(y[:3]) + stats.norm.logpdf(
        x[:3]).sum(1)
    np.testing.assert_allclose(linear_log_prob(LinearTask(theta, 0.3), data.x[:3], data.y[:3]),
                               lp, rtol=1e-5)


def test_logistic_data_has_the_right_conditional_law(key):
    theta = jnp.array([1.5, -1.0])
    task = LogisticTask(theta)
    data = sample_logistic(key, 20_000, task=task)
    p = 1 / (1 + np.exp(-(np.asarray(data.x) @ np.asarray(theta))))
    # E[y - p(x)] = 0 with SE <= 0.5/sqrt(n)
    assert abs(float(np.mean(np.asarray(data.y) - p))) < 5 * 0.5 / math.sqrt(20_000)
    y3 = np.asarray(data.y[:3])
    want = stats.bernoulli(p[:3]).logpmf(y3) + stats.norm.logpdf(np.asarray(data.x[:3])).sum(1)
    np.testing.assert_allclose(logistic_log_prob(task, data.x[:3], data.y[:3]), want, rtol=1e-5)


def test_sphere_regression(key):
    data = sample_sphere_regression(key, 10_000, d=10, noise=0.1)
    np.testing.assert_allclose(jnp.linalg.norm(data.x, axis=1), 1.0, rtol=1e-5)
    resid = np.asarray(data.y - jnp.sin(jnp.pi * data.x[:, 0]))
    assert abs(resid.std() - 0.1) < 5 * 0.1 / math.sqrt(2 * 10_000)
    # x_1 on S^9 has mean 0 and variance 1/d
    assert abs(float(jnp.mean(data.x[:, 0]))) < 5 * math.sqrt(0.1 / 10_000)


def test_categorical_frequencies(key):
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    data = sample_categorical(key, 40_000, probs=probs)
    counts = np.bincount(np.asarray(data.y), minlength=4)
    assert stats.chisquare(counts, 40_000 * probs).pvalue > 1e-4
    np.testing.assert_array_equal(np.asarray(data.x).argmax(1), np.asarray(data.y))


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_bad_n(n, key):
    with pytest.raises(ValueError, match="positive integer"):
        sample_sphere_regression(key, n)
