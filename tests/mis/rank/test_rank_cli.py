"""``mis rank`` / ``mis sweep`` end to end on smoke configs: files, validation, resume."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.cli import run_mis as _mis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


@pytest.mark.parametrize("args, message", [
    (["--quantizers", "none,uniform:1"], "bad quantizer spec 'uniform:1'"),
    (["--num-models", "9"], "num_models=9 must be even"),
    (["--num-models", "2"], "num_models=2 is not allowed"),
    (["--task", "nope"], "invalid choice"),
    (["--l2", "-1"], "l2=-1.0 is not allowed; use a finite number >= 0"),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(args, message, tmp_path):
    res = _mis("rank", "--smoke", "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("toml, message", [
    ("[rank]\nnum_modles = 16\n", "unknown key(s) 'num_modles'"),
    ("[rank]\nsteps = 0\n", "steps=0 is not allowed"),
    ('[rank]\nquantizers = ["ternary:1.5"]\n', "bad quantizer spec 'ternary:1.5'"),
    ("[rank\n", "is not valid TOML"),
    ("[other]\n", "unknown key(s) 'other'"),
])
def test_bad_config_files_are_one_line_errors(toml, message, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(toml)
    res = _mis("rank", "--config", str(path), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_rank_smoke_writes_a_parsable_report(tmp_path):
    out = tmp_path / "rank"
    res = _mis("rank", "--config", "experiments/quantizer_ranking.toml", "--smoke", "--seed",
               "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "Kendall τ indicator A vs LiRA AUC" in res.stdout
    rows = list(csv.DictReader((out / "ranking.csv").read_text().splitlines()))
    specs = [r["quantizer"] for r in rows]
    assert sorted(specs) == sorted(["none", "sign", "ternary:0.33", "ternary:0.9", "uniform:4",
                                    "stochastic:4", "prune:0.9", "gptq:4"])
    usable = [r for r in rows if r["broken"] == "False"]  # above the accuracy floor
    aucs = [float(r["LiRA_auc"]) for r in usable]
    assert aucs == sorted(aucs) and [int(r["rank"]) for r in usable] == \
        list(range(1, len(usable) + 1))
    broken = rows[len(usable):]  # listed last, without a rank
    assert all(r["broken"] == "True" and r["rank"] == "" for r in broken)
    none_acc = float(next(r for r in rows if r["quantizer"] == "none")["accuracy"])
    assert all(float(r["accuracy"]) < 0.9 * none_acc for r in broken)
    assert all(float(r["accuracy"]) >= 0.9 * none_acc for r in usable)
    for r in rows:
        assert float(r["LiRA_auc_lo"]) <= float(r["LiRA_auc"]) <= float(r["LiRA_auc_hi"])
        assert 0 <= float(r["accuracy"]) <= 1
    by = {r["quantizer"]: r for r in rows}
    assert by["stochastic:4"]["ind_a_n_rate"] == ""  # no thresholds: undefined, not zero
    assert float(by["none"]["bits_per_weight"]) == 32.0
    results = json.loads((out / "results.json").read_text())
    prov = results["provenance"]
    assert prov["seed"] == 3 and prov["config"]["num_models"] == 16
    assert {"jax", "flax", "numpy"} <= set(prov["versions"]) and "git_commit" in prov
    assert set(results["rankings"]) >= {"indicator A", "LiRA AUC", "RMIA AUC", "loss AUC"}
    assert "Kendall" in (out / "report.md").read_text()
    for name in ("privacy_utility.png", "indicator_vs_attack.png", "roc.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


SWEEP = ["sweep", "--config", "experiments/bit_sweep.toml", "--smoke", "--families",
         "uniform,prune", "--bits", "2", "--sparsity", "0.5,0.9", "--pool-sizes", "200",
         "--num-models", "8"]


def _cells(out):
    return {p.name: json.loads(p.read_text()) for p in sorted((out / "cells").rglob("*.json"))}


def test_sweep_never_mixes_cells_of_another_config(tmp_path):
    """Issue 22: a re-run with other --num-models used to reuse the old cells. Now another
    config or seed is refused (one line, nothing touched) or, with --on-mismatch recompute, the
    cell is recomputed (here under another seed: same shapes, so the compiled programs of the
    first run serve the second)."""
    one = ["sweep", "--smoke", "--families", "uniform", "--bits", "2", "--pool-sizes", "200",
           "--num-models", "8", "--out", str(tmp_path / "s")]
    assert _mis(*one).returncode == 0
    cell = tmp_path / "s" / "cells" / "pool200" / "uniform_2.json"
    before = cell.read_text()
    for other in (["--num-models", "10"], ["--steps", "7"], ["--seed", "1"]):
        res = _mis(*one, *other)
        assert res.returncode == 2 and "another config or seed" in res.stderr, other
        assert len(res.stderr.strip().splitlines()) == 1 and cell.read_text() == before
    res = _mis(*one, "--seed", "1", "--on-mismatch", "recompute")
    assert res.returncode == 0, res.stderr
    after = json.loads(cell.read_text())
    assert after["fingerprint"] != json.loads(before)["fingerprint"]
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert len(after["replicates"]["auc"]) == len(after["replicates"]["utility"]) > 10
    assert summary["provenance"]["seed"] == 1 and summary["cells"] == [
        {k: v for k, v in after.items() if k != "replicates"}]
    assert summary["fronts"] == [{"pool_size": 200, "front": ["uniform:2"], "dominated_by": {},
                                  "significant": False}]  # one cell: nothing to compare
    header = (tmp_path / "s" / "sweep.csv").read_text().splitlines()[0].split(",")
    assert header[:5] == ["quantizer", "family", "bits_or_sparsity", "pool_size", "n"]


def test_sweep_resumes_after_a_kill_and_equals_an_uninterrupted_run(tmp_path):
    whole = tmp_path / "whole"
    assert _mis(*SWEEP, "--out", str(whole)).returncode == 0
    assert len(_cells(whole)) == 3
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "mis", *SWEEP, "--out", str(killed)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not list((killed / "cells").rglob("*.json")):
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _cells(killed)  # every file present parses: nothing half-written
    assert 1 <= len(partial) < 3
    res = _mis(*SWEEP, "--out", str(killed))
    assert res.returncode == 0 and "already done, skipped" in res.stderr
    assert _cells(killed) == _cells(whole)
    assert (killed / "sweep.csv").exists() and (killed / "leakage_vs_bits.png").exists()
    fronts = json.loads((killed / "summary.json").read_text())["fronts"]
    assert len(fronts) == 1 and fronts[0]["significant"] and fronts[0]["front"]
    assert "significant Pareto front" in res.stdout


def test_gaussian_mean_bayes_attack_reaches_the_exact_advantage(tmp_path):
    """Smoke of experiments/gaussian_mean_ranking.toml: on fixed grids and full precision the
    Bayes-optimal attack's advantage (held-out interval) must contain theory's exact Δ
    (Monte Carlo, its own interval): the intervals must overlap. The k-NN two-sample Δ̂ of
    each release stays below Δ (its lower end)."""
    out = tmp_path / "mean"
    res = _mis("rank", "--config", "experiments/gaussian_mean_ranking.toml", "--smoke",
               "--quantizers", "none,grid:0.1,grid:0.5,sign", "--out", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader((out / "ranking.csv").read_text().splitlines()))
    checked = 0
    for r in rows:
        if r["exact_delta"]:
            assert float(r["Bayes_advantage_lo"]) <= float(r["exact_delta_hi"])
            assert float(r["exact_delta_lo"]) <= float(r["Bayes_advantage_hi"])
            # the k-NN two-sample Δ̂ of the release is a lower confidence bound on Δ
            assert float(r["delta_knn_lo"]) <= float(r["exact_delta_hi"])
            assert float(r["delta_knn_lo"]) <= float(r["delta_knn"]) <= float(r["delta_knn_hi"])
            checked += 1
    assert checked == 3  # none, grid:0.1, grid:0.5


@pytest.mark.slow
def test_rank_accepts_the_convnet_on_digits(tmp_path):
    """``--task digits`` (experiments/digits_ranking.toml, smoke sizes): a ConvNet on the real
    digits goes through the same release pipeline, GPTQ included (conv kernels on patches)."""
    out = tmp_path / "digits"
    res = _mis("rank", "--config", "experiments/digits_ranking.toml", "--smoke",
               "--quantizers", "none,uniform:4:channel,gptq:4,sign", "--out", str(out))
    assert res.returncode == 0, res.stderr
    rows = {r["quantizer"]: r for r in
            csv.DictReader((out / "ranking.csv").read_text().splitlines())}
    assert set(rows) == {"none", "uniform:4:channel", "gptq:4", "sign"}
    assert float(rows["none"]["accuracy"]) > 0.5  # 10 classes: chance is 0.1
    assert float(rows["none"]["bits_per_weight"]) == 32.0
    assert rows["gptq:4"]["ind_a_n_rate"] != "" and rows["sign"]["ind_b_n_rate"] != ""
    prov = json.loads((out / "results.json").read_text())["provenance"]
    assert prov["config"]["task"] == "digits" and prov["config"]["channels"] == [4, 8]


def test_digits_pool_larger_than_the_training_split_is_refused(tmp_path):
    res = _mis("rank", "--task", "digits", "--pool-size", "1500", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "pool_size=1500 exceeds the 1200 training digits" in res.stderr
    assert not (tmp_path / "o").exists()
