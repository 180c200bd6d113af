"""mis estimate: the smoke study writes every output with consistent numbers; an .npz of queries
gets its table; bad input is one line, exit 2, no files."""

import csv
import json

import numpy as np
import pytest

from mis.errors import UserError
from mis.estimate import EstimateConfig
from tests.cli import run_mis as _mis


@pytest.mark.slow
def test_smoke_study_writes_every_output(tmp_path):
    out = tmp_path / "est"
    res = _mis("estimate", "--smoke", "--seed", "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    conv = list(csv.DictReader((out / "convergence.csv").read_text().splitlines()))
    assert {r["estimator"] for r in conv} == {"ks", "histogram", "knn"}
    for r in conv:
        assert float(r["lo"]) <= float(r["value"]) <= float(r["hi"])
        if r["estimator"] == "ks":  # the best threshold on the exact llr attains Δ
            assert r["covers"] == "True", r
    gen = list(csv.DictReader((out / "generative.csv").read_text().splitlines()))
    assert {r["model"] for r in gen} == {"vae", "vae-dp", "gmm"}
    for r in gen:
        if r["model"] == "vae-dp":
            assert float(r["epsilon_lower"]) <= float(r["epsilon_accountant"])
    assert {r["query"] for r in gen if r["model"] == "vae"} == {
        "neg_elbo", "recon", "nn_dist", "vector"}
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["seed"] == 3
    assert len(results["risk"]["risk"]) == 100  # the largest smoke training size
    assert len(results["risk"]["null_top_mean"]) == 100  # permutations
    cov = list(csv.DictReader((out / "coverage.csv").read_text().splitlines()))
    assert {(r["num_members"], r["num_nonmembers"]) for r in cov} == {
        ("100", "100"), ("400", "400"), ("100", "1000")}
    found = {f["claim"]: f for f in results["findings"]}
    assert len(found) == 5 and all(f["smoke"] for f in found.values())
    dp = found["the DP-SGD VAE (σ = 1) leaks more than its accountant allows"]
    # 100 members vs 597 non-members at 99 %: the ceiling (3.3) is below the accountant's ε
    # (5.1), so the audit cannot detect a violation and says so
    assert dp["outcome"] == "not enough data" and "cannot detect" in dp["note"]
    assert "Convergence where Δ is known" in (out / "report.md").read_text()
    for fig in ("convergence.png", "delta_vs_epochs.png", "risk.png"):
        assert (out / fig).read_bytes()[:4] == b"\x89PNG"


def test_npz_of_queries_prints_every_estimator(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "q.npz"
    np.savez(path, member=rng.normal(1, 1, 400), nonmember=rng.normal(0, 1, 600))
    res = _mis("estimate", str(path), "--out", str(tmp_path / "o"))
    assert res.returncode == 0, res.stderr
    assert all(name in res.stdout for name in ("ks", "histogram", "knn"))
    rows = list(csv.DictReader((tmp_path / "o" / "estimate.csv").read_text().splitlines()))
    assert len(rows) == 3 and all(0.2 < float(r["value"]) < 0.6 for r in rows)
    assert "warning" not in res.stdout  # a shift: the estimators agree
    np.savez(path, member=rng.normal(0, 1, 5000), nonmember=rng.normal(0, 2, 5000))
    res = _mis("estimate", str(path))
    assert res.returncode == 0 and "warning: best-threshold advantage (KS)" in res.stdout
    # the same queries as members and non-members (Δ = 0): the k-NN rule's value is negative
    # (each query's nearest neighbour is its twin of the other class) and said to be no Δ̂
    same = rng.normal(0, 1, 200)
    np.savez(path, member=same, nonmember=same)
    res = _mis("estimate", str(path))
    assert res.returncode == 0 and "the k-NN rule does worse than chance" in res.stdout
    # mis audit's signals + mask, vector queries: the classifier estimate only
    sig = tmp_path / "s.npz"
    np.savez(sig, signals=rng.normal(0, 1, (8, 50, 2)), mask=rng.integers(0, 2, (8, 50)))
    res = _mis("estimate", str(sig))
    assert res.returncode == 0, res.stderr
    assert "knn" in res.stdout and "histogram" not in res.stdout
    # --k is checked against the file's 400 points, not the study's smallest sample (250)
    res = _mis("estimate", str(sig), "--k", "300")
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("arrays, extra, message", [
    (dict(member=np.zeros(0), nonmember=np.ones(5)), [], "member queries have shape (0, 1)"),
    (dict(member=np.r_[1.0, np.nan, 2, 3, 4, 5], nonmember=np.ones(9)), [], "non-finite"),
    (dict(member=np.ones((9, 2)), nonmember=np.ones((9, 3))), [], "dimension 2 but"),
    (dict(member=np.arange(30.0), nonmember=np.arange(30.0)), ["--k", "60"], "k=60"),
    (dict(member=np.arange(30.0), nonmember=np.arange(30.0)), ["--epochs", "5", "--dp-steps",
                                                               "3"],
     "--dp-steps, --epochs applies to the study"),
    (dict(member=np.arange(30.0), nonmember=np.arange(30.0)), ["--smoke"],
     "--smoke applies to the study"),
    (dict(scores=np.ones(4), is_member=np.ones(4)), [], "holds scores, not queries"),
    (dict(other=np.ones(3)), [], "it needs"),
])
def test_bad_npz_is_one_line_and_writes_nothing(tmp_path, arrays, extra, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    res = _mis("estimate", str(path), "--out", str(tmp_path / "o"), *extra)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr, lines
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("kwargs, match", [
    (dict(train_sizes=(400, 100)), "must increase"),
    (dict(train_sizes=(10, 2000)), "at most 1200"),
    (dict(components=(1, 200), train_sizes=(100,)), "more components"),
    (dict(epochs=(0, 10)), "epochs=\\[0, 10\\]"),
    (dict(dp_sigmas=(1.0, -1.0)), "noise_multiplier=-1.0"),
    (dict(confidence=1.0), "confidence=1.0"),
    (dict(k=500), "k=500"),
])
def test_bad_config_values_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        EstimateConfig(**kwargs)


def test_missing_file_is_one_line(tmp_path):
    res = _mis("estimate", str(tmp_path / "nope.npz"))
    assert res.returncode == 2 and "does not exist" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
