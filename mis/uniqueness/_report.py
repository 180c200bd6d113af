"""Outputs of ``mis uniqueness``: ``examples.csv`` (one row per pool point), ``defense.csv``
(censoring, DP-SGD, quantized releases), ``correlations.csv``, ``results.json``, ``report.md``
and two figures, all built from the typed :class:`~mis.uniqueness.UniquenessResult` (host).

``examples.csv``: ``index``, ``label``, ``kind`` (ordinary / mislabeled / ood), ``canary``,
the one-run records (``gnq_cumulative`` = Σ ½ log(1 + GNQ), ``gnq_max``, ``gnq_mean``,
``tracin`` = Σ ‖g‖², ``gnq_pinv_cumulative`` = Σ ½ log(1 + gᵀS⁺g), ``batches``), the shadow
means (``gnq_cumulative_shadow_mean``,
``tracin_shadow_mean``), ``lira_advantage`` (2 AUC − 1 across the shadows) and
``lira_advantage_<spec>`` for every quantizer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mis.inference import Finding, Replicates, bonferroni_confidence, difference, family_note
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.io import fmt_estimate as _est
from mis.release import estimate_columns
from mis.study import is_image_set
from mis.uniqueness._config import UniquenessConfig
from mis.uniqueness._pipeline import DefenseRow, UniquenessResult, leakage, matched_leakage
from theory import Estimate


def example_rows(result: UniquenessResult) -> list[dict]:
    """One record per pool point (module docstring)."""
    s, a, d = result.single, result.averaged, result.data
    cols = {"gnq_cumulative": s.cumulative, "gnq_max": s.max, "gnq_mean": s.mean,
            "tracin": s.tracin, "gnq_pinv_cumulative": s.pinv, "batches": s.count,
            "gnq_cumulative_shadow_mean": a.cumulative, "tracin_shadow_mean": a.tracin,
            "lira_advantage": result.advantage}
    cols |= {f"lira_advantage_{spec}": v for spec, v in result.quantized_advantage.items()}
    arrays = {k: np.asarray(v, np.float64) for k, v in cols.items()}
    y = np.asarray(d.pool.y)
    return [{"index": i, "label": int(y[i]), "kind": str(d.kind[i]),
             "canary": bool(d.is_canary[i])} | {k: float(v[i]) for k, v in arrays.items()}
            for i in range(y.size)]


def defense_rows(result: UniquenessResult) -> list[dict]:
    """One record per recipe: defenses, then the quantized releases."""
    return [{"method": r.method, "parameter": "" if math.isnan(r.parameter) else r.parameter,
             "epsilon": r.epsilon,
             "censored": r.censored}
            | estimate_columns("auc_all", r.auc_all) | estimate_columns("tpr_all", r.tpr_all)
            | estimate_columns("auc_canary", r.auc_canary)
            | estimate_columns("tpr_canary", r.tpr_canary)
            | estimate_columns("accuracy", r.accuracy)
            | {"seconds": round(r.seconds, 2)} for r in result.defense + result.quantized]


def correlation_rows(result: UniquenessResult) -> list[dict]:
    return [{"score": c.score, "target": c.target} | estimate_columns("spearman", c.rho)
            | {"top_overlap": c.overlap, "k": c.k,
               "chance_overlap": c.k / result.data.pool.x.shape[0]}
            for c in result.correlations]


def _param(r) -> str:
    if r.method == "censoring":
        return f"τ = {r.parameter:g}"
    if r.method == "dp-sgd":
        return f"σ = {r.parameter:g}"
    return ""


def defense_table(rows: Sequence[DefenseRow]) -> str:
    head = (f"{'recipe':<22}{'ε':>8}{'censored':>10}  {'LiRA AUC (all)':<22}"
            f"{'TPR (all)':<22}{'TPR (canaries)':<22}{'test accuracy':<22}")
    lines = [head, "-" * len(head)]
    for r in rows:
        eps = "∞" if math.isinf(r.epsilon) else fmt(r.epsilon, 2)
        lines.append(f"{(r.method + ' ' + _param(r)).strip():<22}{eps:>8}"
                     f"{fmt(r.censored, 2):>10}  {_est(r.auc_all):<22}{_est(r.tpr_all):<22}"
                     f"{_est(r.tpr_canary):<22}{_est(r.accuracy):<22}")
    return "\n".join(lines)


OUTSIDE_NOTE = ("† the interval excludes its estimate: nearly every bootstrap replicate lies on "
                "one side of it. Each replicate recomputes the points' LiRA advantage from "
                "resampled models, which adds noise the estimate does not have, so the "
                "replicates of ρ are biased; read such an interval as unreliable, not as a "
                "tight one.")


def excludes_estimate(est: Estimate) -> bool:
    """Whether an interval lies wholly above or below its own point estimate."""
    v, lo, hi = float(est.value), float(est.lower), float(est.upper)
    return math.isfinite(v) and (v < lo or v > hi)


def correlation_table(result: UniquenessResult) -> str:
    """The ρ table; an interval that excludes its estimate is marked † and explained below."""
    head = f"{'score':<32}{'against':<30}{'Spearman ρ [95%]':<26}{'top-k overlap':>14}"
    lines = [head, "-" * len(head)]
    n = result.data.pool.x.shape[0]
    flagged = False
    for c in result.correlations:
        mark = " †" if excludes_estimate(c.rho) else ""
        flagged |= bool(mark)
        lines.append(f"{c.score:<32}{c.target:<30}{_est(c.rho) + mark:<26}"
                     f"{fmt(c.overlap, 2):>8} (k={c.k}, chance {fmt(c.k / n, 2)})")
    return "\n".join(lines + ([OUTSIDE_NOTE] if flagged else []))


def canary_table(result: UniquenessResult) -> str:
    head = f"{'canaries':<12}{'ranked by':<28}{'median rank / n':>16}{'in top 10 %':>13}"
    lines = [head, "-" * len(head)]
    for c in result.canaries:
        lines.append(f"{c.kind:<12}{c.score:<28}{fmt(c.median_rank, 3):>16}"
                     f"{fmt(c.top10, 2):>13}")
    return "\n".join(lines)


LEAK_MARGIN = 0.01  # "leaks no more": at most this much more TPR (or AUC)


def _accuracy(row) -> Replicates:
    """The row's test-accuracy replicates (every row of a run carries them)."""
    if row.accuracy_reps is None:
        raise ValueError(f"row {row.method!r} carries no accuracy replicates")
    return row.accuracy_reps
