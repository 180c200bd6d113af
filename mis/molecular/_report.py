"""Outputs of ``mis molecular``: ``tradeoff.csv``, ``results.json``, ``report.md``, figures, and
the verdict on the source paper's three findings (host).

``tradeoff.csv`` has one row per dataset × embedder × recipe × quantizer: ``dataset``,
``embedder``, ``task``, ``recipe`` (``tuned`` / ``fixed``), ``l2`` and ``steps`` of the head,
then the columns of :func:`mis.release.release_columns` without the shadow-model
utility (bits, sparsity, indicator, attacks with bounds) and the released head's test metrics
(``rmse``, ``r2`` or ``auroc``, ``accuracy``, each with ``_lo``/``_hi`` 95 % bounds). Leakage is
the LiRA AUC of the quantization-aware shadow heads (leave-one-model-out). Findings and figures
read the typed :class:`TradeoffPoint` of each row of the primary recipe; the report sets the
recipes side by side (:func:`recipe_table`).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from mis.audit import plot_intervals
from mis.inference import Finding, Replicates, bonferroni_confidence, family_note
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.molecular._config import MolecularConfig
from mis.molecular._pipeline import MolecularResult
from mis.release import PRIMARY_ATTACK, indicator_n_rate, kendall_tau, release_columns, value

PERFORMANCE = {"regression": "r2", "classification": "auroc"}
EMBEDDER_SPREAD_RATIO = 0.5


class TradeoffPoint(NamedTuple):
    """One dataset × embedder × quantizer, as the findings and figures see it.

    Attributes:
        dataset, embedder, task, quantizer: names (``task`` regression or classification).
        leakage: LiRA AUC of the quantization-aware shadow heads.
        sparsity, bits_per_weight: the released head's kernels.
        performance: the released head's R² (regression) or AUROC (classification).
        ind_a, ind_b: ``n·r̂`` of indicator A and B (``nan`` where undefined).
        performance_lo, performance_hi: the performance's 95 % bootstrap interval.
        b_terms: candidates with a positive loss gap behind indicator B (0: undefined).
        ind_a_half, ind_b_half: half-widths of the indicators' ``n·r̂`` intervals.
    """

    dataset: str
    embedder: str
    task: str
    quantizer: str
    leakage: float
    sparsity: float
    bits_per_weight: float
    performance: float
    ind_a: float = float("nan")
    ind_b: float = float("nan")
    performance_lo: float = float("nan")
    performance_hi: float = float("nan")
    b_terms: int = 0
    ind_a_half: float = float("nan")
    ind_b_half: float = float("nan")


def _half(ind) -> float:
    if ind is None or ind.num_terms == 0:
        return float("nan")
    return 0.5 * (float(ind.n_rate.upper) - float(ind.n_rate.lower))


def tradeoff_points(result: MolecularResult) -> list[TradeoffPoint]:
    """One :class:`TradeoffPoint` per dataset × embedder × quantizer (of every pair given:
    pass ``result.of(recipe)`` for one recipe)."""
    out = []
    for p in result.pairs:
        for r in p.rows:
            perf = r.performance[PERFORMANCE[p.task]]
            out.append(TradeoffPoint(
                p.dataset, p.embedder, p.task, r.spec, value(r.require(PRIMARY_ATTACK).auc),
                r.sparsity, r.bits_per_weight, value(perf), indicator_n_rate(r, "A"),
                indicator_n_rate(r, "B"), float(perf.lower), float(perf.upper),
                r.indicator_b.num_terms if r.indicator_b is not None else 0,
                _half(r.indicator_a), _half(r.indicator_b)))
    return out


def table_rows(result: MolecularResult) -> list[dict]:
    """One flat record per dataset × embedder × recipe × quantizer (module docstring)."""
    return [{"dataset": p.dataset, "embedder": p.embedder, "task": p.task, "recipe": p.recipe,
             "l2": p.l2, "steps": p.steps}
            | release_columns(r, shadow_utility=False) for p in result.pairs for r in p.rows]


def _groups(points, *fields):
    out = {}
    for p in points:
        out.setdefault(tuple(getattr(p, f) for f in fields), []).append(p)
    return out


def _mean(values):
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


NUM_BOOTSTRAP = 1000  # resamples of the quantizers behind every finding's interval
MIN_QUANTIZERS = 5  # fewer: resampling them gives degenerate intervals ("not enough data")
MIN_FINITE = 0.9  # share of resamples where the statistic is defined


def _statistics(points: list[TradeoffPoint], quantizers) -> dict[str, float]:
    """Every statistic of :func:`findings` on the quantizers ``quantizers`` (a multiset of
    names: a bootstrap draw repeats some), averaged over dataset × embedder pairs."""
    pairs = _groups(points, "dataset", "embedder")
    tau_s, tau_b, tau_p = [], [], []
    loss: dict[str, list] = {"regression": [], "classification": []}
    for g in pairs.values():
        by = {p.quantizer: p for p in g}
        pts = [by[q] for q in quantizers if q in by]
        leak = [p.leakage for p in pts]
        tau_s.append(kendall_tau(leak, [p.sparsity for p in pts]))
        tau_b.append(kendall_tau(leak, [p.bits_per_weight for p in pts]))
        tau_p.append(kendall_tau(leak, [p.performance for p in pts]))
        base = by.get("none") if "none" in quantizers else None
        quantized = [p for p in pts if p.quantizer != "none"]
        if base is None or not quantized:
            continue
        safest = min(quantized, key=lambda p: p.leakage)
        head = base.performance if g[0].task == "regression" else base.performance - 0.5
        loss[g[0].task].append((base.performance - safest.performance) / head if head > 0
                               else float("nan"))
    ts, tb = _mean(tau_s), _mean(tau_b)
    lr, lc = _mean(loss["regression"]), _mean(loss["classification"])
    emb, qs = [], []
    for g in _groups(points, "dataset", "quantizer").values():
        if len(g) > 1 and g[0].quantizer in quantizers:
            emb += [np.ptp([p.leakage for p in g])] * quantizers.count(g[0].quantizer)
    for g in pairs.values():
        by = {p.quantizer: p for p in g}
        vals = [by[q].leakage for q in quantizers if q in by]
        if len(vals) > 1:
            qs.append(np.ptp(vals))
    emb_spread, q_spread = _mean(emb), _mean(qs)
    return {"tau_sparsity": ts, "tau_bits": tb, "sparsity_minus_bits": abs(ts) - abs(tb),
            "tau_performance": _mean(tau_p), "loss_regression": lr,
            "loss_classification": lc, "loss_difference": lr - lc,
            "embedder_spread": emb_spread, "quantizer_spread": q_spread,
            "spread_excess": emb_spread - EMBEDDER_SPREAD_RATIO * q_spread}


def findings(points: list[TradeoffPoint], *, confidence: float = 0.95, smoke: bool = False,
             num_bootstrap: int = NUM_BOOTSTRAP, seed: int = 0) -> list[Finding]:
    """The source paper's three findings as five :class:`~mis.inference.Finding` s, each
    interval from resampling the quantizers (``none``, the reference, kept in every draw; the
    same draws for every statistic: the claims are about quantizers in general; each LiRA AUC
    is taken as exact), Bonferroni over the five. Fewer than :data:`MIN_QUANTIZERS`
    quantizers besides ``none``, or a statistic undefined in more than a tenth of the draws,
    gives "not enough data".

    1. *Sparsity matters more than bit count*: per dataset × embedder, Kendall τ of the
       leakage (LiRA AUC) with the released kernels' sparsity and with their bits per weight,
       averaged over the pairs: the mean τ with sparsity is negative, and larger in size than
       the one with bits.
    2. *The most private quantizers lose the most performance, more on regression*: the mean
       τ of leakage with performance (R² / AUROC) is positive; the relative loss of the most
       private quantizer (lowest LiRA AUC, ``none`` excluded), ``(R²_none − R²_q)/R²_none``
       for regression and ``(AUROC_none − AUROC_q)/(AUROC_none − ½)`` for classification, is
       larger on average for regression (needs both task types).
    3. *Privacy varies little across embedders*: the mean range of the LiRA AUC across
       embedders (per dataset × quantizer) is below half the mean range across quantizers
       (per dataset × embedder) (needs two embedders).
    """
    names = list(dict.fromkeys(p.quantizer for p in points))
    value = _statistics(points, names)
    # the unquantized baseline is the reference of every comparison: kept in every draw
    fixed = [q for q in names if q == "none"]
    drawn = [q for q in names if q != "none"]
    rng = np.random.default_rng(seed)
    draws = [_statistics(points, fixed + [drawn[i] for i in rng.integers(0, len(drawn),
                                                                         len(drawn))])
             for _ in range(num_bootstrap)] if drawn else []
    reps = {k: Replicates(value[k], np.array([d[k] for d in draws], float)) for k in value}
    tasks = {p.task for p in points}
    embedders = {p.embedder for p in points}
    pairs = len(_groups(points, "dataset", "embedder"))
    sizes = {"quantizers": len(names), "dataset × embedder pairs": pairs}
    specs = [
        ("(1) leakage falls with sparsity", "mean Kendall τ(LiRA AUC, sparsity)",
         "tau_sparsity", "less", True, f"τ(LiRA AUC, bits/weight) = {value['tau_bits']:.3f}"),
        ("(1) sparsity matters more than bit count for privacy",
         "|mean τ(AUC, sparsity)| − |mean τ(AUC, bits)|", "sparsity_minus_bits", "greater",
         True, ""),
        ("(2) the most private quantizers lose the most performance",
         "mean Kendall τ(LiRA AUC, performance)", "tau_performance", "greater", True, ""),
        ("(2) the most private quantizer loses more on regression than on classification",
         "relative loss (regression) − relative loss (classification)", "loss_difference",
         "greater", tasks == {"regression", "classification"},
         f"regression {value['loss_regression']:.3f}, classification "
         f"{value['loss_classification']:.3f}" if len(tasks) > 1 else
         "needs both task types"),
        ("(3) privacy varies little across embedders",
         f"embedder spread − {EMBEDDER_SPREAD_RATIO:g} × quantizer spread of LiRA AUC",
         "spread_excess", "less", len(embedders) > 1,
         f"mean range across embedders {value['embedder_spread']:.3f}, across quantizers "
         f"{value['quantizer_spread']:.3f}" if len(embedders) > 1 else "needs two embedders"),
    ]
    level = bonferroni_confidence(len(specs), confidence)
    few = len(drawn) < MIN_QUANTIZERS
    out = []
    for claim, q, key, direction, enough, note in specs:
        defined = float(np.mean(np.isfinite(reps[key].reps)))
        ok = enough and np.isfinite(value[key]) and not few and defined >= MIN_FINITE
        why = (f"; {len(drawn)} quantizers besides none: resampling needs at least "
               f"{MIN_QUANTIZERS}" if few
               else f"; the statistic is defined in only {defined:.0%} of the resamples"
               if enough and defined < MIN_FINITE else "")
        out.append(Finding(claim, q, reps[key].interval(level), direction, confidence=level,
                           sizes=sizes, smoke=smoke, enough=ok,
                           note=note + ("; " if note else "") + "each LiRA AUC taken as exact"
                           + why))
    return out


def indicator_agreement(points: list[TradeoffPoint]) -> dict[str, float]:
    """Mean over dataset × embedder pairs of Kendall τ-b between each indicator variant's
    ``n·r̂`` (larger = safer) and ``−LiRA AUC`` (1 = the same order of quantizers)."""
    pairs = _groups(points, "dataset", "embedder").values()
    out = {}
    for name, field in (("indicator A", "ind_a"), ("indicator B", "ind_b")):
        taus = []
        for g in pairs:
            ok = [p for p in g if np.isfinite(getattr(p, field))]
            taus.append(kendall_tau([getattr(p, field) for p in ok], [-p.leakage for p in ok]))
        out[name] = _mean(taus)
    return out


def dataset_tables(points: list[TradeoffPoint]) -> str:
    """Markdown: per dataset, quantizers × embedders cells ``performance / LiRA AUC``."""
    out = []
    for (dataset,), g in _groups(points, "dataset").items():
        task = g[0].task
        embedders = list(dict.fromkeys(p.embedder for p in g))
        quantizers = list(dict.fromkeys(p.quantizer for p in g))
        cell = {(p.quantizer, p.embedder): p for p in g}
        out += [f"### {dataset} ({task}; cells: {PERFORMANCE[task].upper()} / LiRA AUC)", "",
                "| quantizer | bits | " + " | ".join(embedders) + " |",
                "|---|---|" + "---|" * len(embedders)]
        for q in quantizers:
            bits = next(cell[q, e].bits_per_weight for e in embedders if (q, e) in cell)
            cells = [f"{fmt(cell[q, e].performance)} / {fmt(cell[q, e].leakage)}"
                     if (q, e) in cell else "" for e in embedders]
            out.append(f"| {q} | {bits:.2f} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def figures(points: list[TradeoffPoint]) -> dict[str, bytes]:
    """``tradeoff.png``: performance against leakage, one panel per task type, one colour per
    embedder; ``embedders.png``: LiRA AUC per quantizer, one line per embedder, one panel per
    dataset."""
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(p.task for p in points))
    embedders = list(dict.fromkeys(p.embedder for p in points))
    colours = dict(zip(embedders, plt.rcParams["axes.prop_cycle"].by_key()["color"],
                       strict=False))
    fig, axes = plt.subplots(1, len(tasks), figsize=(6 * len(tasks), 4.5), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        for p in points:
            if p.task == task:
                plot_intervals(ax, p.leakage, p.performance, ms=3.5, lw=0.7, capsize=1.5,
                               y_interval=(p.performance_lo, p.performance_hi),
                               color=colours[p.embedder])
                ax.annotate(p.quantizer, (p.leakage, p.performance), fontsize=5)
        for e in embedders:
            ax.scatter([], [], color=colours[e], label=e)
        ax.set(xlabel="LiRA AUC (leakage)", ylabel=f"test {PERFORMANCE[task].upper()} "
               "(95 % bootstrap interval)", title=f"{task}: performance vs leakage")
        ax.legend(fontsize=7)
    out = {"tradeoff.png": png_bytes(fig)}
    datasets = list(dict.fromkeys(p.dataset for p in points))
    fig, axes = plt.subplots(1, len(datasets), figsize=(5 * len(datasets), 4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        g = [p for p in points if p.dataset == dataset]
        quantizers = list(dict.fromkeys(p.quantizer for p in g))
        for e in embedders:
            cell = {p.quantizer: p.leakage for p in g if p.embedder == e}
            ax.plot(range(len(quantizers)), [cell.get(q, np.nan) for q in quantizers], "o-",
                    ms=3, color=colours[e], label=e)
        ax.set_xticks(range(len(quantizers)), quantizers, rotation=70, fontsize=7)
        ax.set(ylabel="LiRA AUC", title=dataset)
        ax.legend(fontsize=7)
    out["embedders.png"] = png_bytes(fig)
    return out


def recipe_table(result: MolecularResult) -> str:
    """Markdown: per dataset × embedder and recipe, the head's L2 and steps, the full-precision
    head's performance (95 % interval) and LiRA AUC / TPR at 0.1 % FPR (intervals)."""
    lines = ["| dataset | embedder | recipe | l2 | steps | validation | performance (full "
             "precision) | LiRA AUC | LiRA TPR@0.1% |", "|---|---|---|---|---|---|---|---|---|"]
    for p in result.pairs:
        row = next((r for r in p.rows if r.spec == "none"), p.rows[0])
        lira = row.require(PRIMARY_ATTACK)
        perf = row.performance[PERFORMANCE[p.task]]
        est = lambda e: f"{fmt(float(e.value))} [{fmt(float(e.lower))}, {fmt(float(e.upper))}]"
        lines.append(f"| {p.dataset} | {p.embedder} | {p.recipe} | {p.l2:g} | {p.steps} | "
                     f"{p.num_val} | {PERFORMANCE[p.task].upper()} {est(perf)} ({row.spec}) | "
                     f"{est(lira.auc)} | {est(lira.tpr_at_fpr[0.001])} |")
    return "\n".join(lines)


