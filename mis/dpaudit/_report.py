"""Outputs of ``mis dpaudit``: ``dpaudit.csv``, ``results.json``, ``report.md`` and
``epsilon_vs_sigma.png``, all built from the typed :class:`~mis.dpaudit.DPAuditResult` (host).

``dpaudit.csv`` has one row per σ: ``sigma``, ``train_sigma``, ``epsilon_accountant`` (PLD,
the tightest), ``epsilon_rdp`` (the RDP bound over real orders), the empirical ε from LiRA on
the canaries and on ordinary points (``eps_canary`` with ``_lo`` / ``_hi``: the
Clopper–Pearson ends; ``inf`` where a rate is 0 or 1), ``ceiling_canary`` /
``ceiling_ordinary`` (the largest ε each audit could certify even with perfectly separated
scores) and ``detectable_canary`` / ``detectable_ordinary`` (ceiling above the accountant's ε:
only then can the audit show a violation), ``gdp_mu_canary`` / ``eps_gdp_canary`` (the
Gaussian-DP estimate from all canary scores), LiRA AUCs with two-way bootstrap bounds, test
``accuracy`` with bounds, ``violated`` (a lower bound above the accountant's ε) and
``seconds``.

In the one-run mode (``--mode one-run``) ``dpaudit.csv`` has one row per (σ, observer):
``sigma``, ``train_sigma``, ``canary``, ``observer``, ``epsilon_accountant``, ``epsilon_rdp``,
``eps_one_run`` (Steinke et al.'s lower bound at the confidence, Bonferroni over the guess
grid), ``ceiling`` (the same with every guess right), ``detectable``, ``guesses_in`` /
``guesses_out`` / ``correct`` (the candidate that gave the bound), ``candidates``,
``num_canaries`` / ``num_included`` (coins that came up IN), ``gdp_mu`` and ``eps_gdp`` (the
Gaussian-DP μ lower bound and its ε: an estimate within the GDP family), ``auc``, ``accuracy``,
``violated`` and ``seconds``.
"""

from __future__ import annotations

import math

from mis.audit import plot_intervals
from mis.dpaudit._config import DPAuditConfig
from mis.dpaudit._pipeline import DPAuditResult
from mis.inference import Finding
from mis.io import fmt, png_bytes, to_csv, to_json


def _triple(name: str, est) -> dict:
    return {name: float(est.value), f"{name}_lo": float(est.lower),
            f"{name}_hi": float(est.upper)}


def _eps_columns(name: str, est, ceiling: float) -> dict:
    """An empirical ε's columns: the value, or ``≥<ceiling>`` beyond the ceiling."""
    value = float(est.value)
    return _triple(name, est) | {name: f">={ceiling:.4g}" if value > ceiling else value}


def one_run_rows(result: DPAuditResult) -> list[dict]:
    """One flat record per (σ, observer) of a one-run audit (module docstring)."""
    return [{"sigma": r.sigma, "train_sigma": r.train_sigma, "canary": r.canary,
             "observer": r.observer, "epsilon_accountant": r.epsilon,
             "epsilon_rdp": r.epsilon_rdp, "eps_one_run": r.audit.epsilon,
             "ceiling": r.audit.ceiling, "detectable": r.detectable(),
             "guesses_in": r.audit.guesses_in, "guesses_out": r.audit.guesses_out,
             "correct": r.audit.correct, "candidates": r.audit.candidates,
             "num_canaries": r.audit.num_canaries, "num_included": r.audit.num_included,
             "gdp_mu": r.gdp.mu, "eps_gdp": r.gdp.epsilon, "auc": r.auc,
             "accuracy": r.accuracy, "violated": r.violated, "seconds": round(r.seconds, 2)}
            for r in result.rows]


def table_rows(result: DPAuditResult) -> list[dict]:
    """One flat record per σ (module docstring; per (σ, observer) in the one-run mode)."""
    if result.config.mode == "one-run":
        return one_run_rows(result)
    return [{"sigma": r.sigma, "train_sigma": r.train_sigma, "epsilon_accountant": r.epsilon,
             "epsilon_rdp": r.epsilon_rdp}
            | _eps_columns("eps_canary", r.canary, r.ceiling_canary)
            | _eps_columns("eps_ordinary", r.ordinary, r.ceiling_ordinary)
            | {"ceiling_canary": r.ceiling_canary, "ceiling_ordinary": r.ceiling_ordinary,
               "detectable_canary": r.detectable("canary"),
               "detectable_ordinary": r.detectable("ordinary")}
            | {"gdp_mu_canary": r.gdp_canary.mu if r.gdp_canary else math.nan,
               "eps_gdp_canary": r.gdp_canary.epsilon if r.gdp_canary else math.nan}
            | _triple("canary_auc", r.canary_auc) | _triple("ordinary_auc", r.ordinary_auc)
            | _triple("accuracy", r.accuracy)
            | {"violated": r.violated, "seconds": round(r.seconds, 2)} for r in result.rows]