MAIN, NORM, PINV = ("GNQ cumulative (one run)", "TracIn Σ‖g‖² (one run)",
                    "GNQ pinv gᵀS⁺g (one run)")


def _corr(result: UniquenessResult, score: str, target: str = "LiRA advantage"):
    return next((c for c in result.correlations if c.score == score and c.target == target),
                None)


def _label(r) -> str:
    return "no defense" if r.method == "none" else f"{r.method} {_param(r)}".strip()


def findings(result: UniquenessResult) -> list[Finding]:
    """The study's verdicts as :class:`~mis.inference.Finding` s (Bonferroni over all):
    GNQ predicts LiRA, and better than the controls ‖g‖² and gᵀS⁺g (paired differences of ρ
    on the same two-way draws); per DP-SGD σ, whether the undefended model leaks more than
    it, and whether the matched recipe without a guarantee (:func:`matched_leakage`) leaks no
    more and is more accurate (paired differences on the same draws of models and points)."""
    cfg = result.config
    n = int(result.data.pool.x.shape[0])
    corr_sizes = {"models": cfg.num_models, "examples": n, "resamples": cfg.num_bootstrap}
    specs = []  # (claim, quantity, replicates, direction, margin, sizes, note)
    main = _corr(result, MAIN)
    if main is not None and main.reps is not None:
        specs.append(("GNQ predicts LiRA", f"Spearman ρ({MAIN}, LiRA advantage)", main.reps,
                      "greater", 0.0, corr_sizes, ""))
        for other, word in ((NORM, "the plain gradient norm"),
                            (PINV, "the pseudo-inverse form")):
            c = _corr(result, other)
            if c is not None and c.reps is not None:
                specs.append((f"GNQ (ridge) predicts LiRA better than {word}",
                              f"ρ(GNQ) − ρ({other})", difference(main.reps, c.reps),
                              "greater", 0.0, corr_sizes,
                              f"ρ({other}) = {_est(c.rho)}"))
    none = next((r for r in result.defense if r.method == "none"), None)
    for m in matched_leakage(result.defense):
        dp = m.dp
        what = f"TPR@{cfg.fpr:g}" if m.measure == "tpr" else "AUC"
        sizes = {"models": cfg.num_models, "points": n, "resamples": cfg.num_bootstrap}
        tag = f"DP-SGD σ = {dp.parameter:g} (ε {fmt(dp.epsilon, 2)})"
        if none is not None and none.all is not None:
            specs.append((f"the undefended model leaks more than {tag}",
                          f"{what}(none) − {what}(DP-SGD)",
                          difference(leakage(none, m.measure), leakage(dp, m.measure)),
                          "greater", 0.0, sizes, "if not, no defense is needed at this "
                          "level and the comparison below says little"))
        if m.censoring is None or m.censoring.all is None:
            continue
        cz = m.censoring
        specs.append((f"{_label(cz)} leaks no more than {tag}",
                      f"{what}({_label(cz)}) − {what}(DP-SGD)",
                      difference(leakage(cz, m.measure), leakage(dp, m.measure)), "at_most",
                      LEAK_MARGIN, sizes, "the most accurate recipe without a guarantee that "
                      "leaks no more by point estimate" if float(leakage(cz, m.measure).value)
                      <= float(leakage(dp, m.measure).value) else "no recipe without a "
                      "guarantee leaks as little; the least leaky one"))
        specs.append((f"{_label(cz)} is more accurate than {tag}",
                      f"accuracy({_label(cz)}) − accuracy(DP-SGD)",
                      difference(_accuracy(cz), _accuracy(dp)), "greater", 0.0,
                      {"models": cfg.num_models, "test points": int(result.data.test.x.shape[0]),
                       "resamples": cfg.num_bootstrap}, ""))
    level = bonferroni_confidence(max(len(specs), 1), cfg.confidence)
    smoke = cfg.num_models <= UniquenessConfig.smoke_sizes()["num_models"]
    return [Finding(claim, q, reps.interval(level), d, margin=mg, confidence=level,
                    sizes=sz, smoke=smoke, note=note)
            for claim, q, reps, d, mg, sz, note in specs]