def indicator_diagnostics(points: list[TradeoffPoint]) -> dict[str, float]:
    """Why indicator B agrees less with LiRA than A (measured, per recipe): its Kendall τ with
    LiRA, the share of releases where B is undefined (no candidate with a positive loss gap),
    the mean number of candidates behind it, and each indicator's resolution: the median over
    pairs of (median interval half-width) / (range of ``n·r̂`` across quantizers) — above ~0.5
    the intervals of most quantizers overlap and the order is mostly noise."""
    agree = indicator_agreement(points)
    pairs = _groups(points, "dataset", "embedder").values()

    def resolution(field, half):
        out = []
        for g in pairs:
            vals = [getattr(p, field) for p in g if np.isfinite(getattr(p, field))]
            halves = [getattr(p, half) for p in g if np.isfinite(getattr(p, half))]
            if len(vals) > 1 and np.ptp(vals) > 0 and halves:
                out.append(float(np.median(halves) / np.ptp(vals)))
        return float(np.median(out)) if out else float("nan")

    b_defined = [p for p in points if np.isfinite(p.ind_b)]
    return {"tau_a": agree["indicator A"], "tau_b": agree["indicator B"],
            "b_undefined_share": 1 - len(b_defined) / max(len(points), 1),
            "b_mean_candidates": _mean([float(p.b_terms) for p in b_defined]),
            "resolution_a": resolution("ind_a", "ind_a_half"),
            "resolution_b": resolution("ind_b", "ind_b_half")}


