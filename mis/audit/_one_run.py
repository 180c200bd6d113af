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

From scores to a bound (:func:`one_run_audit`): the attacker ranks the canaries by score and
guesses IN for the ``k₊`` highest (and, two-sided, OUT for the ``k₋`` lowest). Choosing the
number of guesses after seeing which were right would bias the bound upward ("peeking"), so the
candidate guess counts are a fixed grid (``k ≈ m·2^{-j/2}``, one- and two-sided) and the bound is
taken at significance ``(1 − confidence) / K`` for the ``K`` candidates (Bonferroni): the
reported ε is the best of ``K`` bounds that hold *simultaneously* at the stated confidence.
Ties in the scores are broken by canary index, which does not depend on the coins. The
ceiling is the same computation with every guess right: the most this audit can certify.

References:
    Steinke, Nasr, Jagielski, "Privacy Auditing with One (1) Training Run", NeurIPS 2023,
    arXiv:2305.08846 (Theorem 3.3, Algorithm 1). ``jax_privacy.auditing`` (2.0.0) implements
    the same bound; the tests use it as an oracle on identical counts and scores.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
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


class OneRunAudit(NamedTuple):
    """The one-run audit of canary scores (module docstring).

    Attributes:
        epsilon: the ε lower bound at ``confidence`` (Bonferroni over ``candidates``).
        ceiling: the bound had every guess at every candidate count been right.
        num_canaries: ``m``; ``num_included``: how many coins came up IN.
        guesses_in, guesses_out: ``k₊`` and ``k₋`` of the candidate that gave ``epsilon``.
        correct: right guesses at that candidate.
        candidates: ``K``, the candidate guess counts tried.
        confidence, delta: the level and the δ of the refuted (ε, δ) claims.
    """

    epsilon: float
    ceiling: float
    num_canaries: int
    num_included: int
    guesses_in: int
    guesses_out: int
    correct: int
    candidates: int
    confidence: float
    delta: float


def guess_grid(num_canaries: int, two_sided: bool = True) -> list[tuple[int, int]]:
    """The candidate ``(k₊, k₋)``: ``k = round(m·2^{-j/2}) >= 1`` for ``j = 2, 3, ...``
    (at most half the canaries guessed IN), one-sided ``(k, 0)`` and, if ``two_sided``,
    ``(k, k)``."""
    ks = sorted({max(1, round(num_canaries * 2 ** (-j / 2))) for j in range(2, 64)
                 if num_canaries * 2 ** (-j / 2) >= 0.5}, reverse=True)
    grid = [(k, 0) for k in ks]
    if two_sided:
        grid += [(k, k) for k in ks if 2 * k <= num_canaries]
    return grid


def one_run_audit(scores: ArrayLike, included: ArrayLike, *, delta: float = 0.0,
                  confidence: float = 0.95,
                  grid: list[tuple[int, int]] | None = None) -> OneRunAudit:
    """The ε lower bound of one run from the canaries' ``scores`` (larger = IN) and their coins
    ``included`` (module docstring). ``grid`` overrides the candidate ``(k₊, k₋)`` guess
    counts (a single candidate: no correction)."""
    s = np.asarray(scores, np.float64).ravel()
    inc = np.asarray(included, bool).ravel()
    if s.shape != inc.shape or s.size < 2:
        raise ValueError(f"need >= 2 scores and as many coins (got {s.size} and {inc.size})")
    if np.isnan(s).any():
        raise ValueError("scores contain NaN")
    m = s.size
    grid = guess_grid(m) if grid is None else list(grid)
    if not grid or any(k_in < 0 or k_out < 0 or k_in + k_out > m or k_in + k_out == 0
                       for k_in, k_out in grid):
        raise ValueError(f"grid {grid} needs guess counts (k_in, k_out) >= 0 with "
                         f"0 < k_in + k_out <= {m}")
    order = np.argsort(-s, kind="stable")  # highest first; ties by index
    right_in = np.concatenate([[0], np.cumsum(inc[order])])  # right IN guesses among top k
    right_out = np.concatenate([[0], np.cumsum(~inc[order[::-1]])])  # OUT among bottom k
    level = 1 - (1 - confidence) / len(grid)
    n_in = int(inc.sum())
    best = (0.0, grid[0], 0)
    ceiling = 0.0
    for k_in, k_out in grid:
        correct = int(right_in[k_in] + right_out[k_out])
        eps = one_run_epsilon(m, k_in + k_out, correct, delta=delta, confidence=level)
        if eps > best[0]:
            best = (eps, (k_in, k_out), correct)
        perfect = min(k_in, n_in) + min(k_out, m - n_in)
        ceiling = max(ceiling, one_run_epsilon(m, k_in + k_out, perfect, delta=delta,
                                               confidence=level))
    eps, (k_in, k_out), correct = best
    return OneRunAudit(eps, ceiling, m, n_in, k_in, k_out, correct, len(grid), confidence,
                       delta)