def verdicts(result: UniquenessResult) -> list[str]:
    """The report's verdicts: the findings, the canary ranks, and the caveat on censoring."""
    found = findings(result)
    out = [f.line() for f in found]
    main = _corr(result, MAIN)
    if main is not None:
        out.append(f"Top-{main.k} overlap of GNQ and the LiRA advantage: {fmt(main.overlap, 2)} "
                   f"(chance {fmt(main.k / result.data.pool.x.shape[0], 2)}).")
    gnq_ranks = [c for c in result.canaries if c.score == MAIN]
    out.append("Canaries by one-run GNQ: " + "; ".join(
        f"{c.kind} median rank {fmt(c.median_rank, 2)} of the pool, {fmt(c.top10, 2)} in the "
        "top 10 %" for c in gnq_ranks) + ".")
    out.append(family_note(len(found), result.config.confidence))
    out.append("Censoring carries no formal differential-privacy guarantee: its budget bounds "
               "a heuristic disclosure, and which points are dropped depends on the data.")
    return out


def console_summary(result: UniquenessResult) -> str:
    return "\n".join([correlation_table(result), "", defense_table(result.defense),
                      "", *verdicts(result)])


def scatter_figure(result: UniquenessResult) -> bytes:
    """Cumulative GNQ of the one run vs the LiRA advantage, canaries marked."""
    import matplotlib.pyplot as plt

    x = np.asarray(result.single.cumulative)
    y = result.advantage
    kind = result.data.kind
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name, color, size, marker, alpha in (("ordinary", "C0", 8, "o", 0.5),
                                             ("mislabeled", "C3", 30, "x", 1.0),
                                             ("ood", "C2", 30, "^", 1.0)):
        sel = kind == name
        ax.scatter(x[sel], y[sel], label=name, c=color, s=size, marker=marker, alpha=alpha)
    rho = result.correlations[0].rho
    ax.set(xlabel="cumulative disclosure Σ ½ log(1 + GNQ), one run",
           ylabel="per-example LiRA advantage (2 AUC − 1)",
           title=f"Spearman ρ = {float(rho.value):.2f} [{float(rho.lower):.2f}, "
                 f"{float(rho.upper):.2f}]")
    ax.legend(fontsize=8)
    return png_bytes(fig)


