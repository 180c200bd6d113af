"""Outputs of ``mis rank``: ``ranking.csv``, ``results.json``, ``report.md`` and figures, all
built from the typed :class:`~mis.rank.RankResult` (host).

``ranking.csv`` has one row per quantizer, ordered by the primary attack's AUC (most private
first): ``rank``, then the columns of :func:`mis.release.release_columns` (bits, sparsity,
accuracy and test loss, indicator A and B ``n·r̂`` with bounds and ``ind_a_mis``, per attack AUC
/ TPR@0.1 % / TPR@1 % / advantage with bounds, ``delta_knn``: the k-NN two-sample Δ̂ of the
release, ``exact_delta``). Empty cells mean "not defined".
"""

from __future__ import annotations

import numpy as np

from mis.io import fmt, png_bytes, to_csv, to_json
from mis.rank._pipeline import RankResult
from mis.release import (
    PRIMARY_ATTACK,
    ReleaseRow,
    indicator_n_rate,
    release_columns,
    rmia_signal_lines,
    value,
)


def _tie_info(result: RankResult) -> dict:
    return {t.name: t for t in result.ties}


def table_rows(result: RankResult) -> list[dict]:
    """One flat record per quantizer, ordered by the primary attack's AUC (``rank`` 1 =
    safest; releases below the accuracy floor last, ``broken`` true and no rank), with the
    rank interval and tie group of the paired comparison (``rank_lo``,
    ``rank_hi``, ``tie_group``) and the paired difference of its AUC from the first
    quantizer's (``auc_minus_<first>`` with bounds)."""
    ties, out = _tie_info(result), []
    first = result.rows[0].spec if result.rows else ""
    for rank, r in enumerate(result.ranked_rows(), 1):
        t = ties.get(r.spec)
        broken = r.spec in result.broken
        row = {"rank": "" if broken else rank, "rank_lo": t.rank_lo if t else "",
               "rank_hi": t.rank_hi if t else "", "tie_group": t.group if t else "",
               "broken": broken}
        row |= release_columns(r)
        d = result.reference_diffs.get(r.spec)
        row |= {f"auc_minus_{first}": "" if d is None else float(d.value),
                f"auc_minus_{first}_lo": "" if d is None else float(d.lower),
                f"auc_minus_{first}_hi": "" if d is None else float(d.upper)}
        out.append(row)
    return out


def _auc(r: ReleaseRow, name: str) -> float:
    a = r.attack(name)
    return value(a and a.auc)


def console_table(result: RankResult) -> str:
    """The ranked table: quantizer, bits, accuracy, indicator A/B (n·r̂), LiRA AUC and TPR at
    0.1 % FPR and advantage, RMIA AUC, the k-NN two-sample Δ̂, exact Δ."""
    head = (f"{'#':>2} {'ranks':>6} {'tie':>3} {'quantizer':<14}{'bits':>7}{'acc':>7}"
            f"{'n·r̂ A':>9}{'n·r̂ B':>9}"
            f"{'LiRA AUC':>10}{'TPR@0.1%':>10}{'LiRA adv':>10}{'RMIA AUC':>10}{'Δ̂ k-NN':>9}"
            f"{'exact Δ':>9}")
    lines = [head, "-" * len(head)]
    ties = _tie_info(result)
    for rank, r in enumerate(result.ranked_rows(), 1):
        lira = r.require(PRIMARY_ATTACK)
        t = ties.get(r.spec)
        span = "" if t is None else (f"{t.rank_lo}" if t.rank_lo == t.rank_hi
                                     else f"{t.rank_lo}-{t.rank_hi}")
        tpr = (fmt(value(lira.tpr_at_fpr[0.001])) if lira.resolvable(0.001) else "n/r")
        broken = r.spec in result.broken
        group = "brk" if broken else ("" if t is None else t.group)
        lines.append(f"{'—' if broken else rank:>2} {span:>6} {group:>3} "
                     f"{r.spec:<14}{r.bits_per_weight:>7.2f}"
                     f"{fmt(value(r.accuracy)):>7}{fmt(indicator_n_rate(r, 'A'), 2):>9}"
                     f"{fmt(indicator_n_rate(r, 'B'), 2):>9}{fmt(value(lira.auc)):>10}"
                     f"{tpr:>10}"
                     f"{fmt(value(lira.advantage)):>10}{fmt(_auc(r, 'RMIA')):>10}"
                     f"{fmt(value(r.delta_knn)):>9}{fmt(value(r.exact_delta), 4):>9}")
    return "\n".join(lines)