def _smoke(result: MolecularResult) -> bool:
    """Smoke-sized: no more shadow heads than the smoke variant trains."""
    return result.config.num_models <= MolecularConfig.smoke_sizes()["num_models"]


def recipe_findings(result: MolecularResult) -> dict[str, list[Finding]]:
    """``recipe -> findings`` for every recipe with rows, each computed once (a findings call
    resamples the quantizers :data:`NUM_BOOTSTRAP` times)."""
    out = {}
    for recipe in result.config.recipes:
        points = tradeoff_points(result.of(recipe))
        if points:
            out[recipe] = findings(points, smoke=_smoke(result))
    return out


def _primary_findings(result: MolecularResult, by_recipe: dict, points) -> list[Finding]:
    found = by_recipe.get(result.primary)
    return found if found is not None else findings(points, smoke=_smoke(result))


def recipe_lines(result: MolecularResult, by_recipe: dict | None = None) -> list[str]:
    """Markdown lines: every recipe's findings (``by_recipe``, default computed here),
    indicator agreement and diagnostics."""
    by_recipe = recipe_findings(result) if by_recipe is None else by_recipe
    lines = []
    for recipe, found in by_recipe.items():
        points = tradeoff_points(result.of(recipe))
        verdicts = "; ".join(f"{f.claim[:3]} {f.outcome}" for f in found)
        d = indicator_diagnostics(points)
        lines.append(f"- **{recipe}**: findings {verdicts}; Kendall τ with LiRA: indicator A "
                     f"{d['tau_a']:.3f}, indicator B {d['tau_b']:.3f}; B undefined for "
                     f"{d['b_undefined_share']:.0%} of releases, {d['b_mean_candidates']:.1f} "
                     f"candidates on average; resolution (median half-width / range across "
                     f"quantizers) A {d['resolution_a']:.2f}, B {d['resolution_b']:.2f}.")
    return lines


