"""Outputs of ``mis compleak``: one CSV row per attack × version set, results.json with
provenance, report.md with the four verdicts, and the figures (host)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from mis.audit import plot_intervals
from mis.compleak._compress import parse_version
from mis.compleak._config import CompleakConfig
from mis.compleak._pipeline import AttackRow, CompleakResult
from mis.inference import (
    CrossedMetrics,
    Finding,
    bonferroni_confidence,
    difference,
    grouped_lines,
)
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.io import fmt_estimate as _est
from mis.release import estimate_columns

NR_COMPLEAK = ("nn-lr", "nn-rf", "label-lr", "label-rf", "entropy", "m-entropy", "samia",
               "rmia-1ref")


def attack_rows(result: CompleakResult) -> list[dict]:
    """CSV rows: kind, attack, versions ('+'-joined), AUC and held-out TPRs with their two-way
    intervals (empty where the FPR is below ``min_fpr``: not resolvable), ``min_fpr``, the
    best-threshold balanced accuracy and the attack's decision-rule one."""
    out = []
    for r in result.rows:
        row: dict[str, str | float] = {"kind": r.kind, "attack": r.attack,
                                       "versions": "+".join(r.versions)}
        row |= estimate_columns("auc", r.auc)
        for f, est in r.tpr.items():
            row |= estimate_columns(f"tpr@{f:g}", est)
        row["min_fpr"] = r.metrics.min_fpr if r.metrics is not None else ""
        row["balanced_accuracy"] = r.balanced_accuracy
        row["rule_accuracy"] = "" if np.isnan(r.rule_accuracy) else r.rule_accuracy
        out.append(row)
    return out


def _best(rows: list[AttackRow], kind: str, version: str | None = None,
          attacks=None) -> AttackRow | None:
    pool = [r for r in rows if r.kind == kind and (version is None or version in r.versions)
            and (attacks is None or r.attack in attacks)]
    if kind == "NR" and version is not None:
        pool = [r for r in pool if r.versions == (version,)]
    return max(pool, key=lambda r: float(r.auc.value), default=None)


def _row(rows, attack, versions) -> AttackRow | None:
    return next((r for r in rows if r.attack == attack and r.versions == tuple(versions)),
                None)


MILD_MARGIN = 0.01  # "not less leaky": AUC at most this much below the original's
# below these the two-way interval cannot see the variation between models / points: the
# findings say "not enough data"
MIN_VICTIM_MODELS, MIN_VICTIM_POINTS = 2, 50


class _Spec(NamedTuple):
    group: str
    claim: str
    quantity: str
    a: AttackRow
    b: AttackRow
    direction: str
    margin: float = 0.0
    note: str = ""


def _metrics(row: AttackRow) -> CrossedMetrics:
    """The row's two-way metrics (every attack row of a run carries them)."""
    if row.metrics is None:
        raise ValueError(f"attack row {row.attack!r} carries no replicates")
    return row.metrics


