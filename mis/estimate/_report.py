"""Outputs of ``mis estimate``: ``convergence.csv``, ``coverage.csv``, ``generative.csv``,
``results.json``, ``report.md`` and three figures, all built from the typed
:class:`~mis.estimate.EstimateResult` (host).

CSV columns. ``value``, ``lo``, ``hi``: the estimate and its interval (the interval is for
the estimator's own functional, at most Δ, so ``lo`` is a lower confidence bound on Δ; see
:mod:`mis.tv`). ``convergence.csv``: ``model``, ``exact`` (Δ; ``exact_se`` its Monte
Carlo standard error, 0 for a closed form), ``num_members``, ``num_nonmembers``,
``estimator``, ``covers`` (``lo ≤ exact ≤ hi``), ``accuracy`` (the k-NN rule's accuracy on
the sample: the plain majority-vote rule, whose accuracy moves with the member share while
Δ̂ does not). ``coverage.csv``: ``covered`` and
``lower_above`` (fractions of draws), ``mean_value``. ``generative.csv``: ``model``,
``train_size``, ``knob`` / ``knob_value`` (VAE epochs, mixture components, DP-SGD σ),
``query``, ``estimator``, ``epsilon_lower`` (ε certified by ``lo`` at the config's δ),
``epsilon_accountant`` (DP-SGD only).
"""

from __future__ import annotations

import math

import numpy as np

from mis.estimate._pipeline import QUERIES, EstimateResult
from mis.io import fmt, png_bytes, to_csv, to_json

NAMES = {"ks": "KS (best threshold)", "histogram": "histogram TV", "knn": "k-NN classifier"}


def _triple(est) -> dict:
    return {"value": float(est.value), "lo": float(est.lower), "hi": float(est.upper)}


def convergence_rows(result: EstimateResult) -> list[dict]:
    """Flat records of part 1 (module docstring)."""
    return [{"model": r.model, "exact": r.exact, "exact_se": r.exact_se,
             "num_members": r.num_members, "num_nonmembers": r.num_nonmembers,
             "estimator": r.estimator} | _triple(r.estimate)
            | {"covers": bool(r.estimate.lower <= r.exact <= r.estimate.upper),
               "accuracy": r.accuracy} for r in result.convergence]


def coverage_rows(result: EstimateResult) -> list[dict]:
    """Flat records of part 2."""
    return [r._asdict() for r in result.coverage]


def generative_rows(result: EstimateResult) -> list[dict]:
    """Flat records of part 3."""
    return [{"model": r.model, "train_size": r.train_size, "knob": r.knob,
             "knob_value": r.knob_value, "query": r.query, "estimator": r.estimator}
            | _triple(r.estimate)
            | {"epsilon_lower": r.epsilon_lower, "epsilon_accountant": r.epsilon_accountant}
            for r in result.generative]


def _iv(est) -> str:
    return f"{fmt(est.value)} [{fmt(est.lower)}, {fmt(est.upper)}]"


def _eps(x: float) -> str:
    return "∞" if x == math.inf else fmt(x, 2)


def convergence_table(result: EstimateResult) -> str:
    """Markdown: per model and sample size, each estimator's value [interval] and the exact Δ."""
    lines = ["| model | exact Δ | members | non-members | KS | histogram | k-NN "
             "| plain k-NN accuracy |",
             "|---|---|---|---|---|---|---|---|"]
    groups: dict = {}
    for r in result.convergence:
        groups.setdefault((r.model, r.num_members, r.num_nonmembers), {})[r.estimator] = r
    for (model, a, b), by in groups.items():
        exact = next(iter(by.values())).exact
        cells = [_iv(by[e].estimate) if e in by else "—" for e in ("ks", "histogram", "knn")]
        lines.append(f"| {model} | {exact:.4f} | {a} | {b} | " + " | ".join(cells)
                     + f" | {fmt(by['knn'].accuracy)} |")
    return "\n".join(lines)


