"""mis.audit.plot_intervals draws an interval where it is, also beside its estimate (a
bias-corrected bootstrap interval may not contain it; errorbar refuses negative lengths)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mis.audit import plot_intervals  # noqa: E402


def test_an_interval_beside_its_estimate_is_drawn_where_it_is():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="must not contain negative values"):
        ax.errorbar(0.5, 1.0, xerr=[[0.5 - 0.6], [0.7 - 0.5]])  # the crash this replaces
    line = plot_intervals(ax, 0.5, 1.0, x_interval=(0.6, 0.7), y_interval=(0.9, 1.2),
                          color="C3")
    segments = [np.asarray(ln.get_xydata()) for ln in ax.lines[1:]
                if ln.get_linestyle() != "None"]
    assert any(np.allclose(s, [[0.6, 1.0], [0.7, 1.0]]) for s in segments)  # not stretched
    assert any(np.allclose(s, [[0.5, 0.9], [0.5, 1.2]]) for s in segments)
    assert line.get_color() == "C3" and np.allclose(line.get_xydata(), [[0.5, 1.0]])
    plt.close(fig)


def test_arrays_of_points_and_missing_ends():
    fig, ax = plt.subplots()
    plot_intervals(ax, [1, 2, 3], [0.1, 0.2, 0.3], fmt="o-",
                   y_interval=([0.0, np.nan, 0.25], [0.2, 0.3, 0.35]), capsize=0)
    segments = [np.asarray(ln.get_xydata()) for ln in ax.lines[1:]]
    assert len(segments) == 2  # the point with a missing end gets no segment
    assert np.allclose(segments[1], [[3, 0.25], [3, 0.35]])
    plt.close(fig)
