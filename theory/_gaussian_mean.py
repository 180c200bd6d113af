"""Membership inference security of the empirical mean of Gaussian data (device).

Contents: ``gaussian_mean_llr``, ``gaussian_mean_delta``, ``gaussian_mean_mis_limit``,
``gaussian_mean_delta_rate``. THEORY.md section 3.

Setting: ``Z ~ N(mu, Sigma)`` in ``R^d`` and the release ``theta = mean(Z_1..Z_n)``. The
advantage is invariant under invertible affine maps, so the data are whitened
(``mu = 0``, ``Sigma = I``). Per coordinate ``(sqrt(n) theta_k, z_k)`` is standard
bivariate normal with correlation ``rho = 1/sqrt(n)`` for a member and ``0`` for a
non-member, independently over coordinates.

References:
  Aubinais, Gassiat, Piantanida, *Fundamental Limits of Membership Inference Attacks on
  Machine Learning Models*, arXiv 2310.13786 (JMLR 2025).
"""

import math

import jax
import jax.numpy as jnp
from jax.scipy.special import gammaln, ndtr
from jax.typing import ArrayLike

from theory._estimate import Estimate, mean_estimate


def _check_n_d(n: int, d: int) -> None:
    if int(n) != n or n < 2:
        raise ValueError(f"n={n!r} must be an integer >= 2")
    if int(d) != d or d < 1:
        raise ValueError(f"d={d!r} must be an integer >= 1")


def gaussian_mean_llr(theta: ArrayLike, z: ArrayLike, n: int) -> jax.Array:
    r"""Exact member/non-member log-likelihood ratio for the whitened Gaussian mean.

    With :math:`a = \sqrt n\,\theta_k` and :math:`\rho = 1/\sqrt n`, per coordinate

    .. math::
       \mathrm{llr}(a, z) = \frac{\rho a z - \rho^2 (a^2 + z^2)/2}{1 - \rho^2}
       - \tfrac12 \log(1 - \rho^2),

    summed over the last axis. Positive values favour "member". This is the
    Bayes-optimal attack score.

    Args:
      theta: released (whitened) mean, shape ``[..., d]``.
      z: challenge point (whitened), shape ``[..., d]``.
      n: training-set size, ``n >= 2``.

    Returns:
      ``log dP_1/dP_0 (theta, z)``, shape ``[...]``.
    """
    _check_n_d(n, 1)
    theta = jnp.asarray(theta)
    z = jnp.asarray(z)
    rho2 = 1.0 / n
    rho = math.sqrt(rho2)
    a = math.sqrt(n) * theta
    per_coord = (rho * a * z - rho2 * (a**2 + z**2) / 2) / (1 - rho2)
    return jnp.sum(per_coord, axis=-1) - theta.shape[-1] * 0.5 * math.log1p(-rho2)


def _member_llr_samples(key: jax.Array, n: int, d: int, num: int) -> jax.Array:
    """Draws the summed llr under the member law P_1 in O(1) per draw.

    Rotating each coordinate pair to ``u = (a + z)/sqrt2``, ``v = (a - z)/sqrt2`` makes
    them independent with variances ``1 + rho`` and ``1 - rho``; the summed llr depends on
    the data only through ``U = sum u^2 ~ (1 + rho) chi2_d`` and
    ``V = sum v^2 ~ (1 - rho) chi2_d``:
    ``llr = [rho (U - V)/2 - rho^2 (U + V)/2] / (1 - rho^2) - d/2 log(1 - rho^2)``.
    """
    dtype = jnp.result_type(float)
    rho2 = 1.0 / n
    rho = math.sqrt(rho2)
    u_key, v_key = jax.random.split(key)
    chi_u = 2 * jax.random.gamma(u_key, d / 2, (num,), dtype=dtype)
    chi_v = 2 * jax.random.gamma(v_key, d / 2, (num,), dtype=dtype)
    big_u = (1 + rho) * chi_u
    big_v = (1 - rho) * chi_v
    llr = (rho * (big_u - big_v) / 2 - rho2 * (big_u + big_v) / 2) / (1 - rho2)
    return llr - d * 0.5 * math.log1p(-rho2)