def coverage_table(result: EstimateResult) -> str:
    if not result.coverage:
        return "(coverage draws disabled: `coverage_draws = 0`)"
    conf = result.config.confidence
    lines = [f"| estimator | draws | interval covers exact Δ (nominal {conf:.0%}) | "
             "lower end above Δ | mean estimate |", "|---|---|---|---|---|"]
    for r in result.coverage:
        lines.append(f"| {NAMES[r.estimator]} | {r.draws} | {r.covered:.3f} | "
                     f"{r.lower_above:.3f} | {r.mean_value:.4f} |")
    return "\n".join(lines)


def generative_table(result: EstimateResult, model: str) -> str:
    """Markdown: one line per (size, knob, query), estimators as columns."""
    rows = [r for r in result.generative if r.model == model]
    if not rows:
        return "(none)"
    dp = model == "vae-dp"
    head = "| train size | " + rows[0].knob.replace("_", " ") + " | query | KS | histogram | k-NN |"
    head += " ε lower (k-NN) | ε accountant |" if dp else ""
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    groups: dict = {}
    for r in rows:
        groups.setdefault((r.train_size, r.knob_value, r.query), {})[r.estimator] = r
    for (n, v, q), by in groups.items():
        cells = [_iv(by[e].estimate) if e in by else "—" for e in ("ks", "histogram", "knn")]
        line = f"| {n} | {v:g} | {q} | " + " | ".join(cells) + " |"
        if dp:
            line += f" {_eps(by['knn'].epsilon_lower)} | {_eps(by['knn'].epsilon_accountant)} |"
        lines.append(line)
    return "\n".join(lines)


def dp_verdict(result: EstimateResult) -> str:
    """Per σ: the largest certified ε lower bound of the DP-SGD VAE beside the accountant's ε,
    and whether any exceeds it."""
    rows = [r for r in result.generative if r.model == "vae-dp"]
    if not rows:
        return "no DP-SGD rows"
    parts, bad = [], False
    for sigma in dict.fromkeys(r.knob_value for r in rows):
        worst = max((r for r in rows if r.knob_value == sigma), key=lambda r: r.epsilon_lower)
        bad |= worst.epsilon_lower > worst.epsilon_accountant
        parts.append(f"σ = {sigma:g}: certified ε ≥ {_eps(worst.epsilon_lower)} "
                     f"({worst.query}, {NAMES[worst.estimator]}) vs accountant ε = "
                     f"{_eps(worst.epsilon_accountant)}")
    return (("VIOLATION" if bad else "consistent") + f" (δ = {result.config.delta:g}): "
            + "; ".join(parts))


def trends(result: EstimateResult) -> list[str]:
    """Plain statements with numbers: Δ̂ (k-NN, vector query) at the first and last epochs for
    each training size; the same at the largest epochs across sizes."""
    c = result.config
    by = {(r.train_size, r.knob_value): r for r in result.generative
          if r.model == "vae" and r.query == "vector" and r.estimator == "knn"}
    out = []
    for n in c.train_sizes:
        a, b = by[(n, c.epochs[0])], by[(n, c.epochs[-1])]
        word = "grows" if b.estimate.lower > a.estimate.upper else (
            "does not grow beyond its intervals")
        out.append(f"VAE, {n} members: Δ̂ {word} with training, {_iv(a.estimate)} after "
                   f"{c.epochs[0]} steps vs {_iv(b.estimate)} after {c.epochs[-1]}")
    small, large = by[(c.train_sizes[0], c.epochs[-1])], by[(c.train_sizes[-1], c.epochs[-1])]
    word = "shrinks" if large.estimate.upper < small.estimate.lower else (
        "does not shrink beyond its intervals")
    out.append(f"VAE after {c.epochs[-1]} steps: Δ̂ {word} with the training-set size, "
               f"{_iv(small.estimate)} at {c.train_sizes[0]} vs {_iv(large.estimate)} at "
               f"{c.train_sizes[-1]}")
    return out


