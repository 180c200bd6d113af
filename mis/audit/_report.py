"""``mis audit``: a scores or signals file turned into a metrics table with intervals, the
log-log ROC and score histograms (host).

Input (``.npz``), one of:

- ``scores`` and ``is_member`` (same shape, any): attack scores as they are (larger =
  member); one row named ``scores``.
- ``signals [M, n(, q)]`` and ``mask [M, n]``: per-model signals of shadow models trained on
  random subsets of ``n`` examples (1 = IN); the reference attacks of
  :func:`mis.attacks.signal_attacks` are run leave-one-model-out and pooled.

Outputs: ``metrics.csv`` and ``metrics.json`` (AUC with DeLong interval, advantage with
held-out / DKW interval, TPR at each FPR with held-out Clopper–Pearson interval, ε lower bound;
JSON adds the provenance and the input's SHA-256), ``report.md``, ``roc.png``,
``histograms.png``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mis.audit._plots import histogram_grid, plot_roc
from mis.audit._roc import epsilon_lower_bound
from mis.audit._table import AttackMetrics, format_table, metrics_table
from mis.errors import UserError
from mis.io import file_digest, load_npz, png_bytes, to_csv, to_json


def _numeric(name: str, a: np.ndarray) -> None:
    """One line for non-numeric or non-finite arrays (NaN, ±inf)."""
    if not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise UserError(f"{name} has dtype {a.dtype}; it must be numeric")
    if a.size and not np.all(np.isfinite(a)):
        bad = int(np.sum(~np.isfinite(a)))
        raise UserError(f"{name} holds {bad} non-finite value(s) (NaN or ±inf); replace them "
                        "(e.g. by the largest finite score)")


def load_audit_input(path: str | Path) -> tuple[dict, np.ndarray | None, np.ndarray | None, str]:
    """``(arrays, scores, is_member, kind)`` of an audit file; ``kind`` is ``"scores"`` or
    ``"signals"``. ``UserError`` for a missing, unreadable or incomplete file."""
    path = Path(path)
    arrays = load_npz(path)
    if {"scores", "is_member"} <= set(arrays):
        s, m = arrays["scores"], arrays["is_member"]
        _numeric("scores", s)
        _numeric("is_member", m)
        if s.shape != m.shape:
            raise UserError(f"scores {s.shape} and is_member {m.shape} must have one shape")
        if m.dtype != bool and not np.isin(m, (0, 1)).all():
            bad = np.unique(m[~np.isin(m, (0, 1))])[:3].tolist()
            raise UserError(f"is_member holds {bad}; it must hold only 0 / 1 or booleans "
                            "(1 = member)")
        return arrays, s.ravel(), m.ravel(), "scores"
    if {"signals", "mask"} <= set(arrays):
        sig, mask = arrays["signals"], arrays["mask"]
        _numeric("signals", sig)
        _numeric("mask", mask)
        if sig.ndim not in (2, 3) or mask.ndim != 2 or sig.shape[:2] != mask.shape:
            raise UserError(f"signals {sig.shape} and mask {mask.shape}: use signals [M, n] "
                            "or [M, n, q] and mask [M, n] (M models, n examples)")
        if sig.size == 0 or sig.shape[0] < 3:
            raise UserError(f"signals {sig.shape} need at least 3 models and 1 example (each "
                            "model is attacked with the others as references)")
        if not np.isin(mask, (0, 1)).all():
            raise UserError("mask must hold only 0 (OUT) and 1 (IN)")
        return arrays, None, None, "signals"
    raise UserError(f"input {str(path)!r} holds {sorted(arrays) or 'no arrays'}; it needs "
                    "'scores' and 'is_member', or 'signals' and 'mask'")


def _row(metrics: AttackMetrics, eps) -> dict:
    row: dict[str, str | float] = {"attack": metrics.attack}
    for name, est in (("auc", metrics.auc), ("advantage", metrics.advantage),
                      *((f"tpr@{f:g}", e) for f, e in metrics.tpr_at_fpr.items())):
        row |= {name: float(est.value), f"{name}_lo": float(est.lower),
                f"{name}_hi": float(est.upper)}
    return row | {"epsilon_lower_bound": float(eps)}


INDEPENDENT = ("Intervals are 95 % and treat the scores as independent (one score vector): "
               "AUC DeLong; advantage threshold chosen on one half of the scores (a seeded "
               "split stratified by label, seed 0) and evaluated on the other (lower) / DKW "
               "band (upper); TPR at FPR: the threshold chosen on one half, the value and its "
               "Clopper–Pearson interval on the other (held-out).")


def audit_outputs(scores: dict, is_member: ArrayLike, *, fprs: tuple[float, ...],
                  provenance: dict, source: Path,
                  eps_fpr: float = 0.01, table: list[AttackMetrics] | None = None,
                  findings: Sequence[Any] = (), intervals: str = INDEPENDENT,
                  ceiling: float | None = None) -> dict[str, bytes]:
    """Every output file for ``name -> scores`` against ``is_member`` (flattened).
    ``table``: the metrics already computed (e.g. two-way intervals of stacked scores,
    :func:`mis.inference.stacked_metrics_table`; default :func:`metrics_table`), described by
    ``intervals``; ``findings``: :class:`mis.inference.Finding` s to report; ``ceiling``: the
    largest ε the ε lower bound could show at these sizes."""
    flat = {k: np.asarray(v).ravel() for k, v in scores.items()}
    m = np.asarray(is_member).ravel().astype(bool)
    table = metrics_table(flat, m, fprs=fprs) if table is None else table
    rows = [_row(t, epsilon_lower_bound(flat[t.attack], m, fpr=eps_fpr))
            for t in table]
    digest = file_digest(source)
    curves = {k: (v, m) for k, v in flat.items()}
    report = "\n".join([
        f"# Membership inference audit of `{Path(source).name}`", "",
        f"{int(m.sum())} member and {int((~m).sum())} non-member scores; larger = member. "
        + intervals + f" ε lower bound at FPR {eps_fpr:g} (Clopper–Pearson over the scores as "
        "independent trials, δ = 0)" + (f"; the largest ε these sizes can show is "
                                        f"{ceiling:.2f}" if ceiling is not None else "")
        + ".", "",
        format_table(table), "",
        "| attack | ε lower bound |", "|---|---|",
        *(f"| {r['attack']} | {r['epsilon_lower_bound']:.3f} |" for r in rows), "",
        *(["## Findings", "", *(f"- {f.line()}" for f in findings), ""] if findings else []),
        "![ROC](roc.png)", "", "![histograms](histograms.png)", ""])
    return {
        "metrics.csv": to_csv(rows),
        "metrics.json": to_json({"provenance": provenance, "input": str(source),
                                 "input_sha256": digest, "fprs": list(fprs), "table": rows,
                                 "findings": [f.record() for f in findings],
                                 "epsilon_ceiling": ceiling}),
        "report.md": report.encode(),
        "roc.png": png_bytes(plot_roc(curves, title="ROC (log-log)")),
        "histograms.png": png_bytes(histogram_grid(flat, m)),
    }

