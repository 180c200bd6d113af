"""Outputs of ``mis rank``: ``ranking.csv``, ``results.json``, ``report.md`` and figures (host).

``ranking.csv`` has one row per quantizer, ordered by the primary attack's AUC (most private
first). Columns: ``rank``, ``quantizer``, ``bits_per_weight``, ``sparsity``, ``accuracy`` and
``test_loss`` (fresh data, mean over models, with ``_lo``/``_hi`` 95 % bounds); ``ind_a_n_rate``
/ ``ind_b_n_rate`` (``n·r̂`` of the indicator variants, lse aggregate, bootstrap bounds) and
``ind_a_mis`` (implied ``1 − exp(−n r̂)``); for each attack ``<attack>_auc``,
``<attack>_tpr@0.1%``, ``<attack>_tpr@1%``, ``<attack>_advantage`` with bounds; ``exact_delta``
where ``theory`` computes it. Empty cells mean "not defined".
"""

from __future__ import annotations

import csv
import io

import numpy as np

from mis._provenance import to_json
from mis.audit._plots import png_bytes
from mis.rank._pipeline import PRIMARY_ATTACK, RankResult


def _triple(prefix, est):
    if est is None:
        return {prefix: "", f"{prefix}_lo": "", f"{prefix}_hi": ""}
    return {prefix: float(est.value), f"{prefix}_lo": float(est.lower),
            f"{prefix}_hi": float(est.upper)}


def flat_row(r) -> dict:
    """One quantizer's numbers as a flat dict (the columns of ``ranking.csv`` but ``rank``)."""
    row = {"quantizer": r.spec, "bits_per_weight": r.bits_per_weight, "sparsity": r.sparsity}
    acc = None if np.isnan(float(r.accuracy.value)) else r.accuracy
    row |= _triple("accuracy", acc) | _triple("test_loss", r.test_loss)
    row |= _triple("ind_a_n_rate", r.indicator_a and r.indicator_a.n_rate)
    row["ind_a_mis"] = float(r.indicator_a.mis.value) if r.indicator_a else ""
    ind_b = r.indicator_b if r.indicator_b.num_terms else None
    row |= _triple("ind_b_n_rate", ind_b and ind_b.n_rate)
    for a in r.attacks:
        name = a.attack.replace(" ", "_")
        row |= _triple(f"{name}_auc", a.auc)
        row |= _triple(f"{name}_tpr@0.1%", a.tpr_at_fpr[0.001])
        row |= _triple(f"{name}_tpr@1%", a.tpr_at_fpr[0.01])
        row |= _triple(f"{name}_advantage", a.advantage)
    return row | _triple("exact_delta", r.exact_delta)


def table_rows(result: RankResult) -> list[dict]:
    """One flat dict per quantizer, ordered by the primary attack's AUC (``rank`` 1 = safest)."""
    by_spec = {r.spec: r for r in result.rows}
    return [{"rank": rank} | flat_row(by_spec[spec])
            for rank, spec in enumerate(result.rankings[f"{PRIMARY_ATTACK} AUC"], 1)]


