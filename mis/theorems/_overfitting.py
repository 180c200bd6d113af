"""The overfitting simulation of THEORY §7 (device).

An interpolating one-hidden-layer ReLU network on sphere regression
``y = sin(pi x_1) + N(0, noise_sd^2)``; the loss-threshold attack ``1{l <= eps}`` then
has ``TPR ~ 1`` while ``FPR <= 2 M sqrt(eps)`` for *any* predictor, ``M`` being the noise
density bound. Written as plain JAX + optax so that it depends on nothing else; float32 throughout,
even when x64 is enabled.
"""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax


class OverfittingResult(NamedTuple):
    """Per-example squared losses of the trained network.

    Attributes:
      train_losses: losses on the ``n`` training points (members), shape ``[n]``.
      fresh_losses: losses on ``n`` fresh points (non-members), shape ``[n]``.
      noise_density_bound: ``M = 1/(noise_sd sqrt(2 pi))``.
    """

    train_losses: jax.Array
    fresh_losses: jax.Array
    noise_density_bound: float


def sample_sphere_regression(key: jax.Array, n: int, dim: int,
                             noise_sd: float) -> tuple[jax.Array, jax.Array]:
    """Inputs uniform on the unit sphere of ``R^dim``; ``y = sin(pi x_1) + noise``."""
    x_key, y_key = jax.random.split(key)
    x = jax.random.normal(x_key, (n, dim), jnp.float32)
    x = x / jnp.linalg.norm(x, axis=1, keepdims=True)
    y = jnp.sin(jnp.pi * x[:, 0]) + noise_sd * jax.random.normal(y_key, (n,), jnp.float32)
    return x, y


def _init_mlp(key, dim: int, width: int):
    w1_key, w2_key = jax.random.split(key)
    return {
        "w1": jax.random.normal(w1_key, (dim, width), jnp.float32) * math.sqrt(2 / dim),
        "b1": jnp.zeros(width, jnp.float32),
        "w2": jax.random.normal(w2_key, (width,), jnp.float32) / math.sqrt(width),
        "b2": jnp.zeros((), jnp.float32),
    }


def _predict(params, x):
    return jax.nn.relu(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]


def simulate_overfitting(
    key: jax.Array,
    *,
    n: int = 1000,
    dim: int = 10,
    width: int = 4096,
    steps: int = 3000,
    learning_rate: float = 0.1,
    noise_sd: float = 0.1,
) -> OverfittingResult:
    """Trains the network full-batch with Adam and returns member / non-member losses."""
    data_key, fresh_key, init_key = jax.random.split(key, 3)
    x, y = sample_sphere_regression(data_key, n, dim, noise_sd)
    x0, y0 = sample_sphere_regression(fresh_key, n, dim, noise_sd)
    params = _init_mlp(init_key, dim, width)
    optimizer = optax.adam(learning_rate)

    def mse(p):
        return jnp.mean((_predict(p, x) - y) ** 2)

    def step(carry, _):
        p, state = carry
        grads = jax.grad(mse)(p)
        updates, state = optimizer.update(grads, state, p)
        return (optax.apply_updates(p, updates), state), None

    (params, _), _ = jax.lax.scan(step, (params, optimizer.init(params)), None, steps)
    return OverfittingResult(
        train_losses=(_predict(params, x) - y) ** 2,
        fresh_losses=(_predict(params, x0) - y0) ** 2,
        noise_density_bound=1 / (noise_sd * math.sqrt(2 * math.pi)),
    )