def console_summary(result: RankResult) -> str:
    """What ``mis rank`` prints: the table, the Kendall τs and the Pareto front."""
    lines = [console_table(result),
             "ranks: the rank interval of the LiRA AUC (paired two-way bootstrap, Holm over all "
             "pairs); tie: its tie group (1 = safest group)"]
    if result.broken:
        lines.append(broken_note(result))
    for name, est in result.kendall.items():
        lines.append(f"Kendall τ {name}: {float(est.value):.3f} "
                     f"[{float(est.lower):.3f}, {float(est.upper):.3f}]")
    for f in result.findings:
        lines.append(f"{f.outcome}: {f.claim} ({f.quantity} = {float(f.estimate.value):.3f} "
                     f"[{float(f.estimate.lower):.3f}, {float(f.estimate.upper):.3f}])")
    lines.append(f"Pareto front (utility, LiRA AUC, bits; significant dominance): "
                 f"{', '.join(result.pareto)}")
    return "\n".join(lines)


def broken_note(result: RankResult) -> str:
    """One line on the releases below the accuracy floor."""
    return (f"broken (accuracy below {result.config.accuracy_floor:g} × full precision's): "
            f"{', '.join(result.broken)}; kept out of the ranking, the tie groups, the Pareto "
            "front and the findings (a model that learned nothing leaks nothing)")


def results_json(result: RankResult, rows: list[dict], provenance: dict) -> bytes:
    return to_json({"provenance": provenance, "n": result.n, "table": rows,
                    "rankings": result.rankings,
                    "kendall_tau": {k: list(map(float, v)) for k, v in result.kendall.items()},
                    "pareto_front": result.pareto,
                    "pareto_below_floor": result.front.below_floor if result.front else [],
                    "broken": result.broken,
                    "pareto_dominated_by": result.front.dominated_by if result.front else {},
                    "ties": [t._asdict() for t in result.ties],
                    "findings": [f.record() for f in result.findings],
                    "seconds": result.seconds})


def _utility(result: RankResult, r: ReleaseRow) -> float:
    return value(r.accuracy) if result.config.classifier else value(r.test_loss)


def figures(result: RankResult) -> dict[str, bytes]:
    """PNG bytes: privacy–utility scatter with the Pareto front, indicator against LiRA AUC,
    and the log-log LiRA ROC of every quantizer."""
    import matplotlib.pyplot as plt

    from mis.audit import annotate_spread, plot_intervals, plot_roc

    out = {}
    rows = result.ranked_rows()
    mixture = result.config.classifier
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    xs, ys, names = [], [], []
    for i, r in enumerate(rows):
        a = r.attack(PRIMARY_ATTACK)
        u = r.accuracy if mixture else r.test_loss
        if a is None or not np.isfinite(_utility(result, r)):
            continue
        x, y = value(a.auc), _utility(result, r)
        plot_intervals(ax, x, y, x_interval=(a.auc.lower, a.auc.upper),
                       y_interval=(u.lower, u.upper), color=f"C{i % 10}")
        xs.append(x)
        ys.append(y)
        names.append(r.spec)
    by_spec = {r.spec: r for r in rows}
    front = [by_spec[s] for s in result.pareto]
    ax.plot([_auc(r, PRIMARY_ATTACK) for r in front], [_utility(result, r) for r in front],
            "k--", lw=0.8, label="Pareto front")
    ax.set(xlabel="LiRA AUC (leakage), 95 % two-way bootstrap interval",
           ylabel=("test accuracy" if mixture else "test loss") + ", 95 % interval",
           title="privacy–utility")
    ax.legend(fontsize=8)
    annotate_spread(ax, xs, ys, names)
    out["privacy_utility.png"] = png_bytes(fig)
    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    xs, ys, names = [], [], []
    for i, r in enumerate(rows):
        a = r.attack(PRIMARY_ATTACK)
        if r.indicator_a is None or a is None:
            continue
        nr = r.indicator_a.n_rate
        x, y = value(nr), value(a.auc)
        plot_intervals(ax, x, y, x_interval=(nr.lower, nr.upper),
                       y_interval=(a.auc.lower, a.auc.upper), color=f"C{i % 10}")
        xs.append(x)
        ys.append(y)
        names.append(r.spec)
    if xs and min(xs) < 0:
        ax.axvline(0, color="0.6", lw=0.8, ls=":")
        ax.text(0.01, 0.02, "n·r̂ < 0: outside the asymptotic regime (only the order is used)",
                transform=ax.transAxes, fontsize=7, color="0.4")
    tau = result.kendall.get(f"indicator A vs {PRIMARY_ATTACK} AUC")
    title = "indicator A vs LiRA" + (f" (Kendall τ = {float(tau.value):.2f})" if tau else "")
    ax.set(xlabel="n·r̂ (indicator A, lse; larger = safer), 95 % bootstrap interval",
           ylabel="LiRA AUC, 95 % two-way bootstrap interval", title=title)
    annotate_spread(ax, xs, ys, names)
    out["indicator_vs_attack.png"] = png_bytes(fig)
    mask = result.mask > 0
    curves = {r.spec: (r.scores[PRIMARY_ATTACK].ravel(), mask.ravel()) for r in rows}
    fig = plot_roc(curves, title="LiRA ROC per quantizer (log-log)")
    fig.set_size_inches(6, 6)
    out["roc.png"] = png_bytes(fig, tight_bbox=True)  # the legend sits right of the axes
    return out