def _specs(result: CompleakResult) -> list[_Spec]:
    rows = result.rows
    versions = [parse_version(v) for v in result.config.versions]
    out = []
    nr0 = _best(rows, "NR", "original", NR_COMPLEAK)
    lira0 = _row(rows, "lira", ["original"])
    for v in versions:  # (i)
        sr2 = _best(rows, "SR", v.spec, ("sr2-lr", "sr2-rf"))
        nrv = _best(rows, "NR", v.spec, NR_COMPLEAK)
        if sr2 is None or nrv is None or nr0 is None:
            continue
        nr = max((nr0, nrv), key=lambda r: float(r.auc.value))
        note = (f"strongest NR: {nr.attack} on {nr.versions[0]}")
        if lira0 is not None:
            note += (f"; our LiRA on the original (the shadow models as references on the "
                     f"victim points: a stronger threat model, not counted as NR) AUC "
                     f"{fmt(lira0.auc.value)}")
        out.append(_Spec("i", f"{v.spec}: SR2 beats NR on the original and on the version",
                         f"AUC({sr2.attack}) − AUC(best NR)", sr2, nr, "greater", note=note))
    mrs = [r for r in rows if r.kind == "MR" and r.attack.startswith("mr") and
           not r.attack.startswith("mr-no-original")]
    sr = _best(rows, "SR")
    if mrs and sr is not None:  # (ii)
        mr = max(mrs, key=lambda r: float(r.auc.value))
        out.append(_Spec("ii", "MR beats the best SR", f"AUC({mr.attack}) − AUC({sr.attack}, "
                         f"{'+'.join(sr.versions[1:])})", mr, sr, "greater",
                         note="the better of the MR network and a logistic regression on "
                              "MR's own inputs (" + ", ".join(
                                  f"{r.attack} {fmt(r.auc.value)}" for r in mrs) + ")"))
    if nr0 is not None:  # (iii)
        for v in versions:
            if not v.fine_tuned:
                continue
            best = _best(rows, "NR", v.spec, NR_COMPLEAK)
            if best is None:
                continue
            mild = v.kind == "int8" or (v.kind == "prune" and v.parameter <= 0.8) or \
                (v.kind == "cluster" and v.parameter >= 16)
            extreme = (v.kind == "prune" and v.parameter >= 0.9) or \
                (v.kind == "cluster" and v.parameter <= 4)
            q = "AUC(best NR, version) − AUC(best NR, original)"
            if mild:
                out.append(_Spec("iii", f"{v.spec} (mild) is not less leaky than the original",
                                 q, best, nr0, "at_least", MILD_MARGIN))
            elif extreme:
                out.append(_Spec("iii", f"{v.spec} (extreme) is less leaky than the original",
                                 q, best, nr0, "less"))
    for v in versions:  # (iv)
        if v.kind != "ptq":
            continue
        for w in versions:
            same = w.fine_tuned and (
                (w.kind == "prune" and v.parameter == f"prune:{w.parameter:g}") or
                (w.kind == "int8" and v.parameter.startswith("uniform:8")) or
                (w.kind == "cluster" and v.parameter == f"kmeans:{w.parameter}"))
            if not same:
                continue
            a, b = _best(rows, "NR", w.spec, NR_COMPLEAK), _best(rows, "NR", v.spec,
                                                                   NR_COMPLEAK)
            if a is None or b is None:
                continue
            la, lb = _row(rows, "lira", [w.spec]), _row(rows, "lira", [v.spec])
            note = ""
            if la is not None and lb is not None:
                d = difference(_metrics(la).auc, _metrics(lb).auc).interval(
                    result.config.confidence)
                note = f"LiRA: AUC difference {_est(d)} (95 %, not part of the family)"
            out.append(_Spec("iv", f"{w.spec} (fine-tuned) leaks more than {v.spec} "
                             "(post-training)", "AUC(best NR, fine-tuned) − AUC(best NR, ptq)",
                             a, b, "greater", note=note))
    return out


def findings(result: CompleakResult) -> list[Finding]:
    """Every verdict as a :class:`~mis.inference.Finding` on the paired two-way bootstrap
    difference of AUCs (victim models × victim points resampled together, the same resamples
    for both attacks); Bonferroni over all findings of the run. The attacks compared are the
    strongest by point estimate (selection noted in the report)."""
    c = result.config
    specs = _specs(result)
    level = bonferroni_confidence(max(len(specs), 1), c.confidence)
    smoke = c.num_models <= CompleakConfig.smoke_sizes()["num_models"]
    out = []
    for sp in specs:
        d = difference(_metrics(sp.a).auc, _metrics(sp.b).auc)
        sizes = {k: _metrics(sp.a).sizes[k] for k in ("models", "examples", "resamples")}
        enough = sizes["models"] >= MIN_VICTIM_MODELS and \
            sizes["examples"] >= MIN_VICTIM_POINTS
        note = sp.note if enough else (
            f"below the minimum of {MIN_VICTIM_MODELS} victims × {MIN_VICTIM_POINTS} victim "
            "points" + (f"; {sp.note}" if sp.note else ""))
        out.append(Finding(f"({sp.group}) {sp.claim}", sp.quantity, d.interval(level),
                           sp.direction, margin=sp.margin, confidence=level,
                           sizes={"victim models": sizes["models"],
                                  "victim points": sizes["examples"],
                                  "resamples": sizes["resamples"]},
                           smoke=smoke, enough=enough, note=note))
    return out


