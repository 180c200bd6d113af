"""ε lower bounds from one training run (host, SciPy).

Steinke, Nasr and Jagielski audit a mechanism with *one* run: ``m`` canaries are each included
independently with probability ½; the attacker, seeing the output, guesses membership for
``r`` of them (abstaining on the rest) and ``v`` guesses are right. If the mechanism is
(ε, δ)-DP, the number of right guesses ``W`` satisfies (their bound for approximate DP)

    P[W ≥ v] ≤ β + α · 2mδ,   β = P[Bin(r, q) ≥ v],   q = e^ε / (1 + e^ε),
    α = max_{1 ≤ i ≤ v} (P[Bin(r, q) ≥ v − i] − β) / i,

so an observed ``v`` whose bound falls below the significance ``1 − confidence`` refutes the
claim. The bound grows with ε; :func:`one_run_epsilon` returns the largest refuted ε (0 when
none), a lower confidence bound on the mechanism's ε that needs no independence between the
canaries' scores: the dependence through the shared run is what the theorem accounts for.
With δ = 0 it is the logit of the one-sided Clopper–Pearson lower bound on the guess accuracy.

The canaries' inclusions must be independent fair coins *given everything the attacker uses*:
reference models whose membership is correlated with the audited run's (a balanced design
across models) break that premise.

References:
    Steinke, Nasr, Jagielski, "Privacy Auditing with One (1) Training Run", NeurIPS 2023,
    arXiv:2305.08846. ``jax_privacy.auditing`` implements the same bound (not a dependency
    here: the tests check the δ = 0 closed form and the bound's validity by simulation).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats


def _check(num_canaries: int, num_guesses: int, num_correct: int) -> None:
    if not 0 <= num_correct <= num_guesses <= num_canaries or num_canaries < 1:
        raise ValueError(f"need 0 <= correct ({num_correct}) <= guesses ({num_guesses}) <= "
                         f"canaries ({num_canaries}), canaries >= 1")


def one_run_p_value(num_canaries: int, num_guesses: int, num_correct: int, epsilon: float,
                    delta: float = 0.0) -> float:
    """The bound on ``P[W ≥ num_correct]`` under (ε, δ)-DP (module docstring), at most 1."""
    _check(num_canaries, num_guesses, num_correct)
    q = float(special.expit(epsilon))
    v, r = num_correct, num_guesses
    beta = float(stats.binom.sf(v - 1, r, q))  # P[Bin(r, q) >= v]
    if delta == 0 or v == 0:
        return min(beta, 1.0)
    i = np.arange(1, v + 1)
    tails = stats.binom.sf(v - i - 1, r, q)  # P[Bin(r, q) >= v - i]
    alpha = float(np.max((tails - beta) / i, initial=0.0))
    return min(beta + alpha * 2 * num_canaries * delta, 1.0)


def one_run_epsilon(num_canaries: int, num_guesses: int, num_correct: int, *,
                    delta: float = 0.0, confidence: float = 0.95) -> float:
    """The largest ε whose (ε, δ) claim ``num_correct`` right guesses out of ``num_guesses``
    (on ``num_canaries`` canaries) refute at significance ``1 − confidence``; 0 when even
    ε = 0 is not refuted. A lower confidence bound on ε (module docstring)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie in (0, 1)")
    if not 0 <= delta < 1 or math.isnan(delta):
        raise ValueError(f"delta={delta!r} must lie in [0, 1)")
    significance = 1 - confidence
    gap = lambda eps: significance - one_run_p_value(  # noqa: E731  > 0: refuted
        num_canaries, num_guesses, num_correct, eps, delta)
    if gap(0.0) <= 0:
        return 0.0
    hi = 1.0
    while gap(hi) > 0:
        hi *= 2
        if hi > 1e3:  # every guess right on many canaries: refuted beyond any useful ε
            return math.inf
    return float(optimize.brentq(gap, hi / 2 if hi > 1 else 0.0, hi, xtol=1e-9))
