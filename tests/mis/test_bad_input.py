"""The issue-22 catalogue of bad inputs, one table: each is refused before any work with one
line naming the value (exit 2, no traceback, nothing written), or accepted with its obvious
meaning."""


import numpy as np
import pytest

from mis.config import make_config
from mis.errors import UserError
from mis.rank import RankConfig
from tests.cli import ROOT
from tests.cli import run_mis as _mis


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# (arguments, expected message); "{tmp}" is the test's folder. Each run must fail fast: all of
# these were checked after minutes of work, or not at all, before issue 22.
CASES = [
    (["rank", "--smoke", "--out", "{tmp}/afile/sub"], "is not a directory"),
    (["rank", "--smoke", "--out", ""], "--out '' is empty"),
    (["rank", "--smoke", "--out", "/proc/mis-x"], "cannot be written"),
    (["estimate", "--smoke", "--out", "{tmp}/afile/sub"], "is not a directory"),
    (["rank", "--smoke", "--l2", "inf", "--out", "{tmp}/o"], "l2=inf is not allowed"),
    (["rank", "--smoke", "--learning-rate", "nan", "--out", "{tmp}/o"],
     "learning_rate=nan is not allowed"),
    (["rank", "--task", "gaussian-mean", "--smoke", "--quantizers", "gptq:4", "--out",
      "{tmp}/o"], "quantizer 'gptq:4' needs calibration inputs"),
    (["rank", "--config", "{tmp}/eight.toml", "--smoke", "--out", "{tmp}/o"],
     "num_models='eight' is not allowed"),
    (["dpaudit", "--smoke", "--learning-rate", "inf", "--out", "{tmp}/o"],
     "learning_rate=inf is not allowed"),
    (["sweep", "--smoke", "--families", "uniform,sign", "--bits", "2,3,4", "--out", "{tmp}/o"],
     "family 'sign' has no quantizer at bits 2,3,4"),
    (["sweep", "--smoke", "--quantizers", "sign", "--out", "{tmp}/o"],
     "--quantizers does not apply to mis sweep"),
    (["audit", "{tmp}/scores.npz", "--attacks", "lira-fixed", "--out", "{tmp}/o"],
     "--attacks applies to a signals file"),
    (["audit", "{tmp}/inf.npz", "--out", "{tmp}/o"], "scores holds 2 non-finite value(s)"),
    (["audit", "{tmp}/flat.npz", "--out", "{tmp}/o"], "use signals [M, n] or [M, n, q]"),
    (["audit", "{tmp}/empty.npz", "--out", "{tmp}/o"], "need at least 3 models and 1 example"),
    (["audit", "{tmp}/text.npz", "--out", "{tmp}/o"], "scores has dtype <U1"),
    (["rank", "--num-models", "1000000", "--out", "{tmp}/o"], "this run needs about"),
    (["rank", "--d", "200000", "--pool-size", "100000", "--out", "{tmp}/o"],
     "this run needs about"),
    (["sweep", "--pool-sizes", "2000000", "--out", "{tmp}/o"], "this run needs about"),
]


@pytest.mark.parametrize("args, message", CASES)
def test_bad_input_is_one_line_before_any_work(tmp_path, args, message):
    (tmp_path / "afile").write_text("x")
    _file(tmp_path, "eight.toml", '[rank]\nnum_models = "eight"\n')
    np.savez(tmp_path / "scores.npz", scores=np.arange(10.0), is_member=np.arange(10) % 2)
    np.savez(tmp_path / "inf.npz", scores=np.r_[np.inf, 1, 2, -np.inf], is_member=[1, 0, 1, 0])
    np.savez(tmp_path / "flat.npz", signals=np.arange(16.0), mask=np.arange(16) % 2)
    np.savez(tmp_path / "empty.npz", signals=np.zeros((16, 0)), mask=np.zeros((16, 0)))
    np.savez(tmp_path / "text.npz", scores=np.array(["a", "b"]), is_member=[1, 0])
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    res = _mis(*args)
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr, lines
    assert not (tmp_path / "o").exists()
    assert not any(p.name.startswith(".mis-probe") for p in tmp_path.iterdir())


@pytest.mark.parametrize("values, field, expected", [
    ({"quantizers": "sign"}, "quantizers", ("sign",)),
    ({"hidden": 32}, "hidden", (32,)),
    ({"hidden": [16, 8]}, "hidden", (16, 8)),
])
def test_a_single_value_where_a_list_belongs_means_a_one_item_list(values, field, expected):
    assert getattr(make_config(RankConfig, values), field) == expected


