"""``mis audit``: scores and signals files to a metrics table, files and one-line errors."""

import json

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from mis.attacks import leave_one_out, lira_online, signal_attacks
from tests.cli import run_mis as _mis

FILES = {"metrics.csv", "metrics.json", "report.md", "roc.png", "histograms.png"}


def _signals(path, num_models=16, n=400, shift=0.5):
    """Balanced design; member signals shifted by ``shift``: the global attack's AUC is
    ``Φ(shift/√2)`` exactly and every score is independent."""
    rng = np.random.default_rng(0)
    mask = np.zeros((num_models, n))
    for j in range(n):
        mask[rng.permutation(num_models)[: num_models // 2], j] = 1
    signals = rng.normal(size=(num_models, n)) + shift * mask
    np.savez(path, signals=signals, mask=mask)
    return signals, mask


def test_scores_file_gives_the_sklearn_auc(tmp_path):
    rng = np.random.default_rng(1)
    m = rng.random(2000) < 0.3
    s = rng.normal(size=2000) + m
    np.savez(tmp_path / "in.npz", scores=s.reshape(40, 50), is_member=m.reshape(40, 50))
    res = _mis("audit", str(tmp_path / "in.npz"), "--out", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    assert FILES <= {p.name for p in (tmp_path / "out").iterdir()}
    data = json.loads((tmp_path / "out" / "metrics.json").read_text())
    row = data["table"][0]
    assert row["attack"] == "scores" and row["auc"] == pytest.approx(roc_auc_score(m, s))
    assert row["auc_lo"] < row["auc"] < row["auc_hi"] and row["epsilon_lower_bound"] >= 0
    assert len(data["input_sha256"]) == 64 and data["provenance"]["config"]["kind"] == "scores"
    # 2-D scores are read as [models, examples]: two-way intervals, and one finding
    assert data["provenance"]["config"]["stacked"]
    (f,) = data["findings"]
    assert f["outcome"] == "holds" and f["sizes"] == {"models": 40, "examples": 50}
    assert 0 < data["epsilon_ceiling"] < 10
    np.savez(tmp_path / "flat.npz", scores=s, is_member=m)
    res = _mis("audit", str(tmp_path / "flat.npz"), "--out", str(tmp_path / "flat"))
    flat = json.loads((tmp_path / "flat" / "metrics.json").read_text())
    assert not flat["provenance"]["config"]["stacked"]
    assert flat["table"][0]["auc"] == pytest.approx(row["auc"])
    # DeLong on independent scores is narrower than the two-way interval of the same scores
    width = lambda r: r["auc_hi"] - r["auc_lo"]  # noqa: E731
    assert width(flat["table"][0]) < width(row)


def test_signals_file_runs_lira_leave_one_out_and_the_global_attack(tmp_path):
    signals, mask = _signals(tmp_path / "sig.npz")
    res = _mis("audit", str(tmp_path / "sig.npz"), "--attacks", "lira,global", "--out",
               str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    rows = {r["attack"]: r for r in json.loads((tmp_path / "out" / "metrics.json")
                                               .read_text())["table"]}
    truth = stats.norm.cdf(0.5 / np.sqrt(2))  # P(N(0.5, 1) > N(0, 1))
    assert rows["global"]["auc_lo"] <= truth <= rows["global"]["auc_hi"]
    scores = signal_attacks(signals, mask, ("lira", "global"))
    expected = np.asarray(leave_one_out(lambda t, r, i, o: lira_online(t, r, i, o),
                                        signals.astype(np.float32), mask.astype(bool)))
    np.testing.assert_allclose(scores["lira"], expected, rtol=1e-6)
    assert rows["lira"]["auc"] == pytest.approx(roc_auc_score(mask.ravel(),
                                                              scores["lira"].ravel()))


@pytest.mark.parametrize("make, args, message", [
    (lambda p: np.savez(p, foo=np.zeros(3)), [], "it needs 'scores' and 'is_member'"),
    (lambda p: p.write_text("not npz"), [], "is not a readable .npz file"),
    (lambda p: np.savez(p, scores=np.zeros(3), is_member=np.zeros(4)), [],
     "must have one shape"),
    (lambda p: _signals(p, num_models=4), [], "leave-one-out needs >= 3 of each"),
    (lambda p: _signals(p), ["--attacks", "lira,foo"], "attack 'foo' is unknown"),
    (lambda p: _signals(p), ["--fprs", "0.5,2"], "--fprs value 2.0 is not allowed"),
    (lambda p: np.savez(p, scores=np.arange(4.0), is_member=np.array([0, 1, 2, 1])), [],
     "is_member holds [2]; it must hold only 0 / 1"),
    (lambda p: _signals(p), ["--fprs", ""], "argument --fprs: '' is an empty list"),
])
def test_bad_input_is_one_line_and_writes_nothing(make, args, message, tmp_path):
    path = tmp_path / "in.npz"
    make(path)
    res = _mis("audit", str(path), "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert message in lines[-1] and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_histograms_show_every_attack():
    from mis.audit import histogram_grid

    rng = np.random.default_rng(0)
    m = rng.random(200) < 0.5
    scores = {name: rng.normal(size=200) + m for name in ("a", "b", "c", "d")}
    fig = histogram_grid(scores, m)
    shown = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert shown == ["a", "b", "c", "d"]
    for ax in fig.axes[:4]:  # members and non-members in every panel, counted
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == [f"members ({m.sum()})", f"non-members ({(~m).sum()})"]


def test_annotate_spread_never_overlaps_labels_of_coincident_points():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mis.audit import annotate_spread

    fig, ax = plt.subplots(figsize=(5, 4))
    xs = [0.5, 0.5, 0.5, 0.501, 0.2, 0.9]
    ys = [0.5, 0.5, 0.5, 0.499, 0.1, 0.9]
    names = ["uniform:8", "fp8", "gptq:4", "none", "sign", "prune:0.9"]
    ax.scatter(xs, ys)
    ax.set(xlim=(0, 1), ylim=(0, 1))
    texts = annotate_spread(ax, xs, ys, names)
    fig.canvas.draw()
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(t) for t in texts]  # the text, not its leader line
    assert sorted(t.get_text() for t in texts) == sorted(names)
    for i in range(len(boxes)):
        for j in range(i):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    plt.close(fig)