def _eps(x: float, digits: int = 2) -> str:
    return "∞" if x == math.inf else fmt(x, digits)


def _point(value: float, ceiling: float) -> str:
    """An ε point estimate: finite, or "≥ ceiling" where it is beyond what the audit's sizes
    can certify (e.g. ∞ from an empirical FPR of 0)."""
    return f"≥{fmt(ceiling, 2)}" if value > ceiling else _eps(value)


def _interval(est, ceiling: float = math.inf) -> str:
    return (f"{_point(float(est.value), ceiling)} [{_eps(float(est.lower))}, "
            f"{_eps(float(est.upper))}]")


def one_run_table(result: DPAuditResult) -> str:
    """σ, observer, accountant ε, one-run lower bound, ceiling, GDP ε (μ), AUC, accuracy."""
    head = (f"{'σ':>6}  {'observer':<11}{'ε PLD':>8}{'ε ≥ (one run)':>15}{'ceiling':>9}"
            f"{'ε GDP (μ)':>16}{'AUC':>7}{'accuracy':>10}")
    lines = [head, "-" * len(head)]
    for r in result.rows:
        sigma = f"{r.sigma:g}" + ("" if r.train_sigma == r.sigma else f"({r.train_sigma:g})")
        mark = "" if r.detectable() else "*"
        gdp = _gdp(r.gdp)
        lines.append(f"{sigma:>6}  {r.observer:<11}{_eps(r.epsilon):>8}"
                     f"{_eps(r.audit.epsilon):>15}{_eps(r.audit.ceiling) + mark:>9}{gdp:>16}"
                     f"{fmt(r.auc):>7}{fmt(r.accuracy):>10}")
    lines.append("* ceiling <= accountant ε: this audit cannot detect a violation at this σ")
    return "\n".join(lines)


def _gdp(gdp) -> str:
    return "—" if gdp is None else f"{_eps(gdp.epsilon)} ({fmt(gdp.mu, 2)})"


def console_table(result: DPAuditResult) -> str:
    """σ, accountant ε, empirical ε on canaries and ordinary points (value [CP lower, CP
    upper]), LiRA AUC on canaries, test accuracy."""
    head = (f"{'σ':>6}{'ε PLD':>8}{'ε RDP':>8}  {'ε canaries [lo, hi]':<24}{'ceiling':>8}"
            f"  {'ε ordinary [lo, hi]':<24}{'ceiling':>8}{'ε GDP (μ)':>14}{'AUC canary':>11}"
            f"{'accuracy':>10}")
    lines = [head, "-" * len(head)]
    for r in result.rows:
        sigma = f"{r.sigma:g}" + ("" if r.train_sigma == r.sigma else f"({r.train_sigma:g})")
        mark = lambda g, r=r: "" if r.detectable(g) else "*"  # noqa: E731
        lines.append(f"{sigma:>6}{_eps(r.epsilon):>8}{_eps(r.epsilon_rdp):>8}  "
                     f"{_interval(r.canary, r.ceiling_canary):<24}"
                     f"{_eps(r.ceiling_canary) + mark('canary'):>8}  "
                     f"{_interval(r.ordinary, r.ceiling_ordinary):<24}"
                     f"{_eps(r.ceiling_ordinary) + mark('ordinary'):>8}"
                     f"{_gdp(r.gdp_canary):>14}{fmt(float(r.canary_auc.value)):>11}"
                     f"{fmt(float(r.accuracy.value)):>10}")
    lines.append("* ceiling <= accountant ε: this audit cannot detect a violation at this σ")
    return "\n".join(lines)


def findings(result: DPAuditResult) -> list[Finding]:
    """Every row's :meth:`~mis.dpaudit.DPAuditRow.findings` (two per σ)."""
    # smoke-sized: no more shadow models than the smoke variant trains
    smoke = (result.config.num_canaries <= DPAuditConfig.smoke_sizes()["num_canaries"]
             if result.config.mode == "one-run" else
             result.config.num_models <= DPAuditConfig.smoke_sizes()["num_models"])
    return [f for r in result.rows for f in r.findings(result.config.confidence, smoke)]


