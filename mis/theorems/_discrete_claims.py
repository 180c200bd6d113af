"""Claims of THEORY §4: discrete data and the diversity constant."""

import math
from typing import Any

import jax.numpy as jnp

import theory
from mis.theorems._claim import Claim, point
from mis.theorems._config import TheoremsConfig


def discrete_claims(cfg: TheoremsConfig) -> tuple[list[Claim], Any]:
    """Reference value, the C_K/(2 sqrt n) bound and the sqrt(n) limit; figure data."""
    uniform = jnp.full(10, 0.1)
    exact = float(theory.discrete_delta(uniform, 1000))
    c10 = float(theory.diversity_constant(uniform))
    claims = [
        Claim("s4.target.uniform10.n=1000", "uniform K = 10, n = 1000: Delta = 0.037815",
              {"K": 10, "n": 1000}, point(exact), 0.037815, "|value - 0.037815| <= 5e-7",
              abs(exact - 0.037815) <= 5e-7),
        Claim("s4.asymptote.uniform10.n=1000", "asymptote C_K/sqrt(2 pi n) = 0.037847",
              {"K": 10, "n": 1000}, point(c10 / math.sqrt(2 * math.pi * 1000)), 0.037847,
              "|value - 0.037847| <= 5e-7",
              abs(c10 / math.sqrt(2 * math.pi * 1000) - 0.037847) <= 5e-7),
    ]
    p = jnp.asarray(cfg.discrete_p)
    c_k = float(theory.diversity_constant(p))
    scaled = [math.sqrt(n) * float(theory.discrete_delta(p, n)) for n in cfg.discrete_ns]
    bound_ok = all(s <= c_k / 2 + 1e-12 for s in scaled)
    claims.append(
        Claim("s4.bound", "Delta_n <= C_K/(2 sqrt n) for every n",
              {"p": list(cfg.discrete_p), "n": list(cfg.discrete_ns)},
              point(max(scaled)), c_k / 2, "max_n sqrt(n) Delta_n <= C_K/2", bound_ok)
    )
    limit = c_k / math.sqrt(2 * math.pi)
    claims.append(
        Claim("s4.limit", "sqrt(n) Delta_n -> C_K/sqrt(2 pi)",
              {"p": list(cfg.discrete_p), "n": cfg.discrete_ns[-1]}, point(scaled[-1]),
              limit, "relative error <= 0.5 % at the largest n",
              abs(scaled[-1] / limit - 1) <= 0.005)
    )
    figure = {"n": list(cfg.discrete_ns), "sqrt_n_delta": scaled, "limit": limit,
              "bound": c_k / 2, "p": list(cfg.discrete_p)}
    return claims, figure
