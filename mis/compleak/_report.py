"""Outputs of ``mis compleak``: one CSV row per attack × version set, results.json with
provenance, report.md with the four verdicts, and the figures (host)."""

from __future__ import annotations

import numpy as np

from mis.compleak._compress import parse_version
from mis.compleak._pipeline import AttackRow, CompleakResult
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.io import fmt_estimate as _est
from mis.release import estimate_columns

NR_COMPLEAK = ("nn-lr", "nn-rf", "label-lr", "label-rf", "entropy", "m-entropy", "samia",
               "rmia-1ref")


def attack_rows(result: CompleakResult) -> list[dict]:
    """CSV rows: kind, attack, versions ('+'-joined), AUC and TPRs with intervals (TPR: the
    held-out estimate its Clopper–Pearson interval belongs to), balanced accuracy."""
    out = []
    for r in result.rows:
        row = {"kind": r.kind, "attack": r.attack, "versions": "+".join(r.versions)}
        row |= estimate_columns("auc", r.auc)
        for f, est in r.tpr.items():
            row |= estimate_columns(f"tpr@{f:g}", est)
        row["balanced_accuracy"] = r.balanced_accuracy
        out.append(row)
    return out


def _best(rows: list[AttackRow], kind: str, version: str | None = None,
          attacks=None) -> AttackRow | None:
    pool = [r for r in rows if r.kind == kind and (version is None or version in r.versions)
            and (attacks is None or r.attack in attacks)]
    if kind == "NR" and version is not None:
        pool = [r for r in pool if r.versions == (version,)]
    return max(pool, key=lambda r: float(r.auc.value), default=None)


def _word(ok: bool) -> str:
    return "holds" if ok else "does not hold"


def verdicts(result: CompleakResult) -> list[str]:
    """The four verdicts, each with its numbers and "holds" / "does not hold". NR means
    CompLeak's six families (our LiRA is reported beside them, not counted as NR); "beats"
    compares point estimates and the interval is printed beside each number."""
    rows, low = result.rows, result.config.fprs[0]
    versions = [parse_version(v) for v in result.config.versions]
    out = []
    # (i) SR2 beats NR on the original and on the compressed version
    lines, wins = [], 0
    nr0 = _best(rows, "NR", "original", NR_COMPLEAK)
    compressed = [v.spec for v in versions]
    for spec in compressed:
        sr2 = _best(rows, "SR", spec, ("sr2-lr", "sr2-rf"))
        nrv = _best(rows, "NR", spec, NR_COMPLEAK)
        if sr2 is None or nrv is None or nr0 is None:
            continue
        ok = (sr2.auc.value > max(nr0.auc.value, nrv.auc.value)
              and sr2.tpr[low].value > max(nr0.tpr[low].value, nrv.tpr[low].value))
        wins += ok
        lines.append(f"  - {spec}: {sr2.attack} AUC {_est(sr2.auc)}, TPR@{low:g} "
                     f"{fmt(sr2.tpr[low].value)} vs NR original {nr0.attack} "
                     f"{fmt(nr0.auc.value)} / {fmt(nr0.tpr[low].value)}, NR {spec} "
                     f"{nrv.attack} {fmt(nrv.auc.value)} / {fmt(nrv.tpr[low].value)}: "
                     f"{_word(ok)}")
    out.append(f"(i) SR2 beats NR on the original and on the compressed version (AUC and "
               f"TPR@{low:g}): holds for {wins} of {len(lines)} versions; "
               f"{_word(wins == len(lines) and wins > 0)} for all")
    out += lines
    # (ii) MR beats the best SR
    mr = next((r for r in rows if r.attack == "mr"), None)
    sr = _best(rows, "SR")
    if mr is not None and sr is not None:
        ok = mr.auc.value > sr.auc.value and mr.tpr[low].value >= sr.tpr[low].value
        out.append(f"(ii) MR beats the best SR: MR AUC {_est(mr.auc)}, TPR@{low:g} "
                   f"{_est(mr.tpr[low])} vs best SR ({sr.attack}, {'+'.join(sr.versions)}) "
                   f"AUC {_est(sr.auc)}, TPR@{low:g} {_est(sr.tpr[low])}: {_word(ok)}")
    else:
        out.append("(ii) MR beats the best SR: not enough data (no fine-tuned version)")
    # (iii) mild compression not less leaky, extreme compression less leaky (NR)
    if nr0 is not None:
        mild, extreme = [], []
        for v in versions:
            if not v.fine_tuned:
                continue
            best = _best(rows, "NR", v.spec, NR_COMPLEAK)
            if v.kind == "int8" or (v.kind == "prune" and v.parameter <= 0.8) or \
                    (v.kind == "cluster" and v.parameter >= 16):
                mild.append((v.spec, best, best.auc.upper >= nr0.auc.value))
            elif (v.kind == "prune" and v.parameter >= 0.9) or \
                    (v.kind == "cluster" and v.parameter <= 4):
                extreme.append((v.spec, best, best.auc.upper < nr0.auc.lower))
        part = lambda items: ", ".join(f"{s} {_est(b.auc)} ({_word(ok)})" for s, b, ok in items)
        ok = all(o for *_, o in mild + extreme) and bool(mild or extreme)
        out.append(f"(iii) best NR AUC of the original {_est(nr0.auc)}; mild compression is "
                   f"not less leaky (AUC upper bound >= the original's AUC): {part(mild)}; "
                   f"extreme compression is less leaky (AUC upper bound < the original's "
                   f"lower bound): {part(extreme)}: {_word(ok)}")
    # (iv) fine-tuned vs post-training compression of the same sparsity / bits
    pairs = {"prune": "prune", "int8": "uniform", "cluster": "kmeans"}
    found = []
    for v in versions:
        if v.kind != "ptq":
            continue
        zoo = v.parameter
        for w in versions:
            if not w.fine_tuned:
                continue
            same = (w.kind == "prune" and zoo == f"prune:{w.parameter:g}") or \
                (w.kind == "int8" and zoo.startswith("uniform:8")) or \
                (w.kind == "cluster" and zoo == f"kmeans:{w.parameter}")
            if same and pairs[w.kind]:
                a, b = _best(rows, "NR", w.spec, NR_COMPLEAK), _best(rows, "NR", v.spec,
                                                                      NR_COMPLEAK)
                la = next(r for r in rows if r.attack == "lira" and r.versions == (w.spec,))
                lb = next(r for r in rows if r.attack == "lira" and r.versions == (v.spec,))
                more = "fine-tuned" if a.auc.value > b.auc.value else "post-training"
                found.append(f"  - {w.spec} (fine-tuned) best NR AUC {_est(a.auc)}, LiRA "
                             f"{_est(la.auc)} vs {v.spec} {_est(b.auc)}, LiRA {_est(lb.auc)}: "
                             f"the {more} version leaks more")
    out.append("(iv) fine-tuned vs post-training compression of the same sparsity / bits:"
               + ("" if found else " not enough data (no matching ptq: version)"))
    out += found
    return out