def verdict(result: DPAuditResult) -> str:
    """One line: whether any empirical lower bound exceeds the accountant's ε, and where the
    audit could not have shown it."""
    bad = sorted({r.sigma for r in result.rows if r.violated})
    conf = f"{result.config.confidence:.0%}"
    one_run = result.config.mode == "one-run"
    seeing = ({r.sigma for r in result.rows if r.detectable()} if one_run else
              {r.sigma for r in result.rows if r.detectable("canary") or r.detectable("ordinary")})
    blind = [f"{s:g}" for s in dict.fromkeys(r.sigma for r in result.rows) if s not in seeing]
    blind_text = (f"; at σ = {', '.join(blind)} no audit here could show one (ceiling <= "
                  "accountant ε)" if blind else "")
    method = "one run, Steinke et al." if one_run else "Clopper–Pearson"
    if not bad:
        return (f"no violation detected: every empirical ε lower bound ({conf} "
                f"{method}) is at most the accountant's ε{blind_text}")
    return ("VIOLATION at σ = " + ", ".join(f"{s:g}" for s in bad)
            + f": the attack proves more leakage than the accountant allows ({conf} bound)"
            + blind_text)


def console_summary(result: DPAuditResult) -> str:
    """What ``mis dpaudit`` prints: the table and the verdict."""
    table = one_run_table if result.config.mode == "one-run" else console_table
    return table(result) + "\n" + verdict(result)


def one_run_figure(result: DPAuditResult) -> bytes:
    """ε vs σ per observer: accountant, one-run lower bound, its ceiling, the GDP estimate;
    and test accuracy."""
    import matplotlib.pyplot as plt

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9, 3.8))
    sigmas = list(dict.fromkeys(r.sigma for r in result.rows))
    first = [next(r for r in result.rows if r.sigma == s) for s in sigmas]
    finite = [(s, r.epsilon) for s, r in zip(sigmas, first, strict=True)
              if math.isfinite(r.epsilon)]
    if finite:
        ax.plot(*zip(*finite, strict=True), "k-o", ms=4, label="accountant ε (PLD)")
    for i, observer in enumerate(result.config.observers):
        rows = [r for r in result.rows if r.observer == observer]
        sig = [r.sigma for r in rows]
        ax.plot(sig, [r.audit.epsilon for r in rows], f"C{i}-s", ms=4,
                label=f"ε lower bound, one run ({observer})")
        ax.plot(sig, [r.gdp.epsilon for r in rows], f"C{i}--", lw=1,
                label=f"GDP estimate ({observer})")
        ax.plot(sig, [r.audit.ceiling for r in rows], f"C{i}:", lw=1,
                label=f"ceiling ({observer})")
    ax.set(xlabel="noise multiplier σ", ylabel="ε", yscale="symlog",
           title=f"ε at δ = {result.config.delta:g}, {result.config.canary} canaries")
    ax.legend(fontsize=7)
    bx.plot(sigmas, [r.accuracy for r in first], "C2-o", ms=4)
    bx.set(xlabel="noise multiplier σ", ylabel="test accuracy (the one model)",
           title="utility")
    return png_bytes(fig)


def figure(result: DPAuditResult) -> bytes:
    """ε (accountant, and the canary lower bound with its value) and test accuracy vs σ."""
    import matplotlib.pyplot as plt

    rows = result.rows
    sig = [r.sigma for r in rows]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9, 3.8))
    finite = [(s, r.epsilon) for s, r in zip(sig, rows, strict=True) if math.isfinite(r.epsilon)]
    if finite:
        ax.plot(*zip(*finite, strict=True), "k-o", ms=4, label="accountant ε (PLD)")
    ax.plot(sig, [r.ceiling_canary for r in rows], "C3:", lw=1,
            label="ceiling (canaries): the most this audit can certify")
    ax.plot(sig, [r.ceiling_ordinary for r in rows], "C0:", lw=1,
            label="ceiling (ordinary)")
    ax.plot(sig, [float(r.canary.lower) for r in rows], "C3-s", ms=4,
            label="empirical ε lower bound (canaries)")
    ax.plot(sig, [float(r.ordinary.lower) for r in rows], "C0-^", ms=4,
            label="empirical ε lower bound (ordinary)")
    ax.set(xlabel="noise multiplier σ", ylabel="ε", yscale="symlog",
           title=f"ε at δ = {result.config.delta:g}")
    ax.legend(fontsize=7)
    acc = [r.accuracy for r in rows]
    plot_intervals(bx, sig, [float(a.value) for a in acc], fmt="-o", color="C2", capsize=0,
                   lw=1.5, y_interval=([float(a.lower) for a in acc],
                                       [float(a.upper) for a in acc]))
    bx.set(xlabel="noise multiplier σ", ylabel="test accuracy", title="utility")
    return png_bytes(fig)