def to_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    fields = list(dict.fromkeys(k for r in rows for k in r))
    writer = csv.DictWriter(buf, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def _fmt(v, digits=3):
    return "—" if v == "" or v is None else f"{v:.{digits}f}"


def console_table(rows: list[dict]) -> str:
    """The ranked table: quantizer, bits, accuracy, indicator A/B (n·r̂), LiRA AUC, TPR@0.1 %."""
    head = (f"{'#':>2} {'quantizer':<14}{'bits':>7}{'acc':>7}{'n·r̂ A':>9}{'n·r̂ B':>9}"
            f"{'LiRA AUC':>10}{'TPR@0.1%':>10}{'RMIA AUC':>10}{'exact Δ':>9}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['rank']:>2} {r['quantizer']:<14}{r['bits_per_weight']:>7.2f}"
                     f"{_fmt(r['accuracy']):>7}{_fmt(r['ind_a_n_rate'], 2):>9}"
                     f"{_fmt(r['ind_b_n_rate'], 2):>9}{_fmt(r['LiRA_auc']):>10}"
                     f"{_fmt(r['LiRA_tpr@0.1%']):>10}{_fmt(r['RMIA_auc']):>10}"
                     f"{_fmt(r['exact_delta'], 4):>9}")
    return "\n".join(lines)


def results_json(result: RankResult, rows: list[dict], provenance: dict) -> bytes:
    return to_json({"provenance": provenance, "n": result.n, "table": rows,
                    "rankings": result.rankings,
                    "kendall_tau": {k: list(map(float, v)) for k, v in result.kendall.items()},
                    "pareto_front": result.pareto, "seconds": result.seconds})


def figures(result: RankResult, rows: list[dict]) -> dict[str, bytes]:
    """PNG bytes: privacy–utility scatter with the Pareto front, indicator against LiRA AUC,
    and the log-log LiRA ROC of every quantizer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mis.audit import plot_roc

    out = {}
    mixture = result.config.task == "mixture"
    util_key = "accuracy" if mixture else "test_loss"
    fig, ax = plt.subplots(figsize=(6, 4.5))
    by_name = {r["quantizer"]: r for r in rows}
    for r in rows:
        ax.scatter(r["LiRA_auc"], r[util_key], s=18)
        ax.annotate(r["quantizer"], (r["LiRA_auc"], r[util_key]), fontsize=7)
    front = [by_name[s] for s in result.pareto]
    ax.plot([r["LiRA_auc"] for r in front], [r[util_key] for r in front], "k--", lw=0.8,
            label="Pareto front")
    ax.set(xlabel="LiRA AUC (leakage)", ylabel="test accuracy" if mixture else "test loss",
           title="privacy–utility")
    ax.legend(fontsize=8)
    out["privacy_utility.png"] = png_bytes(fig)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for r in rows:
        if r["ind_a_n_rate"] != "":
            ax.scatter(r["ind_a_n_rate"], r["LiRA_auc"], s=18)
            ax.annotate(r["quantizer"], (r["ind_a_n_rate"], r["LiRA_auc"]), fontsize=7)
    tau = result.kendall.get(f"indicator A vs {PRIMARY_ATTACK} AUC")
    title = "indicator A vs LiRA" + (f" (Kendall τ = {float(tau.value):.2f})" if tau else "")
    ax.set(xlabel="n·r̂ (indicator A, lse; larger = safer)", ylabel="LiRA AUC", title=title)
    out["indicator_vs_attack.png"] = png_bytes(fig)
    mask = result.mask > 0
    curves = {r.spec: (r.scores[PRIMARY_ATTACK].ravel(), mask.ravel()) for r in result.rows}
    fig = plot_roc(curves, title="LiRA ROC per quantizer (log-log)")
    fig.set_size_inches(6, 6)
    out["roc.png"] = png_bytes(fig)
    return out


def report_md(result: RankResult, rows: list[dict], provenance: dict, command: str) -> bytes:
    cfg = result.config
    lines = [f"# Quantizer ranking ({cfg.task})", "",
             f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`, "
             f"{result.config.num_models} quantization-aware shadow models, n ≈ {result.n} "
             f"training points each.", "",
             "Rank 1 leaks least by the LiRA AUC (leave-one-model-out). `n·r̂` is the indicator "
             "of THEORY §6 (lse aggregate; larger = safer), intervals are 95 %.", "",
             "```", console_table(rows), "```", "", "## Rankings (most private first)", ""]
    for measure, order in result.rankings.items():
        lines.append(f"- **{measure}**: " + ", ".join(order))
    lines += ["", "## Agreement of the indicator with the attacks (Kendall τ-b)", ""]
    for name, est in result.kendall.items():
        lines.append(f"- {name}: τ = {float(est.value):.3f} [{float(est.lower):.3f}, "
                     f"{float(est.upper):.3f}] (bootstrap over quantizers)")
    lines += ["", f"Pareto front (utility vs LiRA AUC): {', '.join(result.pareto)}", "",
              "![privacy–utility](privacy_utility.png)", "",
              "![indicator vs attack](indicator_vs_attack.png)", "", "![ROC](roc.png)", "",
              "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()),
              ""]
    return "\n".join(lines).encode()


def rank_outputs(result: RankResult, provenance: dict, command: str) -> dict[str, bytes]:
    """Every output file of one ranking run, as bytes (written atomically by the caller)."""
    rows = table_rows(result)
    return {"ranking.csv": to_csv(rows), "results.json": results_json(result, rows, provenance),
            "report.md": report_md(result, rows, provenance, command), **figures(result, rows)}