def attack_table(result: CompleakResult) -> str:
    low = result.config.fprs
    head = "| kind | attack | versions | AUC | " + " | ".join(f"TPR@{f:g}" for f in low) + \
        " | bal. acc. |"
    lines = [head, "|" + "---|" * (5 + len(low))]
    for r in result.rows:
        cells = [r.kind, r.attack, "+".join(r.versions), _est(r.auc)] + \
            [_est(r.tpr[f]) for f in low] + [fmt(r.balanced_accuracy)]
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
        f"set); kept epochs: {result.mr_epochs}. TPR columns are held-out estimates with "
        "their Clopper–Pearson intervals (`mis.audit`); AUC with DeLong intervals.", "",
        "## Verdicts", "", *[f"- {v}" if not v.startswith("  ") else v
                             for v in verdicts(result)], "",
        "## Utility", "", utility_table(result), "",
        "## Attacks", "", attack_table(result), "",
        "Departures from CompLeak's code, for speed on a 2-core CPU or for soundness: the "
        f"random forests use {c.trees} trees and at most {c.max_shadow_rows} shadow rows (500 "
        "trees there); SAMIA's Transformer trains with Adam for "
        f"{c.samia_epochs} epochs (SGD at 1e-3 for 100 epochs there); the MR and SAMIA "
        "networks see inputs standardised by their shadow statistics (SAMIA's batch-norm on "
        "the input); MR's per-version SR2 probabilities are cross-fitted (2 folds) on the "
        "shadow side instead of in-sample; several shadow models instead of one.",
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
        ax.errorbar(r.auc.value, y, xerr=[[r.auc.value - r.auc.lower],
                                          [r.auc.upper - r.auc.value]],
                    fmt="o", color=colors[r.kind], ms=3, lw=1)
    ax.set_yticks(ys, [f"{r.kind} {r.attack} {'+'.join(r.versions)}"[:60] for r in rows],
                  fontsize=5)
    ax.axvline(0.5, color="gray", lw=0.5)
    ax.set_xlabel("AUC (95 % DeLong interval)")
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
                                     "seconds": result.seconds}),
            "report.md": report_md(result, provenance, command).encode(),
            "auc.png": auc_figure(result),
            "roc.png": roc_figure(result)}


def console_summary(result: CompleakResult) -> str:
    return "\n".join([utility_table(result), "", *verdicts(result)])