def console_summary(result: EstimateResult) -> str:
    """What ``mis estimate`` prints: coverage, the trends and the DP line."""
    lines = [f"coverage: {r.estimator} {r.covered:.3f}" for r in result.coverage]
    return "\n".join(lines + trends(result) + [dp_verdict(result)])


def report_markdown(result: EstimateResult, provenance: dict, command: str) -> str:
    c = result.config
    risk = result.risk
    top = np.sort(risk.risk)[::-1][:10]
    parts = [
        "# mis estimate: the optimal membership advantage from samples",
        "",
        f"Command: `{command}`; git {provenance.get('git_commit')}; "
        f"{sum(result.seconds.values()):.0f} s.",
        "",
        "Δ = TV(P_in, P_out) is the advantage of the best attack that sees the query. KS is the "
        "best threshold on a scalar query (DKW interval); the histogram TV bins the query "
        "(finite-sample L1 interval, conservative); the k-NN classifier estimate is TPR − FPR "
        "of a cross-fitted k-NN rule with equal priors (Clopper–Pearson interval). Each "
        "estimates a quantity at most Δ, so each interval's lower end is a lower confidence "
        "bound on Δ; none gives an upper bound on Δ without assumptions on the densities. A "
        "negative k-NN value is a rule doing worse than chance on this sample: no evidence of "
        "leakage (the lower bound on Δ is then 0).",
        "",
        "## 1. Convergence where Δ is known",
        "",
        "Query: the released model's exact likelihood ratio (a sufficient statistic, so "
        "the best threshold attains Δ). The last row of each model has members outnumbered "
        f"{c.imbalance}:1: the estimates stay, while the accuracy of the plain (majority-vote) "
        "k-NN classifier moves towards the share of non-members.",
        "",
        convergence_table(result),
        "",
        "## 2. Coverage over repeated draws",
        "",
        coverage_table(result),
        "",
        "## 3. Generative models on the 8x8 digits",
        "",
        f"Members: the first *train size* digits of a seeded permutation of the training split; "
        f"non-members: the 597 test digits. Queries: `neg_elbo` (−ELBO, {c.elbo_samples} "
        f"draws), `recon` (‖x − dec(μ(x))‖²), `nn_dist` (distance to the nearest of "
        f"{c.num_generated} generated images, black box), `vector` (all three, z-scored).",
        "",
        "### VAE (full-batch Adam: one step is one epoch)",
        "",
        generative_table(result, "vae"),
        "",
        *[f"- {t}" for t in trends(result)],
        "",
        "### Gaussian mixture (EM), query −log p(x)",
        "",
        generative_table(result, "gmm"),
        "",
        f"### DP-SGD VAE ({c.train_sizes[-1]} members, C = {c.dp_clip:g}, q = "
        f"{c.dp_sample_rate:g}, {c.dp_steps} steps; Adam, full-batch VAE above for comparison)",
        "",
        generative_table(result, "vae-dp"),
        "",
        dp_verdict(result) + ".",
        "",
        "## 4. Individual risk",
        "",
        f"r(x) = p_in/(p_in + p_out) of each of the {risk.train_size} members of the VAE after "
        f"{risk.epochs} steps (k-NN on the vector query, class sizes re-weighted); 0.5 = no "
        f"evidence. Mean {float(np.mean(risk.risk)):.3f}; the ten largest: "
        + ", ".join(f"{v:.2f}" for v in top) + " (`risk.png`).",
        "",
        "Figures: `convergence.png`, `delta_vs_epochs.png`, `risk.png`.",
        "",
    ]
    return "\n".join(parts)


