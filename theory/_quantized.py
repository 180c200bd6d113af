"""Membership advantage of a quantized (rounded) Gaussian mean (device).

Contents: ``quantized_mean_log_delta`` (exact, scalar, by quadrature),
``quantized_mean_log_delta_approx`` (closed form), ``quantized_mean_rate``,
``quantized_mean_log_coupling_bound`` and ``quantized_gaussian_mean_delta``
(d-dimensional, Monte Carlo of the exact likelihood ratio). THEORY.md section 5.

Scalar toy: ``Z ~ N(mu, sigma^2)``, ``theta = mean(Z_1..Z_n)`` released after rounding
to a grid whose thresholds sit at ``mu + delta + k step`` (``k`` in Z). Given the member
point ``Z_1 = z``, ``theta ~ N(z/n + (n-1) mu/n, (n-1) sigma^2/n^2)``; a non-member's
release is ``N(mu, sigma^2/n)`` independent of the challenge. Both laws share the
marginal of the challenge, so ``Delta = E_z[ 1/2 sum_cells |P(cell | z) - P(cell)| ]``.

Call with ``jax_enable_x64`` for values below ``e^-80``; in float64 the exact value is
accurate down to ``Delta ~ e^-700``.

References:
  Aubinais, Formont, Piantanida, Gassiat, *An Indicator of Membership Inference Security
  in Post-Training Quantized Models* (arXiv 2502.06567, AISTATS 2026).
"""

import math

import jax
import jax.numpy as jnp
from jax.scipy.special import erf, log_ndtr, logsumexp
from jax.typing import ArrayLike

from theory._estimate import Estimate, mean_estimate
from theory._log_space import log_abs_diff_exp, log_interval_prob

_MAX_CELLS_PER_SIDE = 256


def _check_toy(n: int, delta: float, step: float, sigma: float) -> None:
    if int(n) != n or n < 2:
        raise ValueError(f"n={n!r} must be an integer >= 2")
    if not step > 0:
        raise ValueError(f"step={step!r} must be > 0")
    if not sigma > 0:
        raise ValueError(f"sigma={sigma!r} must be > 0")
    if not math.isfinite(delta):
        raise ValueError(f"delta={delta!r} must be finite")


def _thresholds(n: int, delta: float, step: float, z_max: float):
    """Thresholds above and below ``mu = 0`` (standardised), enough to cover the tails."""
    spread = 14 / math.sqrt(n) + z_max / n
    cells = math.ceil(spread / step) + 2
    cells = max(8, 1 << (cells - 1).bit_length())  # few distinct shapes, few compiles
    if cells > _MAX_CELLS_PER_SIDE:
        raise ValueError(
            f"step={step!r} is too fine for n={n}: the grid needs {cells} cells per side"
            f" (at most {_MAX_CELLS_PER_SIDE}); use a coarser step"
        )
    d0 = delta % step
    j = jnp.arange(cells + 1, dtype=jnp.result_type(float))
    above = d0 + j * step
    below = d0 - (j + 1) * step
    return above, below


def _cell_edges(above: jax.Array, below: jax.Array):
    """Edges ``(lo, hi)`` of every cell except the one holding ``mu``.

    Upper cells ``[above_j, above_{j+1})`` (the last one open to ``+inf``), lower cells
    ``[below_{j+1}, below_j)`` (the last one open to ``-inf``).
    """
    inf = jnp.array([jnp.inf], above.dtype)
    lo = jnp.concatenate([above, below[1:], -inf])
    hi = jnp.concatenate([above[1:], inf, below])
    return lo, hi