def one_run_report_md(result: DPAuditResult, provenance: dict, command: str) -> bytes:
    cfg = result.config
    lines = [f"# DP-SGD audit in one run ({cfg.dataset}, {cfg.canary} canaries)", "",
             f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`; "
             f"one DP-SGD run per σ, C = {cfg.clip_norm:g}, q = {cfg.sample_rate:g}, "
             f"{cfg.steps} steps, δ = {cfg.delta:g}; {cfg.pool_size} ordinary points (always "
             f"in) and {cfg.num_canaries} {cfg.canary} canaries, each in with probability ½ "
             "(coins drawn before training).", "",
             "Bound: Steinke, Nasr and Jagielski (2023), one training run: the attacker "
             "guesses IN for the k₊ highest-scoring canaries and OUT for the k₋ lowest; the "
             "count of right guesses refutes every (ε, δ) claim under which it is too unlikely. "
             "The guess counts are a fixed grid chosen before the scores, and the bound holds "
             f"for all of them at once ({cfg.confidence:.0%}, Bonferroni), so picking the best "
             "is not peeking. The theorem needs no independence between the canaries' scores "
             "(they share one run). The ceiling is the bound with every guess right: the most "
             "this many canaries can certify.", "",
             "GDP: the Gaussian-DP μ lower bound from the whole ROC of the same scores "
             "(Clopper–Pearson at every threshold, Bonferroni) and its ε at δ; an estimate "
             "that assumes DP-SGD's trade-off curve is Gaussian and treats the canaries' "
             "scores as independent trials; it does not decide the verdict.", "",
             "```", one_run_table(result), "```", "", verdict(result), "",
             "## Findings", "",
             f"Per-finding level {cfg.confidence:.0%} (one-sided; no correction across σ and "
             "observers).", "",
             *[f"- {f.line(2)}" for f in findings(result)], "",
             "![epsilon vs sigma](epsilon_vs_sigma.png)", "",
             "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()),
             ""]
    return "\n".join(lines).encode()


def report_md(result: DPAuditResult, provenance: dict, command: str) -> bytes:
    if result.config.mode == "one-run":
        return one_run_report_md(result, provenance, command)
    cfg = result.config
    lines = [f"# DP-SGD audit ({cfg.dataset})", "",
             f"`{command}` — seed {provenance['seed']}, commit `{provenance['git_commit']}`; "
             f"{cfg.num_models} shadow models per σ, C = {cfg.clip_norm:g}, q = "
             f"{cfg.sample_rate:g}, {cfg.steps} steps, δ = {cfg.delta:g}; {cfg.pool_size} "
             f"ordinary points and {cfg.num_canaries} mislabeled canaries, each IN for half "
             "the models.", "",
             f"Empirical ε: LiRA (online, leave-one-model-out), threshold at FPR {cfg.fpr:g} "
             "on half the (model, point) pairs, Clopper–Pearson rates on the other half "
             f"({cfg.confidence:.0%}); value [lower, upper]. The lower end is a lower bound "
             "on the trained mechanism's ε; it must not exceed the accountant's ε. Caveat: "
             "the Clopper–Pearson rates count every (model, point) pair as an independent "
             "trial, while the pairs of one model share its training run (and a point's pairs "
             "its value); with that dependence the lower end can be optimistic. `--mode "
             "one-run` gives a bound that needs no such independence.", "",
             "The accountant's ε is `dp_accounting`'s PLD accountant (the tightest); the RDP "
             "bound over real orders is the second column. The ceiling of an audit is the "
             "largest ε it could certify even with perfectly separated scores, at its "
             "evaluation-half sizes; where it is below the accountant's ε the audit cannot "
             "detect a violation, whatever the training does. ε GDP (μ): the Gaussian-DP μ "
             "lower bound from every canary score (Clopper–Pearson at every threshold, "
             "Bonferroni) and its ε at δ; an estimate that assumes a Gaussian trade-off curve "
             "and independent pairs; it does not decide the verdict.", "",
             "```", console_table(result), "```", "", verdict(result), "",
             "## Findings", "",
             "Per-finding level " + f"{cfg.confidence:.0%}" + " (one-sided Clopper–Pearson "
             "lower bound; no correction across σ).", "",
             *[f"- {f.line(2)}" for f in findings(result)], "",
             "![epsilon vs sigma](epsilon_vs_sigma.png)", "",
             "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()),
             ""]
    return "\n".join(lines).encode()


def dpaudit_outputs(result: DPAuditResult, provenance: dict, command: str) -> dict[str, bytes]:
    """Every output file of one audit, as bytes (written atomically by the caller)."""
    rows = table_rows(result)
    return {"dpaudit.csv": to_csv(rows),
            "results.json": to_json({"provenance": provenance, "table": rows,
                                     "findings": [f.record() for f in findings(result)],
                                     "seconds": result.seconds}),
            "report.md": report_md(result, provenance, command),
            "epsilon_vs_sigma.png": (one_run_figure if result.config.mode == "one-run"
                                     else figure)(result)}