def verdicts(result: CompleakResult) -> list[str]:
    """The four verdicts: a summary line per group (how many findings hold, do not hold, are
    inconclusive) and one indented line per :class:`~mis.inference.Finding`."""
    found = findings(result)
    titles = {"i": "(i) SR2 beats NR on the original and on the compressed version (AUC)",
              "ii": "(ii) MR beats the best SR (AUC)",
              "iii": "(iii) mild compression is not less leaky, extreme compression is less "
                     f"leaky (best NR AUC; 'not less' allows {MILD_MARGIN:g} below)",
              "iv": "(iv) fine-tuned vs post-training compression of the same sparsity / bits "
                    "(best NR AUC)"}
    return grouped_lines(found, titles, confidence=result.config.confidence,
                         missing="no such version")


def attack_table(result: CompleakResult) -> str:
    low = result.config.fprs
    head = "| kind | attack | versions | AUC | " + " | ".join(f"TPR@{f:g}" for f in low) + \
        " | best-threshold bal. acc. | decision-rule bal. acc. |"
    lines = [head, "|" + "---|" * (6 + len(low))]
    for r in result.rows:
        cells = [r.kind, r.attack, "+".join(r.versions), _est(r.auc)] + \
            [_est(r.tpr[f]) if np.isfinite(r.tpr[f].value) else "not resolvable"
             for f in low] + [fmt(r.balanced_accuracy), fmt(r.rule_accuracy)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def utility_table(result: CompleakResult) -> str:
    lines = ["| version | test accuracy | member accuracy |", "|---|---|---|"]
    lines += [f"| {u.version} | {fmt(u.test_accuracy)} | {fmt(u.train_accuracy)} |"
              for u in result.utility]
    return "\n".join(lines)


def report_md(result: CompleakResult, provenance: dict, command: str) -> str:
    c = result.config
    victims, shadows = c.num_victims, c.num_models - c.num_victims
    return "\n".join([
        "# mis compleak: attacks that combine compressed releases", "",
        f"Command: `{command}`", "",
        f"{c.dataset}, {c.pool_size} audit points (half shadow side, half victim side), "
        f"{c.num_models} models ({victims} victims, {shadows} shadows), versions "
        f"{', '.join(c.versions)}; {int(result.victim_member.size)} victim rows "
        f"({int(result.victim_member.sum())} members).", "",
        "Attack models are fitted on shadow models × shadow-side points and scored on victims "
        "× victim-side points; LiRA, the multi-version LiRA and RMIA use the shadow models as "
        "references on the victim-side points. MR's epoch is chosen on a held-out 20 % of the "
        "shadow rows (CompLeak's released notebook picks the best epoch on the victim test "
        f"set); kept epochs: {result.mr_epochs}; `mr-lr` is a logistic regression on the "
        "same inputs, the floor a trained network should reach. Every interval resamples "
        f"victim models and victim points together ({c.num_bootstrap} two-way bootstrap "
        "resamples, bias-corrected percentile; `mis.inference`), because the scores of one "
        "victim on many points are not independent; the verdicts compare two attacks by the "
        "paired difference on the same resamples. TPR columns are held-out estimates (the "
        "threshold chosen on half the victim non-members); a target FPR below 1 / (non-members "
        "of that half) is \"not resolvable\". The entropy and modified-entropy AUCs are of the "
        "raw score, as CompLeak computes them; their class-wise thresholds are the decision "
        "rule. 'best-threshold bal. acc.' picks the threshold on the victim rows themselves "
        "(in-sample); 'decision-rule bal. acc.' is the attack's own call (P(member) >= 1/2, "
        "or the class threshold); LiRA and RMIA have none.", "",
        "## Verdicts", "",
        "Each finding is decided by the interval of the paired AUC difference: \"holds\" "
        "when it excludes the null in the claimed direction, \"does not hold\" when it "
        "excludes it the other way, \"inconclusive\" otherwise. The attacks compared are the "
        "strongest by point estimate; choosing them on the same rows makes the comparison "
        "favour the chosen one slightly.", "",
        *[f"- {v}" if not v.startswith("  ") else v for v in verdicts(result)], "",
        "## Utility", "", utility_table(result), "",
        "## Attacks", "", attack_table(result), "",
        "Departures from CompLeak's code, for speed on a 2-core CPU or for soundness: the "
        f"random forests use {c.trees} trees and at most {c.max_shadow_rows} shadow rows (500 "
        "trees there); SAMIA's Transformer trains with Adam for "
        f"{c.samia_epochs} epochs (SGD at 1e-3 for 100 epochs there); the MR and SAMIA "
        "networks see inputs standardised by their shadow statistics (SAMIA's batch-norm on "
        "the input); MR's per-version SR2 probabilities are cross-fitted (2 folds) on the "
        "shadow side instead of in-sample; several shadow models instead of one; every "
        f"version is fine-tuned with Adam for {c.fine_tune_steps} full-batch steps at "
        f"{c.fine_tune_learning_rate:g} (CompLeak: 30 epochs of SGD, lr 1e-3, momentum 0.9, "
        "batch 128, cosine schedule, early stopping; clustering at lr 1e-5 with tied "
        "gradients).",
        "", f"Seconds: {', '.join(f'{k} {v:.1f}' for k, v in result.seconds.items())}.",
        f"Git commit {provenance.get('git_commit', '?')}.", ""])


def auc_figure(result: CompleakResult) -> bytes:
    """AUC (with intervals) of every attack, grouped by kind."""
    import matplotlib.pyplot as plt

    rows = result.rows
    fig, ax = plt.subplots(figsize=(7, max(3.0, 0.16 * len(rows) + 1)))
    colors = {"NR": "C0", "SR": "C1", "MR": "C2", "MV-LiRA": "C3"}
    ys = np.arange(len(rows))[::-1]
    for y, r in zip(ys, rows, strict=False):
        plot_intervals(ax, r.auc.value, y, x_interval=(r.auc.lower, r.auc.upper),
                       color=colors[r.kind], ms=3, lw=1, capsize=0)
    ax.set_yticks(ys, [f"{r.kind} {r.attack} {'+'.join(r.versions)}"[:60] for r in rows],
                  fontsize=5)
    ax.axvline(0.5, color="gray", lw=0.5)
    ax.set_xlabel("AUC (95 % two-way bootstrap interval: victim models × points)")
    for kind, c in colors.items():
        ax.plot([], [], "o", color=c, label=kind)
    ax.legend(fontsize=7)
    return png_bytes(fig, tight_bbox=True)


def roc_figure(result: CompleakResult) -> bytes:
    """Log-log ROC of the best NR, the best SR, MR and the multi-version LiRA."""
    import matplotlib.pyplot as plt

    from mis.audit import plot_roc

    picks = {}
    for kind in ("NR", "SR", "MR", "MV-LiRA"):
        best = _best(result.rows, kind)
        if best is not None:
            picks[f"{kind}: {best.attack} {'+'.join(best.versions)}"[:50]] = \
                (best.scores, result.victim_member)
    fig, ax = plt.subplots(figsize=(5, 5))
    plot_roc(picks, ax=ax, title="best NR / SR / MR / multi-version LiRA")
    return png_bytes(fig, tight_bbox=True)


def compleak_outputs(result: CompleakResult, provenance: dict, command: str) -> dict:
    rows = attack_rows(result)
    return {"attacks.csv": to_csv(rows),
            "results.json": to_json({"provenance": provenance, "attacks": rows,
                                     "utility": [u._asdict() for u in result.utility],
                                     "mr_epochs": result.mr_epochs,
                                     "verdicts": verdicts(result),
                                     "findings": [f.record() for f in findings(result)],
                                     "seconds": result.seconds}),
            "report.md": report_md(result, provenance, command).encode(),
            "auc.png": auc_figure(result),
            "roc.png": roc_figure(result)}


def console_summary(result: CompleakResult) -> str:
    return "\n".join([utility_table(result), "", *verdicts(result)])