def defense_figure(result: UniquenessResult) -> bytes:
    """Test accuracy vs LiRA TPR at the FPR (all points, and canaries), every recipe, with
    intervals."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, attr, title in ((axes[0], "tpr_all", "all pool points"),
                            (axes[1], "tpr_canary", "canaries")):
        for method, style in (("none", "ks"), ("censoring", "C1-o"), ("dp-sgd", "C0-^")):
            rows = [r for r in result.defense if r.method == method]
            if not rows:
                continue
            tx = [float(getattr(r, attr).value) for r in rows]
            ay = [float(r.accuracy.value) for r in rows]
            ax.errorbar(tx, ay, fmt=style, ms=5, label=method, capsize=2,
                        xerr=[[float(getattr(r, attr).value - getattr(r, attr).lower)
                               for r in rows], [float(getattr(r, attr).upper
                                                      - getattr(r, attr).value) for r in rows]],
                        yerr=[[float(r.accuracy.value - r.accuracy.lower) for r in rows],
                              [float(r.accuracy.upper - r.accuracy.value) for r in rows]])
            for r, a, b in zip(rows, tx, ay, strict=True):
                if method != "none":
                    ax.annotate(_param(r), (a, b), fontsize=7, xytext=(3, 3),
                                textcoords="offset points")
        ax.set(xlabel=f"LiRA TPR at FPR {result.config.fpr:g}", title=title)
    axes[0].set_ylabel("test accuracy")
    axes[0].legend(fontsize=8)
    return png_bytes(fig)


def report_md(result: UniquenessResult, provenance: dict, command: str) -> bytes:
    cfg = result.config
    model = f"ConvNet {'-'.join(map(str, cfg.channels))}" if is_image_set(cfg.dataset) \
        else f"MLP {'-'.join(map(str, cfg.hidden))}"
    lines = [
        f"# Gradient uniqueness ({cfg.dataset}, {model})", "",
        f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`. "
        f"{cfg.pool_size} ordinary points, {cfg.num_mislabeled} mislabeled and {cfg.num_ood} "
        f"out-of-distribution canaries; {cfg.num_models} shadow models per recipe (each point "
        f"IN for half); {cfg.steps} {cfg.optimizer} steps of {cfg.batch_size} distinct members, "
        f"learning rate {cfg.learning_rate:g}; GNQ ridge λ = {cfg.ridge:g} (float64 solve).", "",
        "GNQ_j = g_jᵀ(Σ_{k≠j} g_k g_kᵀ + λI)⁻¹ g_j within each batch; an example's score is its "
        "cumulative disclosure Σ ½ log(1 + GNQ) over the steps it was in a batch. 'One run' "
        "trains once on the whole pool (no shadow model); 'shadow mean' averages the shadows' "
        "records over the models where the point was IN. The per-example LiRA advantage is "
        "2 AUC − 1 of the point's online-LiRA scores (leave-one-model-out) when IN vs OUT. "
        "Controls: TracIn Σ ‖g‖² (the plain gradient norm) and the pseudo-inverse form "
        "Σ ½ log(1 + g_jᵀ S_{-j}⁺ g_j), S_{-j} = Σ_{k≠j} g_k g_kᵀ (no ridge: only the part of "
        "g_j inside the others' span): what uniqueness adds over a norm shows as ρ(GNQ) − "
        "ρ(control).", "",
        "## Verdicts", "",
        "Each finding is decided by its interval: \"holds\" when it lies on the claimed side "
        "(inside the stated margin for \"no more\"), \"does not hold\" when it lies on the "
        "other side, \"inconclusive\" otherwise.", "",
        *[f"- {v}" for v in verdicts(result)], "",
        "## GNQ against LiRA", "", "```", correlation_table(result), "```", "",
        "Intervals of ρ: two-way bootstrap, bias-corrected percentile "
        f"({cfg.num_bootstrap} resamples, {cfg.confidence:.0%}): the shadow models are drawn "
        "with replacement (each point's LiRA advantage recomputed from the drawn models' "
        "scores) together with the examples, so correlations with the same target share "
        "their draws and their differences are paired. The shadow-mean records are held "
        "fixed in each draw.", "",
        "```", canary_table(result), "```", "", "![GNQ vs LiRA](gnq_vs_lira.png)", "",
        "## Censoring vs DP-SGD", "",
        f"Censoring drops a point from later batches once its cumulative disclosure exceeds τ. "
        f"DP-SGD: clip {cfg.clip_norm:g}, Poisson rate {cfg.sample_rate:.3f}, the same steps; "
        f"accountant ε at δ = {cfg.delta:g}. TPR at FPR {cfg.fpr:g}, held out (threshold on "
        "half the pairs, value on the other half; empty when the FPR is below 1 / the "
        "non-member pairs of that half); every interval resamples models and points together "
        "(two-way bootstrap, the same draws for every recipe); 'censored' is the share of "
        "(model, member) pairs dropped before the end. The undefended model ('none') is a "
        "candidate of the matched comparison: a defense is only needed where it leaks more.",
        "",
        "```", defense_table(result.defense), "```", "", "![defenses](defense.png)", "",
        "## Post-training quantization", "",
        "The uncensored shadows quantized after training (target and references alike):", "",
        "```", defense_table(result.quantized), "```", "",
        "Whether quantization changes which points are most exposed: the Spearman ρ and top-k "
        "overlap rows 'against LiRA advantage, <spec>' in the table above.", "",
        "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()), ""]
    return "\n".join(lines).encode()


def uniqueness_outputs(result: UniquenessResult, provenance: dict,
                       command: str) -> dict[str, bytes]:
    """Every output file of one study, as bytes (written atomically by the caller)."""
    return {"examples.csv": to_csv(example_rows(result)),
            "defense.csv": to_csv(defense_rows(result)),
            "correlations.csv": to_csv(correlation_rows(result)),
            "results.json": to_json({"provenance": provenance,
                                     "defense": defense_rows(result),
                                     "correlations": correlation_rows(result),
                                     "canaries": [c._asdict() for c in result.canaries],
                                     "verdicts": verdicts(result),
                                     "findings": [f.record() for f in findings(result)],
                                     "seconds": result.seconds}),
            "report.md": report_md(result, provenance, command),
            "gnq_vs_lira.png": scatter_figure(result),
            "defense.png": defense_figure(result)}