def quantized_mean_log_delta(
    n: int,
    delta: float,
    step: float,
    sigma: float = 1.0,
    *,
    num_nodes: int = 20001,
    z_max: float = 40.0,
) -> jax.Array:
    r"""Exact ``log Delta_n`` of the rounded scalar Gaussian mean, by quadrature.

    For each challenge value ``z``, with ``d_c(z) = P(cell c | z) - P(cell c)`` over the
    cells ``c`` other than the one holding ``mu``,

    .. math::
       \tfrac12 \sum_c |d_c(z)| = \max\Big(\sum_{c} (d_c)_+,\ \sum_c (d_c)_-\Big)

    (the cell of ``mu`` balances the others), every term taken from Gaussian tails in
    log space. The outer expectation over ``z ~ N(mu, sigma^2)`` is a trapezoid rule on
    ``num_nodes`` points of ``[-z_max, z_max]`` standard deviations, also in log space.
    The integrand has kinks where a cell's sign of ``d_c`` changes, so the rule's error
    is ``O(h^2)``: about ``1e-6`` relative with the default ``h = 0.004`` (checked against
    adaptive scipy quadrature in the tests).

    Args:
      n: training-set size, ``>= 2``.
      delta: distance from ``mu`` to the nearest threshold above it (taken modulo
        ``step``); ``0`` is the boundary case.
      step: grid step (distance between thresholds), ``> 0``.
      sigma: data standard deviation.
      num_nodes: quadrature nodes.
      z_max: half-width of the quadrature range, in standard deviations.

    Returns:
      Scalar ``log Delta_n``.

    Example:
      >>> import jax
      >>> with jax.enable_x64(True):
      ...     print(round(float(quantized_mean_log_delta(1000, 0.05, 0.2)), 2))
      -5.85
    """
    _check_toy(n, delta, step, sigma)
    above, below = _thresholds(n, delta / sigma, step / sigma, z_max)
    lo, hi = _cell_edges(above, below)
    z = jnp.linspace(-z_max, z_max, num_nodes, dtype=above.dtype)
    return _log_delta_by_quadrature(lo, hi, z, jnp.asarray(n, above.dtype))


# jit: the quadrature is a large fixed-shape program evaluated for many (n, δ, step)
@jax.jit
def _log_delta_by_quadrature(lo, hi, z, n):
    """Quadrature core of :func:`quantized_mean_log_delta` (compiled once per shape)."""
    log_p0 = log_interval_prob(lo, hi, 0.0, 1 / jnp.sqrt(n))
    log_p1 = log_interval_prob(lo, hi, z[:, None] / n, jnp.sqrt(n - 1) / n)
    log_diff = log_abs_diff_exp(log_p1, log_p0)
    log_pos = logsumexp(jnp.where(log_p1 > log_p0, log_diff, -jnp.inf), axis=1)
    log_neg = logsumexp(jnp.where(log_p1 < log_p0, log_diff, -jnp.inf), axis=1)
    log_tv = jnp.maximum(log_pos, log_neg)
    h = z[1] - z[0]
    log_w = jnp.full_like(z, jnp.log(h)).at[jnp.array([0, -1])].add(-math.log(2))
    log_phi = -0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    return logsumexp(log_w + log_phi + log_tv)


def quantized_mean_log_delta_approx(
    n: int, delta: float, step: float, sigma: float = 1.0
) -> jax.Array:
    r"""Closed-form approximation of ``log Delta_n`` for the rounded Gaussian mean.

    .. math::
       \Delta_n \approx \sum_b 2\,[2\Phi(\delta_b/2\sigma) - 1]\;
       \bar\Phi(\sqrt n\,\delta_b/\sigma),

    summed over thresholds ``b`` at distance ``delta_b`` from ``mu``. It is ``-inf`` in
    the boundary case ``delta = 0`` (use the exact value there).
    """
    _check_toy(n, delta, step, sigma)
    d0 = (delta % step) / sigma
    s = step / sigma
    j = jnp.arange(8, dtype=jnp.result_type(float))
    dists = jnp.concatenate([d0 + j * s, (s - d0) + j * s])
    log_terms = jnp.log(2 * erf(dists / (2 * math.sqrt(2)))) + log_ndtr(
        -math.sqrt(n) * dists
    )
    return logsumexp(log_terms)


def quantized_mean_rate(delta: ArrayLike, sigma: ArrayLike = 1.0) -> jax.Array:
    r"""Exponential rate :math:`r = \delta^2 / (2\sigma^2)` of the rounded Gaussian mean.

    ``-(1/n) log Delta_n -> r`` for a fixed grid with ``mu`` strictly inside its cell,
    ``delta`` being the distance from ``mu`` to the nearest threshold.
    """
    dtype = jnp.result_type(float)
    delta = jnp.asarray(delta, dtype)
    sigma = jnp.asarray(sigma, dtype)
    return delta**2 / (2 * sigma**2)


