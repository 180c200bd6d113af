"""Privacy accounting of DP-SGD: the ``(ε, δ)`` of ``T`` Poisson-subsampled Gaussian steps
(host, ``dp_accounting`` and SciPy).

- :func:`dp_epsilon`: ``dp_accounting``'s PLD accountant (privacy loss distributions; Koskela,
  Jälkö, Honkela 2020; Meiser & Mohammadi 2018), pessimistic discretization: an upper bound on
  the mechanism's ε, the tightest a maintained accountant gives here.
- :func:`dp_epsilon_rdp`: the RDP bound over real orders ``α > 1``, computed here by numerical
  integration of ``A_α = E_{z∼N(0,σ²)}[((1−q) + q e^{(2z−1)/(2σ²)})^α]`` (Mironov, Talwar, Zhang
  2019, the dominating "remove" direction) on a log-space grid, so the fractional orders near 1
  that ``dp_accounting``'s RDP series drops (they are the optimal orders at large ε) are kept;
  converted with ``ε = min_α T·log A_α/(α−1) + log((α−1)/α) − (log δ + log α)/(α−1)``
  (Balle et al. 2020, Theorem 21; the conversion ``dp_accounting`` uses).

Measured (δ = 1e-5): σ = 0.5, q = 0.25, 100 steps: PLD 70.17, RDP over real orders 76.8,
``dp_accounting``'s RDP 103.1; σ = 1, q = 0.1, 4000 steps: 64.2 / 68.1 / 77.6.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp

from mis.errors import UserError
from mis.shadow._dpsgd import DPSGD

PLD_DISCRETIZATION = 1e-3
RDP_ORDERS = np.r_[np.linspace(1.01, 1.99, 50), np.linspace(2, 12, 41), np.arange(13, 65),
                   np.arange(72, 257, 8)]


def _check(noise_multiplier, sample_rate, steps, delta) -> None:
    DPSGD(1.0, noise_multiplier, sample_rate)  # validates σ and q
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise UserError(f"steps={steps!r} is not allowed; use an integer >= 1")
    if not isinstance(delta, int | float) or isinstance(delta, bool) or not 0 < delta < 1:
        raise UserError(f"delta={delta!r} is not allowed; use a number in (0, 1)")


def dp_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float) -> float:
    """``ε`` such that ``steps`` DP-SGD steps with Poisson rate ``sample_rate`` and noise
    multiplier ``noise_multiplier`` are ``(ε, δ)``-DP, by ``dp_accounting``'s PLD accountant
    (module docstring; ``inf`` for ``noise_multiplier = 0``).

    >>> round(dp_epsilon(1.1, 0.01, 1000, 1e-5), 2)
    1.52
    """
    import dp_accounting
    from dp_accounting.pld import PLDAccountant

    _check(noise_multiplier, sample_rate, steps, delta)
    if noise_multiplier == 0:
        return math.inf
    event = dp_accounting.GaussianDpEvent(noise_multiplier)
    if sample_rate < 1:
        event = dp_accounting.PoissonSampledDpEvent(sample_rate, event)
    accountant = PLDAccountant(value_discretization_interval=PLD_DISCRETIZATION)
    accountant.compose(dp_accounting.SelfComposedDpEvent(event, steps))
    return float(accountant.get_epsilon(delta))


def log_a(order: float, noise_multiplier: float, sample_rate: float) -> float:
    """``log A_α`` of the sampled Gaussian mechanism (module docstring) by a log-space
    trapezoid over ``z`` covering the integrand's mass (spacing σ/200); exact closed form for
    ``q = 1``: ``α(α−1)/(2σ²)``."""
    s, q, a = float(noise_multiplier), float(sample_rate), float(order)
    if q >= 1:
        return a * (a - 1) / (2 * s * s)
    z = np.arange(-12 * s - 1, a + 12 * s + 1, s / 200)
    log_pdf = -z * z / (2 * s * s) - math.log(s * math.sqrt(2 * math.pi))
    log_ratio = np.logaddexp(math.log1p(-q), math.log(q) + (2 * z - 1) / (2 * s * s))
    return float(logsumexp(log_pdf + a * log_ratio) + math.log(s / 200))


def dp_epsilon_rdp(noise_multiplier: float, sample_rate: float, steps: int, delta: float,
                   orders: Sequence[float] = RDP_ORDERS) -> float:
    """The RDP bound on ``ε`` over the real ``orders`` (module docstring); ``inf`` without
    noise. The best order of the grid is refined between its neighbours (bounded scalar
    minimization). Looser than :func:`dp_epsilon`; reported beside it."""
    _check(noise_multiplier, sample_rate, steps, delta)
    if noise_multiplier == 0:
        return math.inf
    from scipy.optimize import minimize_scalar

    def eps(a):
        rdp = steps * log_a(a, noise_multiplier, sample_rate) / (a - 1)
        return rdp + math.log((a - 1) / a) - (math.log(delta) + math.log(a)) / (a - 1)

    grid = np.asarray(orders, float)
    values = np.array([eps(a) for a in grid])
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    best = float(values[i])
    if hi > lo:  # refine between the neighbours of the best grid order
        res = minimize_scalar(eps, bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-4})
        best = min(best, float(res.fun))
    return float(max(best, 0.0))