def gaussian_mean_delta(
    key: jax.Array,
    n: int,
    d: int,
    *,
    num_samples: int = 200_000,
    confidence: float = 0.95,
) -> Estimate:
    r"""Exact finite-(n, d) advantage of the Gaussian mean, by Monte Carlo.

    Uses :math:`\Delta = E_{P_1}[(1 - e^{-\mathrm{llr}})_+]` with the exact llr of
    :func:`gaussian_mean_llr`, sampled under the member law through two chi-square
    variables (see ``_member_llr_samples``), so the cost does not grow with ``d``.
    The integrand lies in ``[0, 1]``; the interval is the two-sided normal interval
    ``mean +- z se``.

    Args:
      key: PRNG key.
      n: training-set size (``>= 2``).
      d: dimension (``>= 1``).
      num_samples: Monte Carlo draws.
      confidence: two-sided confidence level of the interval.

    Returns:
      ``Estimate`` of :math:`\Delta_n` (MIS is ``1 - value``).

    References:
      THEORY.md section 3 (reproduction targets: (1000, 1000) gives 0.384, (1000, 10)
      gives 0.0405).
    """
    _check_n_d(n, d)
    llr = _member_llr_samples(key, n, d, num_samples)
    return mean_estimate(jnp.maximum(-jnp.expm1(-llr), 0.0), confidence)


def gaussian_mean_mis_limit(tau: ArrayLike) -> jax.Array:
    r"""Limit of MIS when :math:`d/n \to \tau`: :math:`2\Phi(-\sqrt\tau/2)`.

    The summed llr is asymptotically :math:`N(\pm\tau/2, \tau)` under the two laws, so
    :math:`\Delta \to 2\Phi(\sqrt\tau/2) - 1`.

    Example:
      >>> round(float(gaussian_mean_mis_limit(1.0)), 3)
      0.617
    """
    tau = jnp.asarray(tau, dtype=jnp.result_type(float))
    return 2 * ndtr(-jnp.sqrt(tau) / 2)


def gaussian_mean_delta_rate(n: ArrayLike, d: ArrayLike) -> jax.Array:
    r"""Large-``d`` first-order advantage: :math:`\Delta_n \approx \sqrt{d/(2\pi n)}`.

    The ``O(n^{-1/2})`` rate. For a fixed small ``d`` the exact constant is
    :func:`gaussian_mean_fixed_d_constant` (2.5 % lower at ``d = 10``); this is its
    ``d -> infinity`` limit.
    """
    dtype = jnp.result_type(float)
    return jnp.sqrt(jnp.asarray(d, dtype) / (2 * jnp.pi * jnp.asarray(n, dtype)))


def gaussian_mean_fixed_d_constant(d: ArrayLike) -> jax.Array:
    r"""Exact first-order constant for fixed ``d``: :math:`\sqrt n\,\Delta_n 	o c_d`.

    .. math::
       c_d = 	frac12 E\Big|\sum_{k=1}^d a_k z_k\Big|
           = rac{\Gamma((d+1)/2)}{\sqrt\pi\,\Gamma(d/2)},

    with ``a_k, z_k`` i.i.d. standard normal: to first order in ``rho = 1/sqrt(n)`` the llr
    is ``rho sum a_k z_k`` and ``Delta ~ E|llr|/2``; ``sum a_k z_k = (U - V)/2`` with
    ``U, V`` independent ``chi2_d``, whose mean absolute value is the ratio of Gamma
    functions. ``c_1 = 1/pi`` (the boundary case of THEORY.md section 5) and
    ``c_d ~ sqrt(d/(2 pi))`` as ``d -> infinity``, the rate of
    :func:`gaussian_mean_delta_rate`, which therefore holds for large ``d`` only
    (derived here; THEORY.md section 3 states it for fixed ``d``).

    Example:
      >>> round(float(gaussian_mean_fixed_d_constant(1)), 6)  # 1/pi
      0.31831
    """
    d = jnp.asarray(d, dtype=jnp.result_type(float))
    return jnp.exp(gammaln((d + 1) / 2) - gammaln(d / 2)) / jnp.sqrt(jnp.pi)
