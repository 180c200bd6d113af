"""Figures: ROC on log-log axes and member / non-member score histograms (host, matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mis.audit._roc import check_scores, roc_curve

LINESTYLES = ("-", "--", ":", "-.")


def plot_intervals(ax: Any, x: ArrayLike, y: ArrayLike, *, x_interval: Any = None,
                   y_interval: Any = None, fmt: str = "o", color: Any = None,
                   label: str | None = None, ms: float = 4, lw: float = 0.8,
                   capsize: float = 2) -> Any:
    """Points ``(x, y)`` with their intervals drawn as capped segments from the lower to the
    upper end, on either axis (``x_interval`` / ``y_interval``: ``(lower, upper)``, scalars
    or arrays like ``x``). Unlike ``errorbar`` it draws an interval that does not contain its
    estimate where it is (a bias-corrected bootstrap interval may lie beside it), never
    stretched or clipped to reach the point; a ``-`` in ``fmt`` joins the points."""
    x, y = np.atleast_1d(np.asarray(x, float)), np.atleast_1d(np.asarray(y, float))
    (line,) = ax.plot(x, y, fmt, ms=ms, lw=lw, color=color, label=label)
    color = line.get_color()
    for interval, horizontal in ((x_interval, True), (y_interval, False)):
        if interval is None:
            continue
        lo = np.broadcast_to(np.asarray(interval[0], float), x.shape)
        hi = np.broadcast_to(np.asarray(interval[1], float), x.shape)
        for xi, yi, a, b in zip(x, y, lo, hi, strict=True):
            if not (np.isfinite(a) and np.isfinite(b)):
                continue
            seg = ([a, b], [yi, yi]) if horizontal else ([xi, xi], [a, b])
            ax.plot(*seg, color=color, lw=lw)
            if capsize:
                marker = "|" if horizontal else "_"
                ax.plot(*seg, marker, color=color, ms=2 * capsize, mew=lw, ls="none")
    return line


def curve_styles(k: int) -> list[tuple]:
    """``k`` distinguishable ``(color, linestyle)`` pairs: the 10 colours of ``tab10`` first
    with solid lines, then again dashed, dotted, dash-dotted (40 before any repeats)."""
    import matplotlib.pyplot as plt

    colors = plt.get_cmap("tab10").colors  # type: ignore[attr-defined]  # a ListedColormap
    return [(colors[i % 10], LINESTYLES[(i // 10) % 4]) for i in range(k)]


def plot_roc(curves: dict, *, ax: Any = None, title: str = "ROC (log-log)") -> Any:
    """Log-log ROC of each ``name -> (scores, is_member)`` with the chance diagonal. Each
    curve has its own colour / line style (:func:`curve_styles`); the axes span the smallest
    FPR the data resolve and the smallest TPR drawn; past 8 curves the legend moves outside
    the axes (save with a tight bounding box).

    Returns the matplotlib ``Figure`` (no computation beyond the exact ROC)."""
    import matplotlib.pyplot as plt

    fig = ax.figure if ax is not None else plt.figure(figsize=(4.5, 4.5))
    ax = ax or fig.add_subplot()
    floor, low = 1.0, 1.0
    styles = curve_styles(len(curves))
    for (name, (scores, is_member)), (color, ls) in zip(curves.items(), styles, strict=True):
        c = roc_curve(scores, is_member)
        floor = min(floor, 1 / max(int((~check_scores(scores, is_member)[1]).sum()), 1))
        keep = (c.fpr[1:] > 0) & (c.tpr[1:] > 0)
        if keep.any():
            low = min(low, float(np.min(c.tpr[1:][keep])))
        ax.plot(c.fpr[1:], c.tpr[1:], color=color, ls=ls, lw=1.2, label=name)
    grid = np.logspace(np.log10(floor), 0, 50)
    ax.plot(grid, grid, color="0.3", ls=(0, (1, 3)), lw=0.8, label="chance")
    ax.set(xscale="log", yscale="log", xlim=(floor, 1), ylim=(min(floor, low) * 0.8, 1.05),
           xlabel="FPR", ylabel="TPR", title=title)
    if len(curves) > 8:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  ncol=1 + len(curves) // 24, frameon=False)
    else:
        ax.legend(fontsize=8)
    return fig


def plot_score_histograms(scores: ArrayLike, is_member: ArrayLike, *, ax: Any = None,
                          bins: int = 50,
                          title: str = "attack scores") -> Any:
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


def histogram_grid(scores: dict, is_member: ArrayLike) -> Any:
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


def annotate_spread(ax: Any, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], *,
                    fontsize: float = 7, gap: float = 1.15) -> list:
    """Label every point ``(xs[i], ys[i])`` with ``labels[i]`` without overlapping text:
    labels are placed greedily (left to right) at the first vertical offset, in multiples of
    ``gap`` line heights, whose box clears every box already placed; an offset label gets a
    thin leader line. Call after the axes limits are final. Returns the text artists."""
    fig = ax.figure
    fig.canvas.draw()
    to_px = ax.transData.transform
    line = fontsize * gap * fig.dpi / 72
    placed: list = []
    artists: list = []
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
