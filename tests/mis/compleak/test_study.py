"""``mis compleak``: refusals before any work, and the smoke run end to end."""

import csv
import json

import pytest

from mis.compleak import CompleakConfig
from mis.errors import UserError
from tests.cli import run_mis as _mis


@pytest.mark.parametrize("kwargs, match", [
    (dict(dataset="cifar"), "dataset='cifar' is unknown"),
    (dict(versions=("prune:1.5",)), r"sparsity '1.5' is outside \(0, 1\)"),
    (dict(versions=("zip",)), "version 'zip' is unknown"),
    (dict(versions=()), "versions is empty"),
    (dict(versions=("int8", "int8")), "repeat a version"),
    (dict(num_models=6, num_victims=4), "leaves 2 shadow models"),
    (dict(num_models=7), "must be even"),
    (dict(covariance="tied"), "covariance='tied' is unknown"),
    (dict(pool_size=5000), "exceeds the 1200 training digits"),
    (dict(fine_tune_learning_rate=float("nan")), "fine_tune_learning_rate"),
    (dict(dataset="molecular", molecules="tox21"), "molecules='tox21' is unknown"),
    (dict(dataset="molecular", molecules="freesolv"), "is a regression set"),
    (dict(dataset="molecular", embedder="ecfp"), "embedder='ecfp' is unknown"),
    (dict(dataset="molecular", pool_size=5000), "exceeds the 1025 training molecules"),
])
def test_bad_config_values_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        CompleakConfig(**kwargs)


@pytest.mark.parametrize("args, message", [
    (["--versions", "prune:0"], "is outside (0, 1)"),
    (["--versions", "int8,cluster:9999"], "clusters '9999' not allowed"),
    (["--num-models", "8", "--num-victims", "6"], "leaves 2 shadow models"),
    (["--versions", "ptq:gptq:4"], "calibrated quantizers are not offered"),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(args, message, tmp_path):
    res = _mis("compleak", "--smoke", "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr, lines
    assert not (tmp_path / "out").exists()


def test_unknown_dataset_flag_is_refused(tmp_path):
    res = _mis("compleak", "--smoke", "--dataset", "cifar", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "cifar" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_smoke_writes_every_output(tmp_path):
    out = tmp_path / "c"
    res = _mis("compleak", "--smoke", "--seed", "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader((out / "attacks.csv").read_text().splitlines()))
    assert {r["kind"] for r in rows} == {"NR", "SR", "MR", "MV-LiRA"}
    versions = CompleakConfig(**CompleakConfig.smoke_sizes()).versions
    assert {r["versions"] for r in rows if r["kind"] == "NR"} == {"original", *versions}
    assert {r["versions"] for r in rows if r["kind"] == "SR"} == {
        f"original+{v}" for v in versions}
    for r in rows:
        assert float(r["auc_lo"]) < float(r["auc_hi"])
        # 2 victims x 100 points: the threshold half holds ~50 non-members, so 0.1 % FPR is
        # below the resolution (1/50) and has no number; 1 % neither
        assert float(r["min_fpr"]) > 0.01 and r["tpr@0.001"] == "" and r["tpr@0.01"] == ""
        assert 0 <= float(r["balanced_accuracy"]) <= 1
        if r["attack"] in ("lira", "rmia-1ref") or r["kind"] == "MV-LiRA":
            assert r["rule_accuracy"] == ""
        else:  # a fixed rule cannot beat the best in-sample threshold
            assert float(r["rule_accuracy"]) <= float(r["balanced_accuracy"]) + 1e-12
    assert {r["attack"] for r in rows if r["kind"] == "MR"} == {
        "mr", "mr-lr", "mr-no-original", "mr-no-original-lr"}
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["seed"] == 3
    assert [v[:4] for v in results["verdicts"] if v.startswith("(")] == \
        ["(i) ", "(ii)", "(iii", "(iv)"]
    found = results["findings"]
    assert len(found) == 9 and all(f["smoke"] for f in found)
    for f in found:  # the outcome follows from the printed interval (decide's table)
        lo, hi, null, m = f["lower"], f["upper"], f["null"], f["margin"]
        assert lo <= hi and f["confidence"] == pytest.approx(1 - 0.05 / 9)
        expect = {"greater": "holds" if lo > null else "does not hold" if hi < null
                  else "inconclusive",
                  "less": "holds" if hi < null else "does not hold" if lo > null
                  else "inconclusive",
                  "at_least": "holds" if lo > null - m else "does not hold"
                  if hi < null - m else "inconclusive"}[f["direction"]]
        assert f["outcome"] == expect, f
    assert {r["attack"] for r in rows if r["kind"] == "NR"} == {
        "nn-lr", "nn-rf", "label-lr", "label-rf", "entropy", "m-entropy", "samia", "rmia-1ref",
        "lira"}
    assert "SAMIA's Transformer" in (out / "report.md").read_text()
    assert "(fine-tuned) leaks more than ptq:prune:0.5" in res.stdout
    for fig in ("auc.png", "roc.png"):
        assert (out / fig).read_bytes()[:4] == b"\x89PNG"


def test_molecular_pool_is_the_training_split_standardised():
    import jax
    import numpy as np

    from mis.compleak import study_data
    from mis.data import load_dataset

    config = CompleakConfig(dataset="molecular", pool_size=300)
    pool, test = study_data(config, jax.random.key(0))
    ds = load_dataset("solubility-class")
    assert pool.x.shape[0] == 300 and test.x.shape[0] == int((~ds.is_train).sum())
    np.testing.assert_array_equal(np.asarray(pool.y), ds.y[ds.is_train][:300])
    np.testing.assert_array_equal(np.asarray(test.y), ds.y[~ds.is_train])
    assert config.num_classes == 3


def test_findings_below_the_minimum_sizes_are_not_enough_data():
    """One victim, or too few victim points: no verdict (issue 38: four verdicts from 8
    victim points)."""
    import numpy as np

    from mis.compleak import AttackRow, CompleakResult, findings
    from mis.inference import crossed_metrics

    rng = np.random.default_rng(0)

    def result(victims, points):
        config = CompleakConfig(dataset="mixture", num_models=8, num_victims=victims,
                                versions=("prune:0.9",))
        member = rng.random((victims, points)) < 0.5
        rows = []
        for kind, attack, versions in (("NR", "nn-rf", ("original",)),
                                       ("NR", "nn-rf", ("prune:0.9",)),
                                       ("SR", "sr2-rf", ("original", "prune:0.9"))):
            s = rng.normal(size=member.shape) + member
            cm = crossed_metrics(attack, s, member, fprs=(0.01,), num_bootstrap=50)
            rows.append(AttackRow(kind, attack, versions, cm.auc.interval(), {}, 0.5,
                                  s.ravel(), metrics=cm))
        return CompleakResult(config, rows, [], member.ravel(), {}, {})

    for victims, points in ((1, 200), (2, 30)):
        found = findings(result(victims, points))
        assert found and {f.outcome for f in found} == {"not enough data"}
        assert "below the minimum" in found[0].note
    assert {f.outcome for f in findings(result(2, 200))} != {"not enough data"}
