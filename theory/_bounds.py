"""Closed-form bounds linking advantage, differential privacy and overfitting (device).

Contents: ``dp_advantage_bound``, ``epsilon_lower_bound``, ``overfitting_mis_bound``.
THEORY.md sections 2 and 7.
"""

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike


def dp_advantage_bound(eps: ArrayLike) -> jax.Array:
    r"""Largest membership advantage allowed by :math:`\varepsilon`-DP (replace-one).

    .. math:: \Delta \le \frac{e^\varepsilon - 1}{e^\varepsilon + 1} = \tanh(\varepsilon/2).

    Args:
      eps: privacy parameter(s), ``eps >= 0``.

    Returns:
      The advantage bound, in ``[0, 1)``.

    Example:
      >>> float(dp_advantage_bound(0.0))
      0.0

    References:
      Yeom, Giacomelli, Fredrikson, Jha, *Privacy Risk in Machine Learning: Analyzing the
      Connection to Overfitting*, CSF 2018; Humphries et al., arXiv 2002.12062 (tight form).
    """
    eps = jnp.asarray(eps, dtype=jnp.result_type(float))
    return jnp.tanh(eps / 2)


def epsilon_lower_bound(advantage: ArrayLike) -> jax.Array:
    r"""Smallest :math:`\varepsilon` compatible with a measured advantage ``a``.

    Inverse of :func:`dp_advantage_bound`:
    :math:`\varepsilon \ge \log\frac{1 + a}{1 - a} = 2\,\mathrm{artanh}(a)`; zero for
    ``a <= 0`` (no evidence against any :math:`\varepsilon`).

    Args:
      advantage: advantage(s) ``TPR - FPR`` in ``[-1, 1)``.

    Returns:
      The certified lower bound on epsilon (``inf`` at ``a = 1``).
    """
    a = jnp.asarray(advantage, dtype=jnp.result_type(float))
    return 2 * jnp.arctanh(jnp.clip(a, 0.0, 1.0))


def overfitting_mis_bound(
    alpha: ArrayLike, eps: ArrayLike, noise_density_bound: ArrayLike
) -> jax.Array:
    r"""Upper bound on MIS of a learner that fits its training points within ``eps``.

    For regression ``y = f(x) + \xi`` with noise density bounded by ``M`` and the squared
    loss, the loss-threshold attack ``1{l(theta, z) <= eps}`` has
    ``FPR = P(l(theta, Z_0) <= eps) <= 2 M sqrt(eps)`` and ``TPR = 1 - alpha``, so

    .. math:: \mathrm{MIS} \le \alpha + 2M\sqrt{\varepsilon}

    (clipped to 1).

    Args:
      alpha: chance that a training point is *not* fitted within ``eps``.
      eps: loss threshold, ``eps >= 0``.
      noise_density_bound: ``M``, the sup of the noise density.

    Returns:
      ``min(1, alpha + 2 M sqrt(eps))``.

    References:
      Aubinais, Gassiat, Piantanida, *Fundamental Limits of Membership Inference Attacks
      on Machine Learning Models*, arXiv 2310.13786 (JMLR 2025).
    """
    dtype = jnp.result_type(float)
    alpha = jnp.asarray(alpha, dtype)
    eps = jnp.asarray(eps, dtype)
    m = jnp.asarray(noise_density_bound, dtype)
    return jnp.minimum(1.0, alpha + 2 * m * jnp.sqrt(eps))