def _summary_lines(result: MolecularResult, points, found) -> list[str]:
    """The data, the findings and the indicator agreement (markdown lines)."""
    lines = ["## Data", ""]
    seen = set()
    for pair in result.pairs:
        if pair.dataset in seen:
            continue
        seen.add(pair.dataset)
        lines.append(f"- **{pair.dataset}** ({pair.task}): {pair.num_train} train / "
                     f"{pair.num_test} test molecules; invalid SMILES skipped: "
                     f"{len(pair.invalid)}")
    lines += ["", "## The paper's findings", ""]
    lines += [f"- {f.line()}" for f in found]
    lines += ["", family_note(len(found)) + " Each interval resamples the quantizers "
              f"({NUM_BOOTSTRAP} draws); the same draws serve every finding."]
    agree = indicator_agreement(points)
    lines += ["", "Agreement of the privacy indicator with LiRA (mean Kendall τ-b over dataset × "
              "embedder pairs, 1 = same order of quantizers): " + ", ".join(
                  f"{k} {v:.3f}" for k, v in agree.items()) + "."]
    return lines


def console_summary(result: MolecularResult) -> str:
    """What ``mis molecular`` prints: the data, the primary recipe's findings and indicator
    agreement, then every recipe's verdicts side by side."""
    points = tradeoff_points(result.of())
    by_recipe = recipe_findings(result)
    return "\n".join(_summary_lines(result.of(), points,
                                    _primary_findings(result, by_recipe, points))
                     + ["", "Recipes side by side:", *recipe_lines(result, by_recipe)])