def test_smoke_shrinks_sizes_and_keeps_the_files_quantizers():
    file = {"quantizers": ["sign", "uniform:3"], "num_models": 64}
    config = make_config(RankConfig, file, smoke=True)
    assert config.quantizers == ("sign", "uniform:3")  # the question asked stays
    assert config.num_models == RankConfig.smoke_sizes()["num_models"]  # sizes shrink
    assert make_config(RankConfig, {}, smoke=True).quantizers == \
        RankConfig.smoke_sizes()["quantizers"]  # no list given: the short smoke zoo
    flagged = make_config(RankConfig, file, flags={"quantizers": ("none",)}, smoke=True)
    assert flagged.quantizers == ("none",)


def _study_config(name):
    import importlib

    if name == "estimate":
        return importlib.import_module("mis.estimate").EstimateConfig
    return importlib.import_module(f"mis.{name}").STUDY.config


@pytest.mark.parametrize("command", ["dpaudit", "uniqueness", "condense", "compleak",
                                     "molecular", "rank", "estimate"])
def test_one_smoke_rule_every_command_keeps_the_files_choices_and_shrinks_its_sizes(command):
    """Issue 38: dpaudit, uniqueness and compleak replaced the file's σ list and dataset under
    --smoke. Every command now keeps what the experiments file chooses (KEPT_UNDER_SMOKE) and
    takes every size from its smoke sizes."""
    import tomllib

    from mis.config import KEPT_UNDER_SMOKE

    cls = _study_config(command)
    files = {"dpaudit": "dp_audit", "molecular": "molecular_tradeoff",
             "rank": "quantizer_ranking"}
    path = ROOT / "experiments" / f"{files.get(command, command)}.toml"
    values = tomllib.loads(path.read_text())[command]
    config = make_config(cls, values, smoke=True)
    sizes = cls.smoke_sizes(values.get("task", "mixture"))
    chosen = [k for k in values if k in KEPT_UNDER_SMOKE]
    assert chosen or command == "estimate"
    for k in chosen:
        expected = tuple(values[k]) if isinstance(values[k], list) else values[k]
        assert getattr(config, k) == expected, k
    for k, v in sizes.items():
        if k not in chosen:
            assert getattr(config, k) == (tuple(v) if isinstance(v, list) else v), k


@pytest.mark.parametrize("task, kw", [("mixture", dict(d=12, hidden=(7, 5))),
                                      ("digits", dict(channels=(3, 4))),
                                      ("gaussian-mean", dict(d=9))])
def test_the_memory_estimate_counts_the_real_parameters(task, kw):
    """``num_params`` against the leaves of an actually initialised model."""
    import jax

    from mis.rank import RankConfig
    from mis.shadow import ConvLearner, MLPLearner

    config = RankConfig(task=task, **kw)
    if task == "gaussian-mean":
        assert config.num_params() == 9
        return
    if task == "digits":
        params = ConvLearner(channels=(3, 4), num_outputs=10).init(jax.random.key(0), (8, 8, 1))
    else:
        params = MLPLearner(hidden=(7, 5), num_outputs=2).init(jax.random.key(0), 12)
    assert config.num_params() == sum(a.size for a in jax.tree.leaves(params))


def test_check_memory_refuses_with_the_estimate_and_passes_below():
    from mis.config import check_memory

    check_memory({"a": 10.0, "b": 5.0}, "advice", available=100)
    with pytest.raises(UserError, match=r"needs about .* GiB .*\(a 0.0 GiB, b 0.0 GiB\) but "
                                        r".* are available; advice"):
        check_memory({"a": 10.0, "b": 5.0}, "advice", available=12)


def test_a_bad_file_value_fails_under_smoke_too():
    with pytest.raises(UserError, match="num_models='eight'"):
        make_config(RankConfig, {"num_models": "eight"}, smoke=True)


def test_a_folder_of_another_commands_results_is_refused(tmp_path):
    """Issue 22: an audit written over a rank folder mixed the two commands' files."""
    np.savez(tmp_path / "s.npz", scores=np.arange(20.0), is_member=np.arange(20) % 2)
    out = tmp_path / "r"
    out.mkdir()
    (out / "mis-command.txt").write_text("rank")
    (out / "report.md").write_text("rank's report")
    res = _mis("audit", str(tmp_path / "s.npz"), "--out", str(out))
    assert res.returncode == 2 and "holds the results of `mis rank`" in res.stderr
    assert (out / "report.md").read_text() == "rank's report"
    res = _mis("audit", str(tmp_path / "s.npz"), "--out", str(tmp_path / "a"))
    assert res.returncode == 0
    assert (tmp_path / "a" / "mis-command.txt").read_text().splitlines()[0] == "audit"
    again = _mis("audit", str(tmp_path / "s.npz"), "--out", str(tmp_path / "a"))
    assert again.returncode == 0  # the same run may rewrite its own results


