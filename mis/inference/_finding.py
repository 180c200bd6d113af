"""Three-valued findings: a claim decided by the interval of the quantity it is about (host).

For a claim about a quantity ``q`` with null value ``q₀`` and interval ``[lo, hi]``:

============  ===========================  ==========================================
direction     holds when                   does not hold when
============  ===========================  ==========================================
``greater``   ``lo > q₀``                  ``hi < q₀``, or ``[lo, hi] ⊂ (q₀ − m, q₀ + m)``
``less``      ``hi < q₀``                  ``lo > q₀``, or ``[lo, hi] ⊂ (q₀ − m, q₀ + m)``
``at_most``   ``hi < q₀ + m``              ``lo > q₀ + m``
``at_least``  ``lo > q₀ − m``              ``hi < q₀ − m``
``equal``     ``[lo, hi] ⊂ (q₀ − m, q₀ + m)``  ``lo > q₀ + m`` or ``hi < q₀ − m``
============  ===========================  ==========================================

and "inconclusive" otherwise (``m`` the stated equivalence margin, 0 when none; ``equal``
is the two one-sided tests of Schuirmann 1987 read off one interval). A quantity that could
not be computed (``nan``), or a sample below the study's stated minimum, gives "not enough
data", never a verdict. A smoke-sized run marks its findings as such.

Multiplicity: a study with ``k`` findings computes each interval at
:func:`~mis.inference.bonferroni_confidence` ``(k)`` (family-wise 95 %) or states the
per-finding level; :func:`family_note` writes that sentence.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from theory import Estimate

HOLDS, DOES_NOT_HOLD, INCONCLUSIVE, NOT_ENOUGH = (
    "holds", "does not hold", "inconclusive", "not enough data")
OUTCOMES = (HOLDS, DOES_NOT_HOLD, INCONCLUSIVE, NOT_ENOUGH)
DIRECTIONS = ("greater", "less", "at_most", "at_least", "equal")


def decide(estimate: Estimate, *, direction: str, null: float = 0.0,
           margin: float = 0.0) -> str:
    """The outcome of a claim (module docstring's table)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction={direction!r}; use one of {', '.join(DIRECTIONS)}")
    if margin < 0 or not math.isfinite(margin):
        raise ValueError(f"margin={margin!r} must be a finite number >= 0")
    lo, hi = float(estimate.lower), float(estimate.upper)
    if math.isnan(float(estimate.value)) or math.isnan(lo) or math.isnan(hi):
        return NOT_ENOUGH  # an infinite end is a one-sided interval, not missing data
    inside = margin > 0 and null - margin < lo and hi < null + margin
    if direction == "greater":
        return HOLDS if lo > null else DOES_NOT_HOLD if hi < null or inside else INCONCLUSIVE
    if direction == "less":
        return HOLDS if hi < null else DOES_NOT_HOLD if lo > null or inside else INCONCLUSIVE
    if direction == "at_most":
        return HOLDS if hi < null + margin else DOES_NOT_HOLD if lo > null + margin \
            else INCONCLUSIVE
    if direction == "at_least":
        return HOLDS if lo > null - margin else DOES_NOT_HOLD if hi < null - margin \
            else INCONCLUSIVE
    out = lo > null + margin or hi < null - margin
    return HOLDS if inside else DOES_NOT_HOLD if out else INCONCLUSIVE


class Finding(NamedTuple):
    """One verdict of a study.

    Attributes:
        claim: the claim in words ("post-training quantization leaks more than ...").
        quantity: what the interval is about ("AUC(ptq) − AUC(original)").
        estimate: the quantity with its interval at ``confidence``.
        direction: see :data:`DIRECTIONS` and the module docstring.
        null: the null value (0 for a difference).
        margin: the equivalence margin (0: none).
        confidence: the interval's level (after the study's multiplicity correction).
        sizes: the sample sizes behind the interval (``{"models": 64, "examples": 1000}``).
        smoke: the run was smoke-sized (a check of the machinery, not evidence).
        enough: False when the sample is below the study's stated minimum.
        note: anything the reader needs (the threat model, a departure, why not enough).
    """

    claim: str
    quantity: str
    estimate: Estimate
    direction: str
    null: float = 0.0
    margin: float = 0.0
    confidence: float = 0.95
    sizes: dict = {}
    smoke: bool = False
    enough: bool = True
    note: str = ""

    @property
    def outcome(self) -> str:
        """``holds``, ``does not hold``, ``inconclusive`` or ``not enough data``."""
        if not self.enough:
            return NOT_ENOUGH
        return decide(self.estimate, direction=self.direction, null=self.null,
                      margin=self.margin)

    @property
    def rule(self) -> str:
        """The decision rule in words."""
        q, n, m = self.quantity, self.null, self.margin
        return {"greater": f"holds if the interval of {q} lies above {n:g}",
                "less": f"holds if the interval of {q} lies below {n:g}",
                "at_most": f"holds if the interval of {q} lies below {n + m:g}",
                "at_least": f"holds if the interval of {q} lies above {n - m:g}",
                "equal": f"holds if the interval of {q} lies inside {n:g} ± {m:g}",
                }[self.direction] + (f" (margin {m:g})" if m and self.direction in
                                     ("greater", "less") else "")

    def line(self, digits: int = 3) -> str:
        """One markdown line: outcome, claim, the interval, the sizes, smoke mark."""
        e = self.estimate
        sizes = ", ".join(f"{k} {v}" for k, v in self.sizes.items())
        text = (f"**{self.outcome}**{' (smoke-sized)' if self.smoke else ''}: {self.claim} — "
                f"{self.quantity} = {float(e.value):.{digits}f} "
                f"[{float(e.lower):.{digits}f}, {float(e.upper):.{digits}f}] "
                f"({self.confidence:.1%} interval; {self.rule}"
                + (f"; {sizes}" if sizes else "") + ")")
        return text + (f". {self.note}" if self.note else "")

    def record(self) -> dict:
        """A flat record for JSON / CSV."""
        e = self.estimate
        return {"claim": self.claim, "quantity": self.quantity, "outcome": self.outcome,
                "value": float(e.value), "lower": float(e.lower), "upper": float(e.upper),
                "direction": self.direction, "null": self.null, "margin": self.margin,
                "confidence": self.confidence, "sizes": dict(self.sizes),
                "smoke": self.smoke, "note": self.note}


def family_note(num_findings: int, confidence: float = 0.95, *, corrected: bool = True) -> str:
    """The sentence a report states about its multiplicity control."""
    if corrected and num_findings > 1:
        per = 1 - (1 - confidence) / num_findings
        return (f"{num_findings} findings, each interval at {per:.2%} (Bonferroni), so all "
                f"hold together with probability at least {confidence:.0%}.")
    return f"Each interval at {confidence:.0%} (no correction across findings)."


def grouped_lines(found: list[Finding], titles: dict[str, str], *, confidence: float = 0.95,
                  missing: str = "no such group in the run") -> list[str]:
    """Report lines of findings whose claims start ``"(<key>) "``: per ``titles`` key a
    summary line (the count of each outcome, or "not enough data (``missing``)" when the group
    has no finding), then one indented :meth:`Finding.line` per finding, and last the
    multiplicity sentence (:func:`family_note` over all of them)."""
    out = []
    for key, title in titles.items():
        mine = [f for f in found if f.claim.startswith(f"({key}) ")]
        if not mine:
            out.append(f"{title}: not enough data ({missing})")
            continue
        counts = {o: sum(f.outcome == o for f in mine) for o in OUTCOMES}
        out.append(f"{title}: " + ", ".join(f"{o} {n}" for o, n in counts.items() if n)
                   + f" of {len(mine)}")
        out += [f"  - {f.line()}" for f in mine]
    return out + [family_note(len(found), confidence)]
