"""Claims of THEORY §5: quantized releases of the Gaussian mean."""

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import theory
from mis.theorems._claim import Claim, interval, point, within
from mis.theorems._config import TheoremsConfig

# log Delta_n for delta = 0.05, step = 0.2 and the size-adaptive ratios (docs/theory.md).
_FIXED_TARGETS = {1_000: (-5.85, 0.005), 10_000: (-18.25, 0.005), 100_000: (-131.9, 0.05)}
_ADAPTIVE_TARGETS = {100: 1.69, 1_000: 1.29, 10_000: 1.12, 100_000: 1.04, 1_000_000: 1.016}


def _fixed_claims(cfg: TheoremsConfig):
    delta, step = cfg.quantized_delta, cfg.quantized_step
    rate = float(theory.quantized_mean_rate(delta))
    rows, claims = [], []
    for n in cfg.quantized_ns:
        log_d = float(theory.quantized_mean_log_delta(n, delta, step))
        approx = float(theory.quantized_mean_log_delta_approx(n, delta, step))
        coupling = float(theory.quantized_mean_log_coupling_bound(n, delta, step))
        rows.append((n, log_d, -n * rate, approx))
        claims.append(Claim(
            f"s5.coupling.n={n}", "Delta_n <= 2 P(Q(theta) != Q(mu)) (coupling)",
            {"n": n, "delta": delta, "step": step}, point(log_d), coupling,
            "log Delta <= log bound", log_d <= coupling))
        if n in _FIXED_TARGETS:
            ref, tol = _FIXED_TARGETS[n]
            claims.append(Claim(
                f"s5.fixed.target.n={n}", f"log Delta_n = {ref} (docs/theory.md)",
                {"n": n, "delta": delta, "step": step}, point(log_d), ref,
                f"|log Delta - ref| <= {tol} (rounding)", abs(log_d - ref) <= tol,
                note=f"closed form gives {approx:.3f}"))
    ratio = rows[-1][1] / rows[-1][2]
    claims.append(Claim(
        "s5.fixed.rate", "-(1/n) log Delta_n -> r = delta^2/2 (fixed grid)",
        {"n": rows[-1][0], "delta": delta, "step": step}, point(ratio), 1.0,
        "log Delta/(-n r) within 2 % of 1 at the largest n", abs(ratio - 1) <= 0.02))
    return claims, rows


def _adaptive_claims(cfg: TheoremsConfig):
    rows, claims = [], []
    for n in cfg.adaptive_ns:
        delta = n**-0.25
        log_d = float(theory.quantized_mean_log_delta(n, delta, 4 * delta))
        nr = n * float(theory.quantized_mean_rate(delta))
        rows.append((n, log_d, -nr))
        if n in _ADAPTIVE_TARGETS:
            ref = _ADAPTIVE_TARGETS[n]
            claims.append(Claim(
                f"s5.adaptive.ratio.n={n}",
                "size-adaptive delta_n = n^-1/4: log Delta/(-n r) as tabulated",
                {"n": n, "delta": delta, "step": 4 * delta}, point(log_d / -nr), ref,
                "|ratio - ref| <= 0.006 (rounding)", abs(log_d / -nr - ref) <= 0.006))
    return claims, rows


def _boundary_claims(cfg: TheoremsConfig):
    step = cfg.quantized_step
    scaled = [math.sqrt(n) * math.exp(float(theory.quantized_mean_log_delta(n, 0.0, step)))
              for n in cfg.boundary_ns]
    claim = Claim(
        "s5.boundary", "mu on a threshold: sqrt(n) Delta_n -> 1/pi",
        {"n": cfg.boundary_ns[-1], "step": step}, point(scaled[-1]), 1 / math.pi,
        "relative error <= 0.1 % at the largest n", abs(scaled[-1] * math.pi - 1) <= 1e-3)
    return [claim], {"n": list(cfg.boundary_ns), "sqrt_n_delta": scaled}


def _processing_claims(key, cfg: TheoremsConfig):
    """Data processing: rounding the released mean never raises Delta (20-d example)."""
    n, d = cfg.processing_n, cfg.processing_d
    mu_key, full_key, q_key = jax.random.split(key, 3)
    mu = jax.random.uniform(mu_key, (d,), minval=-1.0, maxval=1.0)
    full = interval(theory.gaussian_mean_delta(full_key, n, d, num_samples=cfg.num_samples))
    quant = [interval(theory.quantized_gaussian_mean_delta(
        jax.random.fold_in(q_key, i), n, mu, s, num_samples=cfg.num_samples // 4))
        for i, s in enumerate(cfg.processing_steps)]
    below = all(q[1] <= full[2] for q in quant)
    claims = [Claim(
        "s2.data_processing", "Delta(Q o A) <= Delta(A): rounding never increases leakage",
        {"n": n, "d": d, "steps": list(cfg.processing_steps)}, full, None,
        "every quantized lower bound <= the full-precision upper bound", below)]
    values = np.array([q[0] for q in quant])
    claims.append(Claim(
        "s6.processing.monotone", "exact Delta falls as the rounding step grows",
        {"n": n, "d": d, "steps": list(cfg.processing_steps)}, quant[-1], quant[0][0],
        "point estimates strictly decreasing in step", bool(np.all(np.diff(values) < 0))))
    return claims, {"steps": list(cfg.processing_steps), "quantized": quant, "full": full}


def _cross_check_claim(key, cfg: TheoremsConfig) -> Claim:
    """The d-dimensional Monte Carlo at d = 1 against the scalar quadrature."""
    n, step, mu = 200, 0.2, 0.06
    est = interval(theory.quantized_gaussian_mean_delta(
        key, n, jnp.array([mu]), step, num_samples=cfg.num_samples))
    exact = math.exp(float(theory.quantized_mean_log_delta(n, step / 2 - mu, step)))
    return Claim("s5.cross_check.d=1", "Monte Carlo of the exact llr equals the quadrature",
                 {"n": n, "mu": mu, "step": step}, est, exact,
                 "quadrature within the 95 % interval", within(est, exact, 0.0))


def quantized_claims(key: jax.Array, cfg: TheoremsConfig) -> tuple[list[Claim], Any]:
    """All claims of section 5 (and the data-processing fact), with figure data."""
    proc_key, cross_key = jax.random.split(key)
    fixed, fixed_rows = _fixed_claims(cfg)
    adaptive, adaptive_rows = _adaptive_claims(cfg)
    boundary, boundary_fig = _boundary_claims(cfg)
    processing, processing_fig = _processing_claims(proc_key, cfg)
    claims = fixed + adaptive + boundary + processing + [_cross_check_claim(cross_key, cfg)]
    figure = {"fixed": fixed_rows, "adaptive": adaptive_rows, "boundary": boundary_fig,
              "processing": processing_fig}
    return claims, figure
