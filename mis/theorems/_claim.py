"""The record of one reproduced claim."""

import math
from typing import Any, NamedTuple


class Claim(NamedTuple):
    """One checked statement of THEORY.md.

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
      note: anything a reader must know (for example a disagreement with THEORY.md).
    """

    id: str
    claim: str
    params: dict[str, Any]
    exact: tuple[float, float, float]
    formula: float | None
    tolerance: str
    holds: bool
    note: str = ""


def point(value) -> tuple[float, float, float]:
    """A deterministic exact value as ``(value, value, value)``."""
    v = float(value)
    return (v, v, v)


def interval(estimate) -> tuple[float, float, float]:
    """An ``Estimate`` as a plain float triple."""
    return (float(estimate.value), float(estimate.lower), float(estimate.upper))


def within(exact: tuple[float, float, float], reference: float, slack: float) -> bool:
    """``reference`` lies in the interval widened by ``slack`` on both sides."""
    _, lo, hi = exact
    return math.isfinite(reference) and lo - slack <= reference <= hi + slack
