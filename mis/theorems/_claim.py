"""The record of one reproduced claim."""

import math
from typing import Any, NamedTuple


class Claim(NamedTuple):
    """One checked statement of the theory (docs/theory.md).

    Attributes:
      id: stable identifier, ``<section>.<topic>[.<case>]``.
      claim: the statement, in words.
      params: the parameters of this instance.
      exact: ``(value, lower, upper)`` of the exact (or exactly simulated) quantity;
        ``lower == upper == value`` for deterministic computations.
      formula: the value the formula or reference predicts (``None`` if the claim is an
        inequality checked against ``bound``-style params).
      tolerance: how ``holds`` was decided, in words.
      holds: whether the claim held in this run.
      note: anything a reader must know (for example a disagreement with the reference).
    """

    id: str
    claim: str
    params: dict[str, Any]
    exact: tuple[float, float, float]
    formula: float | None
    tolerance: str
    holds: bool
    note: str = ""


def point(value: float) -> tuple[float, float, float]:
    """A deterministic exact value as ``(value, value, value)``."""
    v = float(value)
    return (v, v, v)


def interval(estimate: Any) -> tuple[float, float, float]:
    """An ``Estimate`` as a plain float triple."""
    return (float(estimate.value), float(estimate.lower), float(estimate.upper))


def within(exact: tuple[float, float, float], reference: float, slack: float) -> bool:
    """``reference`` lies in the interval widened by ``slack`` on both sides."""
    _, lo, hi = exact
    return math.isfinite(reference) and lo - slack <= reference <= hi + slack


# what the "exact" column of each claim measures, by id prefix (longest prefix wins)
QUANTITIES = {
    "s2.data_processing": "Δ, full precision (MC)",
    "s3.mis_limit": "MIS limit 2Φ(−√τ/2)",
    "s3.mis_vs_tau": "MIS = 1 − Δ (MC)",
    "s3.target": "Δ (MC)",
    "s3.quadrature": "Δ (MC)",
    "s3.fixed_d.slope": "slope of log Δ_n on log n",
    "s3.fixed_d.constant": "√n·Δ_n (MC)",
    "s3.fixed_d.sqrt_d_over_2pi": "c_d / √(d/2π)",
    "s4.target": "Δ",
    "s4.asymptote": "C_K / √(2πn)",
    "s4.bound": "max_n √n·Δ_n",
    "s4.limit": "√n·Δ_n",
    "s5.coupling": "log Δ_n",
    "s5.fixed.target": "log Δ_n",
    "s5.fixed.rate": "log Δ_n / (−n r)",
    "s5.adaptive.ratio": "log Δ_n / (−n r)",
    "s5.boundary": "√n·Δ_n",
    "s5.cross_check": "Δ (MC)",
    "s6.processing.monotone": "Δ at the largest step (MC)",
    "s7.fpr_bound": "FPR of the loss attack",
}


def quantity(claim_id: str) -> str:
    """What a claim's ``exact`` value is (its unit in the report): Δ, log Δ, √n·Δ, a slope,
    a ratio...; "(MC)" marks an exactly simulated value with a Monte Carlo interval."""
    keys = [k for k in QUANTITIES if claim_id == k or claim_id.startswith(k + ".")]
    if not keys:
        raise KeyError(f"claim {claim_id!r} has no quantity in QUANTITIES")
    return QUANTITIES[max(keys, key=len)]
