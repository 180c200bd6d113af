"""One metrics table for several attacks on the same members / non-members (host)."""

from __future__ import annotations

from typing import NamedTuple

from mis.audit._roc import advantage, auc, tpr_at_fpr
from theory import Estimate


class AttackMetrics(NamedTuple):
    """Metrics of one attack; every field an ``Estimate`` with its interval."""

    attack: str
    auc: Estimate
    advantage: Estimate
    tpr_at_fpr: dict  # fpr -> Estimate


def metrics_table(scores: dict, is_member, *, fprs=(0.001, 0.01, 0.1),
                  confidence: float = 0.95) -> list[AttackMetrics]:
    """AUC (DeLong), advantage (held-out / DKW) and TPR at each FPR (held-out Clopper–Pearson)
    for every ``name -> scores`` (scores flattened against ``is_member``)."""
    return [AttackMetrics(name, auc(s, is_member, confidence=confidence),
                          advantage(s, is_member, confidence=confidence),
                          {f: tpr_at_fpr(s, is_member, f, confidence=confidence) for f in fprs})
            for name, s in scores.items()]


def format_table(rows: list[AttackMetrics]) -> str:
    """Markdown table: value [lower, upper] per metric."""
    fmt = lambda e: f"{float(e.value):.4f} [{float(e.lower):.4f}, {float(e.upper):.4f}]"
    fprs = list(rows[0].tpr_at_fpr) if rows else []
    head = "| attack | AUC | advantage | " + " | ".join(f"TPR@{f:g}" for f in fprs) + " |"
    lines = [head, "|" + "---|" * (3 + len(fprs))]
    for r in rows:
        cells = [r.attack, fmt(r.auc), fmt(r.advantage)] + [fmt(r.tpr_at_fpr[f]) for f in fprs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
