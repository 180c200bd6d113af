"""Figures: ROC on log-log axes and member / non-member score histograms (host, matplotlib)."""

from __future__ import annotations

import numpy as np

from mis.audit._roc import check_scores, roc_curve


def plot_roc(curves: dict, *, ax=None, title: str = "ROC (log-log)"):
    """Log-log ROC of each ``name -> (scores, is_member)`` with the chance diagonal.

    Returns the matplotlib ``Figure`` (no computation beyond the exact ROC)."""
    import matplotlib.pyplot as plt

    fig = ax.figure if ax is not None else plt.figure(figsize=(4.5, 4.5))
    ax = ax or fig.add_subplot()
    floor = 1.0
    for name, (scores, is_member) in curves.items():
        c = roc_curve(scores, is_member)
        floor = min(floor, 1 / max(int((~check_scores(scores, is_member)[1]).sum()), 1))
        ax.plot(c.fpr[1:], c.tpr[1:], label=name)
    grid = np.logspace(np.log10(floor), 0, 50)
    ax.plot(grid, grid, "k--", lw=0.8, label="chance")
    ax.set(xscale="log", yscale="log", xlim=(floor, 1), ylim=(floor, 1), xlabel="FPR",
           ylabel="TPR", title=title)
    ax.legend(fontsize=8)
    return fig


def plot_score_histograms(scores, is_member, *, ax=None, bins: int = 50,
                          title: str = "attack scores"):
    """Overlaid density histograms of member and non-member scores. Returns the Figure."""
    import matplotlib.pyplot as plt

    s, m = check_scores(scores, is_member)
    fig = ax.figure if ax is not None else plt.figure(figsize=(5, 3.5))
    ax = ax or fig.add_subplot()
    edges = np.histogram_bin_edges(s, bins=bins)
    ax.hist(s[m], edges, density=True, alpha=0.5, label=f"members ({m.sum()})")
    ax.hist(s[~m], edges, density=True, alpha=0.5, label=f"non-members ({(~m).sum()})")
    ax.set(xlabel="score (larger = member)", ylabel="density", title=title)
    ax.legend(fontsize=8)
    return fig
