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

from mis.audit import clopper_pearson, plot_intervals
from mis.estimate._config import EstimateConfig
from mis.estimate._pipeline import QUERIES, EstimateResult, GenerativeRow
from mis.inference import Finding, bonferroni_confidence, difference, family_note
from mis.io import fmt, png_bytes, to_csv, to_json
from mis.tv import LABELS, advantage_ceiling, advantage_replicates, disagreements
from mis.tv import implied_epsilon as _implied
from theory import Estimate

NAMES = LABELS
NUM_BOOTSTRAP = 1000  # the paired bootstrap of the k-NN advantage (stratified, seed 0)


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
    lines = ["| model | exact Δ | members | non-members | best threshold (KS) | histogram | "
             "k-NN | plain k-NN accuracy |",
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
    lines = [f"| members | non-members | estimator | draws | interval covers exact Δ (nominal "
             f"{conf:.0%}) | lower end above Δ | mean estimate |",
             "|---|---|---|---|---|---|---|"]
    for r in result.coverage:
        lines.append(f"| {r.num_members} | {r.num_nonmembers} | {NAMES[r.estimator]} | "
                     f"{r.draws} | {r.covered:.3f} | {r.lower_above:.3f} | "
                     f"{r.mean_value:.4f} |")
    return "\n".join(lines)


def generative_table(result: EstimateResult, model: str) -> str:
    """Markdown: one line per (size, knob, query), estimators as columns."""
    rows = [r for r in result.generative if r.model == model]
    if not rows:
        return "(none)"
    dp = model == "vae-dp"
    head = "| train size | " + rows[0].knob.replace("_", " ") + \
        " | query | best threshold (KS) | histogram | k-NN |"
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


def _vector_knn(result: EstimateResult, model: str) -> dict:
    """``(train_size, knob_value) -> GenerativeRow`` of the k-NN estimate on the vector query
    (the pre-specified row the findings use: no choice among queries and estimators)."""
    return {(r.train_size, r.knob_value): r for r in result.generative
            if r.model == model and r.query == "vector" and r.estimator == "knn"
            and r.decisions is not None}


def _reps(r: GenerativeRow):
    if r.decisions is None:
        raise ValueError(f"{r.model}: no decisions recorded (only the k-NN rows have them)")
    return advantage_replicates(r.decisions, r.train_size, num_bootstrap=NUM_BOOTSTRAP)


def _dp_estimate(r: GenerativeRow, confidence: float, delta: float) -> Estimate:
    """The ε certified by the k-NN decisions at ``confidence``: ``implied_epsilon`` of the
    Clopper–Pearson lower end of TPR − FPR (each rate at ``1 − α/2``); point value from the
    estimate; no upper end (a sample never bounds ε from above)."""
    d, n = np.asarray(r.decisions, bool), r.train_size
    a = 1 - confidence
    tpr = clopper_pearson(int(d[:n].sum()), n, 1 - a / 2)
    fpr = clopper_pearson(int(d[n:].sum()), d.size - n, 1 - a / 2)
    return Estimate(_implied(max(float(tpr.value - fpr.value), 0.0), delta),
                    _implied(float(tpr.lower - fpr.upper), delta), math.inf)


def findings(result: EstimateResult) -> list[Finding]:
    """The study's verdicts as :class:`~mis.inference.Finding` s, Bonferroni over all, each on
    the k-NN estimate of the vector query (pre-specified): Δ̂ grows with training (paired
    stratified bootstrap over the same images at the first and last step), shrinks with the
    training-set size, the DP-SGD VAE violates its accountant (one-sided, with the ceiling:
    "not enough data" where the sample could not certify the accountant's ε even at perfect
    separation), and the riskiest members stand out from the permutation null."""
    c = result.config
    vae, dp = _vector_knn(result, "vae"), _vector_knn(result, "vae-dp")
    n_out = next((r.decisions.size - r.train_size for r in vae.values()), 0)
    specs: list[tuple] = []
    for n in c.train_sizes:
        a, b = vae.get((n, c.epochs[0])), vae.get((n, c.epochs[-1]))
        if a is not None and b is not None:
            specs.append(("rep", f"VAE, {n} members: Δ̂ grows with training",
                          f"Δ̂({c.epochs[-1]} steps) − Δ̂({c.epochs[0]} steps)",
                          difference(_reps(b), _reps(a)), "greater",
                          {"members": n, "non-members": n_out}, ""))
    small, large = vae.get((c.train_sizes[0], c.epochs[-1])), vae.get((c.train_sizes[-1],
                                                                        c.epochs[-1]))
    if small is not None and large is not None and len(c.train_sizes) > 1:
        specs.append(("rep", f"VAE after {c.epochs[-1]} steps: Δ̂ shrinks with the training-"
                      "set size", f"Δ̂({c.train_sizes[0]} members) − Δ̂({c.train_sizes[-1]} "
                      "members)", difference(_reps(small), _reps(large)), "greater",
                      {"members": f"{c.train_sizes[0]} / {c.train_sizes[-1]}",
                       "non-members": n_out}, "the non-members are shared (paired), the "
                      "member samples are nested"))
    for (size, sigma), r in dp.items():
        specs.append(("dp", r, sigma, size))
    if result.risk is not None and result.risk.null is not None:
        specs.append(("risk",))
    level = bonferroni_confidence(max(len(specs), 1), c.confidence)
    smoke = c.dp_steps <= EstimateConfig.smoke_sizes()["dp_steps"]
    out = []
    for sp in specs:
        if sp[0] == "rep":
            _, claim, q, reps, direction, sizes, note = sp
            out.append(Finding(claim, q, reps.interval(level), direction, confidence=level,
                               sizes=sizes, smoke=smoke, note=note))
        elif sp[0] == "dp":
            _, r, sigma, size = sp
            n_non = r.decisions.size - size
            ceiling = advantage_ceiling(size, n_non, confidence=level, delta=c.delta)
            enough = ceiling > r.epsilon_accountant
            out.append(Finding(
                f"the DP-SGD VAE (σ = {sigma:g}) leaks more than its accountant allows",
                "certified ε (k-NN, vector query)", _dp_estimate(r, level, c.delta),
                "greater", r.epsilon_accountant, confidence=level,
                sizes={"members": size, "non-members": n_non}, smoke=smoke, enough=enough,
                note=f"accountant ε = {_eps(r.epsilon_accountant)}; the largest ε these "
                     f"sizes can certify is {_eps(ceiling)}" + (
                         "" if enough else ": this audit cannot detect a violation here")))
        else:
            risk = result.risk
            null = risk.null
            assert null is not None  # "risk" is specified only with a null
            out.append(Finding(
                f"the {null.top} riskiest members stand out from chance",
                f"top-{null.top} mean risk − its permutation-null median",
                null.excess(level), "greater", confidence=level,
                sizes={"members": risk.train_size, "permutations": int(null.null.size)},
                smoke=smoke, note=f"top-{null.top} mean {null.observed:.3f}, one-sided "
                                  f"permutation p = {null.p_value():.3f}"))
    return out


def warnings(result: EstimateResult) -> list[str]:
    """Estimator disagreements (:func:`mis.tv.disagreements`) on every sample of the run."""
    groups: dict = {}
    for r in result.convergence:
        groups.setdefault((r.model, f"{r.num_members} vs {r.num_nonmembers}"),
                          {})[r.estimator] = r.estimate
    for g in result.generative:
        groups.setdefault((f"{g.model} {g.train_size} members, {g.knob} {g.knob_value:g}",
                           g.query), {})[g.estimator] = g.estimate
    return [f"{a}, {b}: {w}" for (a, b), est in groups.items() for w in disagreements(est)]


def trends(result: EstimateResult) -> list[str]:
    """The findings, one line each, and the family's multiplicity sentence."""
    found = findings(result)
    return [f.line() for f in found] + [family_note(len(found), result.config.confidence)]


def console_summary(result: EstimateResult) -> str:
    """What ``mis estimate`` prints: coverage, the findings and the disagreements."""
    lines = [f"coverage ({r.num_members} vs {r.num_nonmembers}): {r.estimator} "
             f"{r.covered:.3f}" for r in result.coverage]
    warn = warnings(result)
    return "\n".join(lines + trends(result) + ([f"{len(warn)} estimator disagreement(s); "
                                               "see report.md"] if warn else []))


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
        "Δ = TV(P_in, P_out) is the advantage of the best attack that sees the query. The best-"
        "threshold advantage (the KS statistic) is the best single threshold on a scalar query "
        "(DKW interval): it equals Δ only when the likelihood ratio is monotone in the query, "
        "and is otherwise only a lower bound (N(0,1) vs N(0,4): 0.161 for Δ = 0.323); the "
        "histogram TV bins the query (finite-sample L1 interval, conservative); the k-NN "
        "classifier estimate is TPR − FPR of a cross-fitted k-NN rule with equal priors "
        "(Clopper–Pearson interval). Each estimates a quantity at most Δ, so each interval's "
        "lower end is a lower confidence bound on Δ; none gives an upper bound on Δ without "
        "assumptions on the densities. A negative k-NN value is a rule doing worse than chance "
        "on this sample: no evidence of leakage (the lower bound on Δ is then 0).",
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
        "Gaussian mean, at the two smallest balanced sizes and with members outnumbered "
        f"{c.imbalance}:1. Coverage of the exact Δ as measured: the k-NN interval is exact "
        "for the classifier's own advantage, which lies below Δ at small sizes; only the "
        "lower ends are claimed as bounds on Δ.",
        "",
        coverage_table(result),
        "",
        "## Estimator disagreements",
        "",
        *([f"- {w}" for w in warnings(result)] or ["None: on every sample the intervals of "
                                                   "the estimators overlap."]),
        "",
        "## Findings",
        "",
        "Each finding uses the pre-specified k-NN estimate of the vector query and is decided "
        "by its interval (\"holds\" / \"does not hold\" / \"inconclusive\"); Δ̂ "
        f"differences by a stratified bootstrap ({NUM_BOOTSTRAP} resamples) over the same "
        "images (paired). The DP finding is one-sided (a sample never bounds ε from above) and "
        "reports the largest ε its sizes could certify.",
        "",
        *[f"- {t}" for t in trends(result)],
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
        "### Gaussian mixture (EM), query −log p(x)",
        "",
        generative_table(result, "gmm"),
        "",
        f"### DP-SGD VAE ({c.train_sizes[-1]} members, C = {c.dp_clip:g}, q = "
        f"{c.dp_sample_rate:g}, {c.dp_steps} steps; Adam, full-batch VAE above for comparison)",
        "",
        generative_table(result, "vae-dp"),
        "",
        "## 4. Individual risk",
        "",
        f"r(x) = p_in/(p_in + p_out) of each of the {risk.train_size} members of the VAE after "
        f"{risk.epochs} steps (k-NN on the vector query, class sizes re-weighted); 0.5 = no "
        f"evidence. Mean {float(np.mean(risk.risk)):.3f}; the ten largest: "
        + ", ".join(f"{v:.2f}" for v in top) + " (`risk.png`). "
        + (f"Under the permutation null (member labels shuffled among the pooled queries, "
           f"{risk.null.null.size} permutations) the top-{risk.null.top} mean is "
           f"{np.median(risk.null.null):.3f} (median; 95 % range "
           f"{np.quantile(risk.null.null, 0.025):.3f}–{np.quantile(risk.null.null, 0.975):.3f}"
           f"), p = {risk.null.p_value():.3f}: a large individual risk means something only "
           "where it exceeds that." if risk.null is not None else ""),
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
            plot_intervals(ax, x, v, fmt="o-", capsize=3, label=NAMES[name], lw=1.5,
                           y_interval=([r.estimate.lower for r in pts],
                                       [r.estimate.upper for r in pts]))
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
            plot_intervals(ax, [r.knob_value for r in pts], v, fmt="o-", capsize=3, lw=1.5,
                           label=f"{n} members", y_interval=([r.estimate.lower for r in pts],
                                                             [r.estimate.upper for r in pts]))
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
    ax = fig.add_axes((0.06, 0.15, 0.36, 0.75))
    ax.hist(risk.risk, bins=20, range=(0, 1), color="tab:blue")
    ax.axvline(0.5, color="k", ls="--", lw=1)
    ax.set_xlabel("individual risk r(x) (0.5 = no evidence)")
    ax.set_ylabel("members")
    ax.set_title(f"VAE, {risk.train_size} members, {risk.epochs} steps", fontsize=9)
    order = np.argsort(-risk.risk, kind="stable")[:10]
    for j, i in enumerate(order):
        a = fig.add_axes((0.47 + 0.105 * (j % 5), 0.52 - 0.42 * (j // 5), 0.09, 0.36))
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
                                          "risk": result.risk.risk.tolist(),
                                          "null_top_mean": (None if result.risk.null is None
                                                            else result.risk.null.null.tolist())},
                                 "findings": [f.record() for f in findings(result)],
                                 "warnings": warnings(result),
                                 "seconds": result.seconds}),
        "report.md": report_markdown(result, provenance, command).encode(),
        "convergence.png": convergence_figure(result),
        "delta_vs_epochs.png": epochs_figure(result),
        "risk.png": risk_figure(result),
    }
