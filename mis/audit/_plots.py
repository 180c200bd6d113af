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


def histogram_grid(scores: dict, is_member):
    """One member / non-member histogram panel per attack (a grid of up to 3 columns)."""
    import matplotlib.pyplot as plt

    k = len(scores)
    cols = min(k, 3)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, (name, values) in zip(axes.ravel()[:k], scores.items(), strict=True):
        plot_score_histograms(values, is_member, ax=ax, title=name)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def annotate_spread(ax, xs, ys, labels, *, fontsize: float = 7, gap: float = 1.15):
    """Label every point ``(xs[i], ys[i])`` with ``labels[i]`` without overlapping text:
    labels are placed greedily (left to right) at the first vertical offset, in multiples of
    ``gap`` line heights, whose box clears every box already placed; an offset label gets a
    thin leader line. Call after the axes limits are final. Returns the text artists."""
    fig = ax.figure
    fig.canvas.draw()
    to_px = ax.transData.transform
    line = fontsize * gap * fig.dpi / 72
    placed, artists = [], []
    order = sorted(range(len(labels)), key=lambda i: (to_px((xs[i], ys[i]))[0], i))
    for i in order:
        px, py = to_px((xs[i], ys[i]))
        width = 0.62 * fontsize * len(str(labels[i])) * fig.dpi / 72
        for step in range(200):
            dy = (step + 1) // 2 * (1 if step % 2 else -1) * line if step else 0.0
            box = (px + 3, py + 3 + dy, px + 3 + width, py + 3 + dy + line)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):
                break
        placed.append(box)
        offset = (3, 3 + dy * 72 / fig.dpi)
        props = dict(arrowstyle="-", lw=0.4, color="0.5") if dy else None
        artists.append(ax.annotate(str(labels[i]), (xs[i], ys[i]), xytext=offset,
                                   textcoords="offset points", fontsize=fontsize,
                                   arrowprops=props))
    return artists
