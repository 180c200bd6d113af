"""White-box scores of Dirac gradient canaries (:class:`mis.shadow.GradientCanaries`; device,
jnp). Larger = "the canary was in".

- **Final model** (:func:`dirac_final_scores`): canary ``c`` pushes coordinate ``j = j_c`` down
  by the learning rate times ``C / (q n)`` each time it is drawn, so the score is the drop
  ``θ₀[j] − θ_T[j]`` (the observer knows the initialisation).
- **Every update** (:func:`dirac_step_scores`): the observer recovers each step's noisy gradient
  sum at ``j``, ``z_t = (b_t C + a_t + N(0, σ²C²)) / C`` with ``b_t ~ Bernoulli(q)`` if IN and
  ``0`` if OUT (``a_t``: the real data's clipped gradients there, ignored). The likelihood ratio
  of the ``T`` independent steps (Neyman–Pearson optimal for ``a = 0``) is

      Σ_t log(1 − q + q · exp((z_t − 1/2) / σ²)),

  and ``Σ_t z_t`` when ``σ = 0`` (no noise: any positive ``z_t`` betrays the canary).

References:
    Nasr et al., "Tight Auditing of Differentially Private Machine Learning", USENIX Security
    2023, arXiv:2302.07956 (gradient canaries, observers of the final and of every model).
    Steinke, Nasr, Jagielski, "Privacy Auditing with One (1) Training Run", NeurIPS 2023.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree
from jax.typing import ArrayLike


def dirac_final_scores(initial: Any, final: Any, coordinates: ArrayLike) -> jax.Array:
    """``θ₀[j_c] − θ_T[j_c]`` for every canary (module docstring)."""
    return (ravel_pytree(initial)[0] - ravel_pytree(final)[0])[jnp.asarray(coordinates)]


def dirac_step_scores(observed: ArrayLike, noise_multiplier: float,
                      sample_rate: float) -> jax.Array:
    """The every-update likelihood ratio of each canary from ``observed`` (``[steps, m]``, in
    units of ``C``; module docstring)."""
    z = jnp.asarray(observed)
    if noise_multiplier == 0:
        return jnp.sum(z, axis=0)
    q, var = sample_rate, noise_multiplier ** 2
    # log(1 − q + q e^u), u = (z − 1/2)/σ², stably: logaddexp
    u = (z - 0.5) / var
    return jnp.sum(jnp.logaddexp(jnp.log1p(-q) if q < 1 else -jnp.inf, jnp.log(q) + u), axis=0)