def report_md(result: MolecularResult, points: Any, found: Any, provenance: dict,
              command: str, by_recipe: dict | None = None) -> bytes:
    cfg = result.config
    lines = ["# Privacy–performance trade-off of quantized molecular property heads", "",
             f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`. "
             f"MLP head {list(cfg.hidden)} trained on each training split and released through "
             f"each quantizer; leakage from {cfg.num_models} quantization-aware shadow heads "
             "per dataset × embedder (each trained on a random half of the training split, "
             "LiRA online, leave-one-model-out). Performance is the released head's on the "
             f"fixed test split. Tables, findings and figures are those of the **{result.primary}"
             "** recipe; the recipes are compared below.", "",
             "Recipes: *fixed* trains every head for "
             f"{cfg.steps} Adam steps with l2 = {cfg.l2:g} on the whole training split; "
             f"*tuned* holds out a seeded validation split ({cfg.val_fraction:.0%} of the "
             "training split), chooses l2 from "
             f"{list(cfg.l2_grid)} and the step count (at most {cfg.steps}) by early stopping on "
             "the validation loss, and trains the released head and every shadow head on the "
             "rest with the selected values. The shadows reuse the selection (the attacker "
             "knows the recipe, as LiRA assumes) rather than tuning on their own halves, which "
             "would put validation molecules among the shadows' evaluation points.", ""]
    lines += _summary_lines(result.of(), points, found)
    lines += ["", "## Recipes side by side", "", recipe_table(result), "",
              *recipe_lines(result, by_recipe),
              "", "Indicator B, measured: its n·r̂ rests on the candidates with a positive "
              "loss gap (THEORY §6, variant B) and on a bootstrap of their variance; the "
              "'resolution' above is the median interval half-width over the spread of n·r̂ "
              "across quantizers. When it is large, B's order of the quantizers is mostly "
              "sampling noise, which is what lowers its agreement with LiRA; A uses every "
              "weight's distance to its decision threshold and resolves the quantizers better.",
              "", "## Performance / leakage per dataset", "", dataset_tables(points),
              "![trade-off](tradeoff.png)", "", "![embedders](embedders.png)", "",
              "Run time (s): " + ", ".join(f"{p.dataset}×{p.embedder}×{p.recipe} "
                                           f"{sum(p.seconds.values()):.0f}"
                                           for p in result.pairs), ""]
    return "\n".join(lines).encode()


def molecular_outputs(result: MolecularResult, provenance: dict,
                      command: str) -> dict[str, bytes]:
    """Every output file of one run, as bytes (written atomically by the caller)."""
    rows = table_rows(result)
    points = tradeoff_points(result.of())
    by_recipe = recipe_findings(result)
    found = _primary_findings(result, by_recipe, points)
    meta = [{"dataset": p.dataset, "embedder": p.embedder, "task": p.task, "recipe": p.recipe,
             "l2": p.l2, "steps": p.steps, "num_validation": p.num_val,
             "num_train": p.num_train, "num_test": p.num_test,
             "num_features": p.num_features, "invalid_smiles": [list(i) for i in p.invalid],
             "features_cached": p.cache_hit, "n_shadow": p.n, "seconds": p.seconds}
            for p in result.pairs]
    per_recipe = {}
    for recipe, found_here in by_recipe.items():
        pts = tradeoff_points(result.of(recipe))
        per_recipe[recipe] = {"findings": [f.record() for f in found_here],
                              "indicator_kendall_tau": indicator_agreement(pts),
                              "indicator_diagnostics": indicator_diagnostics(pts)}
    payload = {"provenance": provenance, "primary_recipe": result.primary, "pairs": meta,
               "table": rows, "findings": [f.record() for f in found],
               "indicator_kendall_tau": indicator_agreement(points), "recipes": per_recipe}
    return {"tradeoff.csv": to_csv(rows), "results.json": to_json(payload),
            "report.md": report_md(result, points, found, provenance, command, by_recipe),
            **figures(points)}