def report_md(result: RankResult, provenance: dict, command: str) -> bytes:
    cfg = result.config
    lines = [f"# Quantizer ranking ({cfg.task})", "",
             f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`, "
             f"{cfg.num_models} quantization-aware shadow models, n ≈ {result.n} "
             f"training points each.", "",
             "Rank 1 leaks least by the LiRA AUC (leave-one-model-out). `n·r̂` is the indicator "
             "of THEORY §6 (lse aggregate; larger = safer), intervals are 95 %. A negative "
             "`n·r̂` (the usual case for fine quantizers at this n) means the aggregate of the "
             "per-sample terms is below zero: the sample is outside the asymptotic regime where "
             "MIS ≈ 1 − exp(−n r); only the order of the rates is used, and no implied MIS is "
             "reported (`ind_a_mis` is empty).", "",
             "```", console_table(result), "```", "", "## Rankings (most private first)", ""]
    for measure, order in result.rankings.items():
        missing = [r.spec for r in result.rows if r.spec not in order]
        lines.append(f"- **{measure}**: " + ", ".join(order)
                     + (f" (not ranked, no value: {', '.join(missing)})" if missing else ""))
    lines += ["", "## Ties (LiRA AUC, paired)", "",
              "Every pair of quantizers is compared by the difference of their LiRA AUCs on the "
              "same shadow models and examples (two-way bootstrap: models and examples "
              "resampled together, the same resamples for every quantizer); Holm's step-down "
              "over all pairs at family-wise 5 %. Two quantizers whose difference is not "
              "significant are tied: the rank interval counts only significant differences, "
              "and a tie group takes every quantizer tied with its first member.", "",
              "| tie group | rank interval | quantizer | LiRA AUC | AUC − "
              f"{result.rows[0].spec if result.rows else ''} | tied with |",
              "|---|---|---|---|---|---|"]
    for t in result.ties:
        d = result.reference_diffs.get(t.name)
        diff = "" if d is None else (f"{float(d.value):+.4f} [{float(d.lower):+.4f}, "
                                     f"{float(d.upper):+.4f}]")
        lines.append(f"| {t.group} | {t.rank_lo}–{t.rank_hi} | {t.name} | {t.value:.4f} | "
                     f"{diff} | {', '.join(t.tied_with) or '—'} |")
    lines += ["", "## Findings", "",
              "Each finding is decided by the interval of the quantity it is about: holds, "
              "does not hold, or inconclusive. "
              f"{len(result.findings)} findings, each interval at "
              f"{result.findings[0].confidence:.1%} (Bonferroni: family-wise 95 %)."
              if result.findings else "", ""]
    lines += [f"- {f.line()}" for f in result.findings]
    lines += ["", "## Agreement of the indicator with the attacks (Kendall τ-b)", ""]
    for name, est in result.kendall.items():
        lines.append(f"- {name}: τ = {float(est.value):.3f} [{float(est.lower):.3f}, "
                     f"{float(est.upper):.3f}] (bootstrap over quantizers)")
    rmia = rmia_signal_lines(result.rows)
    if rmia:
        lines += ["", "## RMIA's signal", "",
                  "RMIA's `Pr(x | θ)` is chosen per release on the reference models only "
                  "(shadow 0 as the target, the others as references; like the paper's `a`): "
                  "the softmax at temperature T (`softmax:T`) or the soft-margin Taylor softmax "
                  "(order 4, margin 0.6, `taylor:T`). The chosen signal of each quantizer is the "
                  "`rmia_signal` column. Every candidate's leave-one-model-out AUC, and the "
                  "agreement of its quantizer ordering with LiRA and with indicator A:", "",
                  "```", *rmia, "```"]
    front = result.front
    lines += ["", f"Pareto front (utility, LiRA AUC, bits per weight): "
              f"{', '.join(result.pareto)}. A quantizer is dominated only by one that is not "
              "significantly worse on any axis and significantly better on one (paired "
              "differences, Holm per axis; bits compared exactly).", ""]
    if front is not None and front.dominated_by:
        lines += ["Dominated: " + ", ".join(f"{k} (by {v})"
                                            for k, v in front.dominated_by.items()), ""]
    if result.broken:
        note = broken_note(result)
        lines += [note[0].upper() + note[1:] + ".", ""]
    lines += [
              "![privacy–utility](privacy_utility.png)", "",
              "![indicator vs attack](indicator_vs_attack.png)", "", "![ROC](roc.png)", "",
              "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()),
              ""]
    return "\n".join(lines).encode()


def rank_outputs(result: RankResult, provenance: dict, command: str) -> dict[str, bytes]:
    """Every output file of one ranking run, as bytes (written atomically by the caller)."""
    rows = table_rows(result)
    return {"ranking.csv": to_csv(rows), "results.json": results_json(result, rows, provenance),
            "report.md": report_md(result, provenance, command), **figures(result)}