def quantized_mean_log_coupling_bound(
    n: int, delta: float, step: float, sigma: float = 1.0
) -> jax.Array:
    r"""``log`` of the coupling bound :math:`\Delta_n \le 2 P(Q(\hat\theta) \ne Q(\mu))`.

    With the release leaving the cell of ``mu`` through either threshold,
    :math:`2[\bar\Phi(\sqrt n \delta/\sigma) + \bar\Phi(\sqrt n (s - \delta)/\sigma)]`.
    """
    _check_toy(n, delta, step, sigma)
    d0 = delta % step
    r = math.sqrt(n) / sigma
    return math.log(2) + jnp.logaddexp(log_ndtr(-r * d0), log_ndtr(-r * (step - d0)))


def _coordinate_llr(key, n, mu, step, sigma, offset):
    """Exact summed llr of one member draw of the per-coordinate rounded mean."""
    z_key, t_key = jax.random.split(key)
    dtype = mu.dtype
    z = mu + sigma * jax.random.normal(z_key, mu.shape, dtype)
    member_mean = z / n + (n - 1) * mu / n
    member_sd = sigma * math.sqrt(n - 1) / n
    theta = member_mean + member_sd * jax.random.normal(t_key, mu.shape, dtype)
    cell = jnp.round((theta - offset) / step)
    lo = offset + (cell - 0.5) * step
    hi = offset + (cell + 0.5) * step
    log_p1 = log_interval_prob(lo, hi, member_mean, member_sd)
    log_p0 = log_interval_prob(lo, hi, mu, sigma / math.sqrt(n))
    return jnp.sum(log_p1 - log_p0)


def quantized_gaussian_mean_delta(
    key: jax.Array,
    n: int,
    mu: ArrayLike,
    step: float,
    *,
    num_samples: int = 100_000,
    sigma: float = 1.0,
    offset: float = 0.0,
    batch_size: int = 4096,
    confidence: float = 0.95,
) -> Estimate:
    r"""Exact advantage of the per-coordinate-rounded Gaussian mean, by Monte Carlo.

    Data ``Z ~ N(mu, sigma^2 I_d)``, release ``Q(theta)`` with
    ``Q(x)_k = offset + step * round((x_k - offset)/step)``. Given the challenge, the
    coordinates are independent, so the likelihood ratio of the released cells and the
    challenge is exact:
    :math:`\mathrm{llr} = \sum_k \log P_1(c_k \mid z_k) - \log P_0(c_k)`. The estimate is
    :math:`E_{P_1}[(1 - e^{-\mathrm{llr}})_+]` with a two-sided normal interval. This is
    the ground truth against which privacy indicators are validated.

    Args:
      key: PRNG key.
      n: training-set size, ``>= 2``.
      mu: data mean, shape ``[d]``.
      step: grid step, ``> 0``.
      num_samples: Monte Carlo draws.
      sigma: per-coordinate standard deviation.
      offset: grid offset (a grid point).
      batch_size: draws per vectorised chunk (memory ``batch_size * d``).
      confidence: two-sided confidence level.

    Returns:
      ``Estimate`` of :math:`\Delta_n`.
    """
    mu = jnp.atleast_1d(jnp.asarray(mu, dtype=jnp.result_type(float)))
    _check_toy(n, 0.0, step, sigma)
    if mu.ndim != 1:
        raise ValueError(f"mu must be a vector, got shape {mu.shape}")
    if num_samples < 2:
        raise ValueError(f"num_samples={num_samples!r} must be >= 2")
    batch = min(batch_size, num_samples)
    num_batches = -(-num_samples // batch)
    keys = jax.random.split(key, num_batches * batch).reshape(num_batches, batch)

    def one_batch(batch_keys):
        llr = jax.vmap(lambda k: _coordinate_llr(k, n, mu, step, sigma, offset))(
            batch_keys
        )
        return jnp.maximum(-jnp.expm1(-llr), 0.0)

    values = jax.lax.map(one_batch, keys).reshape(-1)[:num_samples]
    return mean_estimate(values, confidence)
