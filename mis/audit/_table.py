"""One metrics table for several attacks on the same members / non-members (host)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from mis.audit._roc import advantage, auc, check_scores, held_out_halves, held_out_rates
from theory import Estimate

NOT_RESOLVABLE = Estimate(math.nan, math.nan, math.nan)


class AttackMetrics(NamedTuple):
    """Metrics of one attack; every field an ``Estimate`` with its interval.

    Attributes:
        attack: name.
        auc, advantage: estimates with intervals.
        tpr_at_fpr: ``fpr -> Estimate`` (held-out); all ``nan`` where the target FPR is below
            ``min_fpr`` ("not resolvable").
        realised_fpr: ``fpr -> Estimate``: the FPR the chosen threshold actually has on the
            evaluation half (empty where not measured).
        min_fpr: ``1 / non-members used to choose the threshold`` (``nan``: not recorded).
        replicates: the :class:`mis.inference.CrossedMetrics` behind two-way intervals (for
            paired comparisons), else None.
    """

    attack: str
    auc: Estimate
    advantage: Estimate
    tpr_at_fpr: dict  # fpr -> Estimate
    realised_fpr: dict = {}
    min_fpr: float = math.nan
    replicates: Any = None

    def resolvable(self, fpr: float) -> bool:
        """Whether a threshold could aim at ``fpr`` (``fpr >= min_fpr``; True if unknown)."""
        return not fpr < self.min_fpr - 1e-15


def metrics_table(scores: dict, is_member: ArrayLike, *,
                  fprs: tuple[float, ...] = (0.001, 0.01, 0.1),
                  confidence: float = 0.95) -> list[AttackMetrics]:
    """AUC (DeLong), advantage (held-out / DKW) and TPR at each FPR (held-out Clopper–Pearson)
    for every ``name -> scores`` (scores flattened against ``is_member``). These intervals
    assume independent examples (one score vector, e.g. ``mis audit`` of one model); stacked
    shadow-model scores ``[M, n]`` need :func:`mis.inference.stacked_metrics_table`."""
    out = []
    for name, s in scores.items():
        sc, m = check_scores(s, is_member)
        choose, _ = held_out_halves(m)
        min_fpr = 1.0 / max(int(np.sum(~m[choose])), 1)
        tprs, realised = {}, {}
        for f in fprs:
            if f < min_fpr - 1e-15:
                tprs[f] = realised[f] = NOT_RESOLVABLE
                continue
            r = held_out_rates(sc, m, f, confidence=confidence)
            tprs[f], realised[f] = r.tpr, r.fpr
        out.append(AttackMetrics(name, auc(sc, m, confidence=confidence),
                                 advantage(sc, m, confidence=confidence), tprs, realised,
                                 min_fpr))
    return out


def format_table(rows: list[AttackMetrics]) -> str:
    """Markdown table: value [lower, upper] per metric."""
    def fmt(e):
        if not math.isfinite(float(e.value)):
            return "not resolvable"
        return f"{float(e.value):.4f} [{float(e.lower):.4f}, {float(e.upper):.4f}]"

    fprs = list(rows[0].tpr_at_fpr) if rows else []
    head = "| attack | AUC | advantage | " + " | ".join(f"TPR@{f:g}" for f in fprs) + " |"
    lines = [head, "|" + "---|" * (3 + len(fprs))]
    for r in rows:
        cells = [r.attack, fmt(r.auc), fmt(r.advantage)] + [fmt(r.tpr_at_fpr[f]) for f in fprs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
