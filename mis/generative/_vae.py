"""A small variational autoencoder (flax nnx modules, pure-function training with optax;
device).

Model: ``z ~ N(0, I_L)``, ``x | z ~ N(decoder(z), s² I_D)`` with a fixed pixel scale ``s``;
encoder ``q(z | x) = N(μ(x), diag σ(x)²)``. Per example the negative evidence lower bound is

    −ELBO(x) = E_{ε ~ N(0, I)} [−log N(x; decoder(μ + σ ⊙ ε), s² I)] + KL(q(z|x) ‖ N(0, I)),
    KL = ½ Σ_l (μ_l² + σ_l² − 1 − log σ_l²),

estimated with the given ``ε`` (one draw per example per step in training; a fixed set of
draws for queries). Training is weighted (``weights`` = 1 for a training member, 0 otherwise)
so that runs on different subsets of one pool vmap, as in :mod:`mis.shadow`; ``dp=DPSGD(...)``
trains with DP-SGD (:func:`mis.shadow.dp_gradient`, the ``ε`` draws passed as the per-example
"labels").

References:
    Kingma, Welling, "Auto-Encoding Variational Bayes", ICLR 2014, arXiv:1312.6114.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import nnx

from mis.shadow import DPSGD, dp_gradient


class VAE(nnx.Module):
    """Encoder ``D → hidden → 2L`` (mean, log-variance) and decoder ``L → hidden → D``."""

    def __init__(self, dim: int, hidden: int, latent: int, *, rngs: nnx.Rngs):
        self.enc = nnx.Linear(dim, hidden, rngs=rngs)
        self.enc_out = nnx.Linear(hidden, 2 * latent, rngs=rngs)
        self.dec = nnx.Linear(latent, hidden, rngs=rngs)
        self.dec_out = nnx.Linear(hidden, dim, rngs=rngs)

    def encode(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        mean, log_var = jnp.split(self.enc_out(nnx.relu(self.enc(x))), 2, axis=-1)
        return mean, log_var

    def decode(self, z: jax.Array) -> jax.Array:
        return self.dec_out(nnx.relu(self.dec(z)))


@dataclasses.dataclass(frozen=True)
class VAELearner:
    """Hyper-parameters of the VAE and its optimizer (full-batch Adam, or DP-SGD's Poisson
    batches when ``dp`` is set); inputs are flattened to ``[n, D]``."""

    hidden: int = 128
    latent: int = 8
    pixel_scale: float = 0.1
    learning_rate: float = 1e-3
    dp: DPSGD | None = None

    def __post_init__(self):
        if self.hidden < 1 or self.latent < 1:
            raise ValueError(f"hidden={self.hidden}, latent={self.latent} must be positive")
        if not self.pixel_scale > 0 or not self.learning_rate > 0:
            raise ValueError("pixel_scale and learning_rate must be > 0")
        if self.dp is not None and not isinstance(self.dp, DPSGD):
            raise ValueError(f"dp={self.dp!r}; use mis.shadow.DPSGD(...) or None")

    def _module(self, dim: int, key) -> VAE:
        return VAE(dim, self.hidden, self.latent, rngs=nnx.Rngs(params=key))

    def init(self, key: jax.Array, dim: int) -> dict:
        """Initial parameters (a nested dict) for inputs of dimension ``dim``."""
        return nnx.to_pure_dict(nnx.split(self._module(dim, key))[1])

    def _merge(self, params) -> VAE:
        dim = params["enc"]["kernel"].shape[0]
        graphdef, state = nnx.split(nnx.eval_shape(lambda: self._module(dim, jax.random.key(0))))
        nnx.replace_by_pure_dict(state, params)
        return nnx.merge(graphdef, state)

    def neg_elbo(self, params: dict, x: jax.Array, eps: jax.Array) -> jax.Array:
        """``[n]`` −ELBO of ``x [n, D]`` with the reparameterisation draws ``eps [n, L]``
        (``eps [n, S, L]``: the mean over ``S`` draws)."""
        vae = self._merge(params)
        mean, log_var = vae.encode(x)
        kl = 0.5 * jnp.sum(mean**2 + jnp.exp(log_var) - 1.0 - log_var, axis=-1)
        if eps.ndim == 3:
            mean, log_var, xs = mean[:, None], log_var[:, None], x[:, None]
        else:
            xs = x
        recon = vae.decode(mean + jnp.exp(0.5 * log_var) * eps)
        s2 = self.pixel_scale**2
        nll = 0.5 * jnp.sum((xs - recon) ** 2, axis=-1) / s2 + 0.5 * x.shape[-1] * math.log(
            2 * math.pi * s2)
        if eps.ndim == 3:
            nll = jnp.mean(nll, axis=1)
        return nll + kl

    def reconstruction_error(self, params: dict, x: jax.Array) -> jax.Array:
        """``[n]`` squared error ``‖x − decoder(μ(x))‖²`` (the encoder's mean, no sampling)."""
        vae = self._merge(params)
        return jnp.sum((x - vae.decode(vae.encode(x)[0])) ** 2, axis=-1)

    def sample(self, params: dict, key: jax.Array, num: int) -> jax.Array:
        """``[num, D]`` generated images: decoder means at ``z ~ N(0, I)``."""
        latent = params["dec"]["kernel"].shape[0]
        return self._merge(params).decode(jax.random.normal(key, (num, latent)))

    def train(self, key: jax.Array, params: dict, opt_state: Any, x: jax.Array,
              weights: jax.Array, steps: int) -> tuple[dict, Any]:
        """``steps`` more steps from ``(params, opt_state)`` (``opt_state=None``: a fresh
        Adam state) on the weighted mean −ELBO; returns ``(params, opt_state)``. Step ``t``
        draws its ``ε`` and (under DP) its Poisson batch from ``split(key, steps)[t]``."""
        opt = optax.adam(self.learning_rate)
        opt_state = opt.init(params) if opt_state is None else opt_state
        latent = params["dec"]["kernel"].shape[0]

        def objective(p, eps):
            return jnp.sum(weights * self.neg_elbo(p, x, eps)) / jnp.maximum(
                jnp.sum(weights), 1.0)

        def step(carry, step_key):
            p, s = carry
            eps_key, dp_key = jax.random.split(step_key)
            eps = jax.random.normal(eps_key, (x.shape[0], latent))
            if self.dp is None:
                g = jax.grad(objective)(p, eps)
            else:
                g = dp_gradient(dp_key, self.neg_elbo, p, x, eps, weights, self.dp)
            updates, s = opt.update(g, s, p)
            return (optax.apply_updates(p, updates), s), None

        (params, opt_state), _ = jax.lax.scan(step, (params, opt_state),
                                              jax.random.split(key, steps))
        return params, opt_state