def test_another_run_of_the_same_command_needs_overwrite_and_then_leaves_nothing_stale(
        tmp_path):
    """Issue 38: a finished folder is never rewritten by a run of another config, seed or
    input without --overwrite; with it, the earlier run's files that the new run does not
    write are removed (a scores file writes no histograms per attack of a signals file...)."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", scores=np.arange(20.0), is_member=np.arange(20) % 2)
    np.savez(tmp_path / "t.npz", scores=rng.normal(size=20), is_member=np.arange(20) % 2)
    out = tmp_path / "a"
    assert _mis("audit", str(tmp_path / "s.npz"), "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "extra.txt").write_text("the user's own note")  # not the run's: never touched
    res = _mis("audit", str(tmp_path / "t.npz"), "--out", str(out))
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and "another `mis audit` run" in lines[0]
    assert "--overwrite" in lines[0]
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "extra.txt"} == before
    res = _mis("audit", str(tmp_path / "t.npz"), "--out", str(out), "--overwrite")
    assert res.returncode == 0, res.stderr
    assert (out / "metrics.csv").read_bytes() != before["metrics.csv"]
    assert (out / "extra.txt").read_text() == "the user's own note"


def test_files_an_earlier_run_wrote_and_this_one_does_not_are_removed(tmp_path):
    from mis.io import read_marker, write_files

    write_files(tmp_path, {"a.csv": b"1", "old.png": b"2"}, command="x", fingerprint="f1")
    (tmp_path / "mine.txt").write_text("kept")
    write_files(tmp_path, {"a.csv": b"3"}, command="x", fingerprint="f2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "mine.txt",
                                                         "mis-command.txt"]
    assert read_marker(tmp_path) == ("x", "f2", ("a.csv",))


def test_audit_accepts_alternating_labels(tmp_path):
    """Scores of members and non-members alternating: the old even/odd split saw one class."""
    m = np.arange(200) % 2 == 0
    s = m + np.random.default_rng(0).normal(0, 1, 200)
    np.savez(tmp_path / "alt.npz", scores=s, is_member=m)
    res = _mis("audit", str(tmp_path / "alt.npz"), "--out", str(tmp_path / "a"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "a" / "metrics.csv").exists()


def test_a_folder_in_use_by_a_running_command_is_refused(tmp_path):
    """Issue 38: two runs on one --out mixed their files. A running command claims its folder
    (a lock held by its process, released at the end or when the process dies): a second run
    on it is refused with one line naming the holder, writes nothing, and succeeds once the
    first has ended."""
    import subprocess
    import sys

    from tests.cli import ROOT

    np.savez(tmp_path / "s.npz", scores=np.arange(20.0), is_member=np.arange(20) % 2)
    out = tmp_path / "busy"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from mis.io import check_out_dir; check_out_dir(sys.argv[1], 'sweep'); "
         "print('claimed', flush=True); time.sleep(60)", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "claimed"
        res = _mis("audit", str(tmp_path / "s.npz"), "--out", str(out))
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 2 and len(lines) == 1, res.stderr
        assert "is in use by `mis sweep` (process" in lines[0] and not out.exists()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    res = _mis("audit", str(tmp_path / "s.npz"), "--out", str(out))
    assert res.returncode == 0, res.stderr  # the dead holder's claim is gone
    again = _mis("audit", str(tmp_path / "s.npz"), "--out", str(out))
    assert again.returncode == 0  # released at the end of the first in-process run


def test_flags_are_checked_in_the_context_the_smoke_run_has():
    """Issue 38: `mis condense --smoke --scaling-sizes 56,112` (the sizes smoke itself uses)
    was refused against the digits defaults (audit set 272); a bad value still fails."""
    from mis.condense import CondenseConfig

    flags = {"scaling_sizes": (56, 112)}
    assert make_config(CondenseConfig, {}, flags=flags, smoke=True).scaling_sizes == (56, 112)
    with pytest.raises(UserError, match="scaling size 56 is not allowed"):
        make_config(CondenseConfig, {}, flags=flags)
    with pytest.raises(UserError, match="scaling size 20 is not allowed"):
        make_config(CondenseConfig, {}, flags={"scaling_sizes": (20, 112)}, smoke=True)
