"""Synthetic data generators built on numpyro distributions (device, jnp).

Each family is a frozen *task* (a NamedTuple of parameters, e.g. mixture means) with an exact
``log_prob(task, x, y)``, and a sampler ``sample_<family>(key, n, *, task) -> Dataset``. The
exact likelihoods are what the Bayes-optimal attack needs.

Families: isotropic Gaussian (mean estimation, THEORY §3), Gaussian-mixture classification with
``k_modes`` modes in R^d (the source paper's synthetic data, d = 128), linear and logistic
regression, sphere regression ``y = sin(π x_1) + N(0, σ²)`` with ``x`` uniform on the unit
sphere (THEORY §7), and categorical data (THEORY §4).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpyro.distributions as dist


class Dataset(NamedTuple):
    """Examples ``x: [n, d]`` and targets ``y: [n]`` (int labels or float targets)."""

    x: jax.Array
    y: jax.Array


def _check_n(n):
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n={n!r} is not allowed; use a positive integer")


# --- isotropic Gaussian ---------------------------------------------------------------------

class GaussianTask(NamedTuple):
    """``x ~ N(mean, sigma² I_d)``; ``y`` is unused (zeros)."""

    mean: jax.Array
    sigma: float = 1.0


def gaussian_distribution(task: GaussianTask) -> dist.Distribution:
    return dist.Normal(task.mean, task.sigma).to_event(1)


def sample_gaussian(key: jax.Array, n: int, *, task: GaussianTask) -> Dataset:
    """``n`` draws of ``N(mean, σ² I)``."""
    _check_n(n)
    x = gaussian_distribution(task).sample(key, (n,))
    return Dataset(x, jnp.zeros((n,), jnp.int32))


# --- Gaussian mixture classification ----------------------------------------------------------

class MixtureTask(NamedTuple):
    """``k_modes`` equally likely modes ``N(means[j], σ² I)``; mode ``j`` has label
    ``labels[j]``."""

    means: jax.Array  # [k_modes, d]
    labels: jax.Array  # [k_modes] int
    sigma: float


def make_gaussian_mixture(key: jax.Array, *, d: int = 128, k_modes: int = 4, num_classes: int = 2,
                          separation: float = 3.0, sigma: float = 1.0) -> MixtureTask:
    """Mode means drawn ``N(0, (separation²/d) I)`` (so neighbouring modes sit about
    ``separation·√2`` apart in units of ``σ``), labels ``j mod num_classes``."""
    if k_modes < num_classes:
        raise ValueError(f"k_modes={k_modes} must be >= num_classes={num_classes}")
    means = jax.random.normal(key, (k_modes, d)) * separation * sigma / jnp.sqrt(d)
    return MixtureTask(means, jnp.arange(k_modes) % num_classes, sigma)


def mixture_distribution(task: MixtureTask) -> dist.Distribution:
    k = task.means.shape[0]
    return dist.MixtureSameFamily(dist.Categorical(probs=jnp.full((k,), 1.0 / k)),
                                  dist.Normal(task.means, task.sigma).to_event(1))


def sample_gaussian_mixture(key: jax.Array, n: int, *, task: MixtureTask) -> Dataset:
    """``n`` labelled draws: mode uniform, ``x ~ N(means[mode], σ² I)``, ``y = labels[mode]``."""
    _check_n(n)
    mode_key, x_key = jax.random.split(key)
    k, d = task.means.shape
    mode = jax.random.randint(mode_key, (n,), 0, k)
    x = task.means[mode] + task.sigma * jax.random.normal(x_key, (n, d))
    return Dataset(x, task.labels[mode])


def mixture_log_prob(task: MixtureTask, x: jax.Array, y: jax.Array) -> jax.Array:
    """Exact ``log p(x, y)`` (joint over the modes with label ``y``)."""
    comp = dist.Normal(task.means, task.sigma).to_event(1).log_prob(x[..., None, :])
    k = task.means.shape[0]
    same = task.labels == jnp.asarray(y)[..., None]
    return jax.nn.logsumexp(jnp.where(same, comp, -jnp.inf), axis=-1) - jnp.log(k)


# --- linear and logistic regression ------------------------------------------------------------

class LinearTask(NamedTuple):
    """``x ~ N(0, I_d)``, ``y = x·theta + N(0, noise²)``."""

    theta: jax.Array
    noise: float = 1.0


def sample_linear_regression(key: jax.Array, n: int, *, task: LinearTask) -> Dataset:
    _check_n(n)
    x_key, y_key = jax.random.split(key)
    x = jax.random.normal(x_key, (n, task.theta.shape[0]))
    y = dist.Normal(x @ task.theta, task.noise).sample(y_key)
    return Dataset(x, y)


def linear_log_prob(task: LinearTask, x: jax.Array, y: jax.Array) -> jax.Array:
    """``log p(y | x) + log p(x)``."""
    return (dist.Normal(x @ task.theta, task.noise).log_prob(y)
            + dist.Normal(0.0, 1.0).log_prob(x).sum(-1))


class LogisticTask(NamedTuple):
    """``x ~ N(0, I_d)``, ``y ~ Bernoulli(sigmoid(x·theta))``."""

    theta: jax.Array


def sample_logistic(key: jax.Array, n: int, *, task: LogisticTask) -> Dataset:
    _check_n(n)
    x_key, y_key = jax.random.split(key)
    x = jax.random.normal(x_key, (n, task.theta.shape[0]))
    y = dist.Bernoulli(logits=x @ task.theta).sample(y_key).astype(jnp.int32)
    return Dataset(x, y)


def logistic_log_prob(task: LogisticTask, x: jax.Array, y: jax.Array) -> jax.Array:
    return (dist.Bernoulli(logits=x @ task.theta).log_prob(y)
            + dist.Normal(0.0, 1.0).log_prob(x).sum(-1))


# --- sphere regression (THEORY §7) ------------------------------------------------------------

def sample_sphere_regression(key: jax.Array, n: int, *, d: int = 10, noise: float = 0.1) -> Dataset:
    """``x`` uniform on the unit sphere ``S^{d−1}``, ``y = sin(π x_1) + N(0, noise²)``."""
    _check_n(n)
    x_key, y_key = jax.random.split(key)
    g = jax.random.normal(x_key, (n, d))
    x = g / jnp.linalg.norm(g, axis=1, keepdims=True)
    return Dataset(x, dist.Normal(jnp.sin(jnp.pi * x[:, 0]), noise).sample(y_key))


# --- categorical (THEORY §4) ------------------------------------------------------------------

def sample_categorical(key: jax.Array, n: int, *, probs: jax.Array) -> Dataset:
    """``n`` draws of a categorical law on ``{0, …, K−1}``; ``x`` is the one-hot code."""
    _check_n(n)
    probs = jnp.asarray(probs)
    y = dist.Categorical(probs=probs).sample(key, (n,))
    return Dataset(jax.nn.one_hot(y, probs.shape[0]), y)
