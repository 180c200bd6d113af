"""Outputs of ``mis dpaudit``: ``dpaudit.csv``, ``results.json``, ``report.md`` and
``epsilon_vs_sigma.png``, all built from the typed :class:`~mis.dpaudit.DPAuditResult` (host).

``dpaudit.csv`` has one row per σ: ``sigma``, ``train_sigma``, ``epsilon_accountant``, the
empirical ε from LiRA on the canaries and on ordinary points (``eps_canary`` with ``_lo`` /
``_hi``: the Clopper–Pearson ends; ``inf`` where a rate is 0 or 1), LiRA AUCs with DeLong
bounds, test ``accuracy`` with bounds, ``violated`` (a lower bound above the accountant's ε)
and ``seconds``.
"""

from __future__ import annotations

import math

from mis.dpaudit._pipeline import DPAuditResult
from mis.io import fmt, png_bytes, to_csv, to_json


def _triple(name: str, est) -> dict:
    return {name: float(est.value), f"{name}_lo": float(est.lower),
            f"{name}_hi": float(est.upper)}


def table_rows(result: DPAuditResult) -> list[dict]:
    """One flat record per σ (module docstring)."""
    return [{"sigma": r.sigma, "train_sigma": r.train_sigma, "epsilon_accountant": r.epsilon}
            | _triple("eps_canary", r.canary) | _triple("eps_ordinary", r.ordinary)
            | _triple("canary_auc", r.canary_auc) | _triple("ordinary_auc", r.ordinary_auc)
            | _triple("accuracy", r.accuracy)
            | {"violated": r.violated, "seconds": round(r.seconds, 2)} for r in result.rows]


def _eps(x: float, digits: int = 2) -> str:
    return "∞" if x == math.inf else fmt(x, digits)


def _interval(est) -> str:
    return f"{_eps(float(est.value))} [{_eps(float(est.lower))}, {_eps(float(est.upper))}]"


def console_table(result: DPAuditResult) -> str:
    """σ, accountant ε, empirical ε on canaries and ordinary points (value [CP lower, CP
    upper]), LiRA AUC on canaries, test accuracy."""
    head = (f"{'σ':>6}{'ε accountant':>14}  {'ε canaries [lo, hi]':<24}"
            f"{'ε ordinary [lo, hi]':<24}{'AUC canary':>11}{'accuracy':>10}")
    lines = [head, "-" * len(head)]
    for r in result.rows:
        sigma = f"{r.sigma:g}" + ("" if r.train_sigma == r.sigma else f"({r.train_sigma:g})")
        lines.append(f"{sigma:>6}{_eps(r.epsilon):>14}  {_interval(r.canary):<24}"
                     f"{_interval(r.ordinary):<24}{fmt(float(r.canary_auc.value)):>11}"
                     f"{fmt(float(r.accuracy.value)):>10}")
    return "\n".join(lines)


def verdict(result: DPAuditResult) -> str:
    """One line: whether any empirical lower bound exceeds the accountant's ε."""
    bad = [r for r in result.rows if r.violated]
    conf = f"{result.config.confidence:.0%}"
    if not bad:
        return (f"no violation: every empirical ε lower bound ({conf} Clopper–Pearson) is at "
                "most the accountant's ε")
    return ("VIOLATION at σ = " + ", ".join(f"{r.sigma:g}" for r in bad)
            + f": the attack proves more leakage than the accountant allows ({conf} bound)")


def console_summary(result: DPAuditResult) -> str:
    """What ``mis dpaudit`` prints: the table and the verdict."""
    return console_table(result) + "\n" + verdict(result)


def figure(result: DPAuditResult) -> bytes:
    """ε (accountant, and the canary lower bound with its value) and test accuracy vs σ."""
    import matplotlib.pyplot as plt

    rows = result.rows
    sig = [r.sigma for r in rows]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9, 3.8))
    finite = [(s, r.epsilon) for s, r in zip(sig, rows, strict=True) if math.isfinite(r.epsilon)]
    if finite:
        ax.plot(*zip(*finite, strict=True), "k-o", ms=4, label="accountant ε (RDP)")
    ax.plot(sig, [float(r.canary.lower) for r in rows], "C3-s", ms=4,
            label="empirical ε lower bound (canaries)")
    ax.plot(sig, [float(r.ordinary.lower) for r in rows], "C0-^", ms=4,
            label="empirical ε lower bound (ordinary)")
    ax.set(xlabel="noise multiplier σ", ylabel="ε", yscale="symlog",
           title=f"ε at δ = {result.config.delta:g}")
    ax.legend(fontsize=7)
    acc = [r.accuracy for r in rows]
    bx.errorbar(sig, [float(a.value) for a in acc],
                yerr=[[float(a.value - a.lower) for a in acc],
                      [float(a.upper - a.value) for a in acc]], fmt="C2-o", ms=4)
    bx.set(xlabel="noise multiplier σ", ylabel="test accuracy", title="utility")
    return png_bytes(fig)


def report_md(result: DPAuditResult, provenance: dict, command: str) -> bytes:
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
             "on the trained mechanism's ε; it must not exceed the accountant's ε.", "",
             "```", console_table(result), "```", "", verdict(result), "",
             "![epsilon vs sigma](epsilon_vs_sigma.png)", "",
             "Run time (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()),
             ""]
    return "\n".join(lines).encode()


def dpaudit_outputs(result: DPAuditResult, provenance: dict, command: str) -> dict[str, bytes]:
    """Every output file of one audit, as bytes (written atomically by the caller)."""
    rows = table_rows(result)
    return {"dpaudit.csv": to_csv(rows),
            "results.json": to_json({"provenance": provenance, "table": rows,
                                     "seconds": result.seconds}),
            "report.md": report_md(result, provenance, command),
            "epsilon_vs_sigma.png": figure(result)}