def convergence_figure(result: EstimateResult) -> bytes:
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(r.model for r in result.convergence))
    fig, axes = plt.subplots(1, len(models), figsize=(5 * len(models), 3.8), squeeze=False)
    for ax, model in zip(axes[0], models, strict=True):
        rows = [r for r in result.convergence if r.model == model
                and r.num_members == r.num_nonmembers]
        exact = rows[0].exact
        for i, name in enumerate(("ks", "histogram", "knn")):
            pts = [r for r in rows if r.estimator == name]
            x = np.array([r.num_members for r in pts]) * (1 + 0.06 * (i - 1))
            v = np.array([r.estimate.value for r in pts])
            lo = v - np.array([r.estimate.lower for r in pts])
            hi = np.array([r.estimate.upper for r in pts]) - v
            ax.errorbar(x, v, yerr=[lo, hi], fmt="o-", ms=4, capsize=3, label=NAMES[name])
        ax.axhline(exact, color="k", ls="--", lw=1, label=f"exact Δ = {exact:.3f}")
        ax.set_xscale("log")
        ax.set_xlabel("members (= non-members) in the sample")
        ax.set_ylabel("Δ̂ with interval")
        ax.set_title(model, fontsize=9)
        ax.legend(fontsize=7)
    return png_bytes(fig)


def epochs_figure(result: EstimateResult) -> bytes:
    import matplotlib.pyplot as plt

    c = result.config
    fig, axes = plt.subplots(1, len(QUERIES), figsize=(3.6 * len(QUERIES), 3.5), sharey=True)
    for ax, query in zip(axes, QUERIES, strict=True):
        for n in c.train_sizes:
            pts = [r for r in result.generative if r.model == "vae" and r.train_size == n
                   and r.query == query and r.estimator == "knn"]
            v = np.array([r.estimate.value for r in pts])
            err = [v - [r.estimate.lower for r in pts], [r.estimate.upper for r in pts] - v]
            ax.errorbar([r.knob_value for r in pts], v, yerr=err, fmt="o-", ms=4, capsize=3,
                        label=f"{n} members")
        ax.set_xscale("log")
        ax.set_title(f"VAE, query {query}", fontsize=9)
        ax.set_xlabel("Adam steps (full batch)")
        ax.axhline(0, color="grey", lw=0.5)
    axes[0].set_ylabel("Δ̂ (k-NN classifier) with interval")
    axes[0].legend(fontsize=7)
    return png_bytes(fig)


def risk_figure(result: EstimateResult) -> bytes:
    import matplotlib.pyplot as plt

    risk = result.risk
    fig = plt.figure(figsize=(10, 3.6))
    ax = fig.add_axes([0.06, 0.15, 0.36, 0.75])
    ax.hist(risk.risk, bins=20, range=(0, 1), color="tab:blue")
    ax.axvline(0.5, color="k", ls="--", lw=1)
    ax.set_xlabel("individual risk r(x) (0.5 = no evidence)")
    ax.set_ylabel("members")
    ax.set_title(f"VAE, {risk.train_size} members, {risk.epochs} steps", fontsize=9)
    order = np.argsort(-risk.risk, kind="stable")[:10]
    for j, i in enumerate(order):
        a = fig.add_axes([0.47 + 0.105 * (j % 5), 0.52 - 0.42 * (j // 5), 0.09, 0.36])
        a.imshow(risk.images[i], cmap="gray_r", vmin=0, vmax=1)
        a.set_title(f"r={risk.risk[i]:.2f}", fontsize=8)
        a.axis("off")
    return png_bytes(fig, tight_bbox=True)


def estimate_outputs(result: EstimateResult, provenance: dict, command: str) -> dict:
    """``file name -> bytes`` for ``write_files``."""
    return {
        "convergence.csv": to_csv(convergence_rows(result)),
        "coverage.csv": to_csv(coverage_rows(result)),
        "generative.csv": to_csv(generative_rows(result)),
        "results.json": to_json({"provenance": provenance,
                                 "convergence": convergence_rows(result),
                                 "coverage": coverage_rows(result),
                                 "generative": generative_rows(result),
                                 "risk": {"train_size": result.risk.train_size,
                                          "epochs": result.risk.epochs,
                                          "risk": result.risk.risk.tolist()},
                                 "seconds": result.seconds}),
        "report.md": report_markdown(result, provenance, command).encode(),
        "convergence.png": convergence_figure(result),
        "delta_vs_epochs.png": epochs_figure(result),
        "risk.png": risk_figure(result),
    }
