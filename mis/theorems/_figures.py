"""Figures of the theorem reproduction (matplotlib, no computation)."""

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np  # noqa: E402
from matplotlib.figure import Figure

import theory  # noqa: E402


def mis_vs_tau(rows: Any) -> Figure:
    """MIS against tau = d/n: the limit curve and exact points for each n."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    taus = np.linspace(0.01, max(r[0] for r in rows) * 1.1, 200)
    ax.plot(taus, np.asarray(theory.gaussian_mean_mis_limit(taus)), "k-",
            label=r"limit $2\Phi(-\sqrt{\tau}/2)$")
    for n in sorted({r[1] for r in rows}):
        pts = np.array([(r[0], r[3], r[4], r[5]) for r in rows if r[1] == n])
        ax.errorbar(pts[:, 0], pts[:, 1], yerr=[pts[:, 1] - pts[:, 2], pts[:, 3] - pts[:, 1]],
                    fmt="o", ms=4, label=f"exact, n = {n}")
    ax.set(xlabel=r"$\tau = d/n$", ylabel="MIS", title="Gaussian mean: MIS vs d/n")
    ax.legend(fontsize=8)
    return fig


def sqrt_n_delta(fixed_d: Any, discrete: Any) -> Figure:
    """sqrt(n) Delta_n against n, Gaussian mean with fixed d and discrete data."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
    vals = np.array(fixed_d["sqrt_n_delta"])
    a.errorbar(fixed_d["n"], vals[:, 0], yerr=[vals[:, 0] - vals[:, 1], vals[:, 2] - vals[:, 0]],
               fmt="o", label="exact (Monte Carlo)")
    c_d_label = r"$\Gamma(\frac{d+1}{2})/(\sqrt{\pi}\,\Gamma(\frac{d}{2}))$"
    a.axhline(fixed_d["c_d"], color="k", label=c_d_label)
    a.axhline(fixed_d["sqrt_d_2pi"], color="r", ls="--", label=r"$\sqrt{d/2\pi}$")
    a.set(xscale="log", xlabel="n", ylabel=r"$\sqrt{n}\,\Delta_n$",
          title=f"Gaussian mean, d = {fixed_d['d']}")
    a.legend(fontsize=8)
    b.plot(discrete["n"], discrete["sqrt_n_delta"], "o-", label="exact (de Moivre)")
    b.axhline(discrete["limit"], color="k", label=r"$C_K/\sqrt{2\pi}$")
    b.axhline(discrete["bound"], color="r", ls="--", label=r"bound $C_K/2$")
    b.set(xscale="log", xlabel="n", title=f"discrete, K = {len(discrete['p'])}")
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


def quantized_rates(fixed_rows: Any, adaptive_rows: Any) -> Figure:
    """log Delta_n against -n r for a fixed and a size-adaptive grid, and their ratio."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.5))
    for rows, label in ((fixed_rows, "fixed grid"), (adaptive_rows, r"adaptive $n^{-1/4}$")):
        r = np.array([row[:3] for row in rows])
        a.plot(-r[:, 2], -r[:, 1], "o-", label=label)
        b.plot(r[:, 0], r[:, 1] / r[:, 2], "o-", label=label)
    lim = max(-row[2] for row in fixed_rows + adaptive_rows)
    a.plot([1, lim], [1, lim], "k:", label="y = x")
    a.set(xscale="log", yscale="log", xlabel=r"$n\,r$", ylabel=r"$-\log\Delta_n$",
          title="quantized Gaussian mean")
    b.axhline(1, color="k", ls=":")
    b.set(xscale="log", xlabel="n", ylabel=r"$\log\Delta_n / (-n r)$", title="ratio -> 1")
    a.legend(fontsize=8)
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


def boundary(data: Any) -> Figure:
    """The boundary case: sqrt(n) Delta_n -> 1/pi."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(data["n"], data["sqrt_n_delta"], "o-", label="exact (quadrature)")
    ax.axhline(1 / math.pi, color="k", ls="--", label=r"$1/\pi$")
    ax.set(xscale="log", xlabel="n", ylabel=r"$\sqrt{n}\,\Delta_n$",
           title=r"$\mu$ on a threshold")
    ax.legend(fontsize=8)
    return fig


def overfitting(data: Any) -> Figure:
    """Loss-threshold TPR and FPR of an interpolating network against eps."""
    rows = np.array(data["rows"])
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(rows[:, 0], rows[:, 1], "o-", label="TPR (members)")
    ax.plot(rows[:, 0], rows[:, 2], "s-", label="FPR (fresh points)")
    ax.plot(rows[:, 0], np.minimum(rows[:, 3], 1), "k--", label=r"$2M\sqrt{\varepsilon}$")
    ax.set(xscale="log", xlabel=r"loss threshold $\varepsilon$", ylabel="rate",
           title="interpolating ReLU net, loss attack")
    ax.legend(fontsize=8)
    return fig


def all_figures(data: Any) -> dict:
    """Every figure, keyed by file name."""
    q = data["quantized"]
    return {
        "mis_vs_tau.png": mis_vs_tau(data["gaussian"]["tau"]),
        "sqrt_n_delta.png": sqrt_n_delta(data["gaussian"]["fixed_d"], data["discrete"]),
        "quantized_rates.png": quantized_rates(q["fixed"], q["adaptive"]),
        "boundary.png": boundary(q["boundary"]),
        "overfitting.png": overfitting(data["overfitting"]),
    }
