"""``mis uniqueness`` end to end (smoke), its matched-leakage verdict logic and refusals."""

import csv
import json
import math

import numpy as np
import pytest

from mis.errors import UserError
from mis.inference import CrossedMetrics, Replicates
from mis.uniqueness import DefenseRow, UniquenessConfig, matched_leakage, study_data
from tests.cli import run_mis as _mis
from theory import Estimate


@pytest.mark.parametrize("kwargs, match", [
    (dict(ridge=0.0), "ridge=0.0 is not allowed"),
    (dict(budgets=(10.0, -1.0)), "budget -1.0 is not allowed"),
    (dict(budgets=(0,)), "budget 0 is not allowed"),
    (dict(batch_size=1), "batch_size=1 is not allowed"),
    (dict(batch_size=500), "batch_size=500 exceeds"),
    (dict(dataset="cifar"), "dataset='cifar' is unknown"),
    (dict(num_models=9), "num_models=9 must be even"),
    (dict(quantizers=("gptq:4",)), "needs calibration"),
    (dict(sigmas=(-1.0,)), "noise_multiplier=-1.0"),
    (dict(top_fraction=1.0), "top_fraction=1.0 is not allowed"),
])
def test_bad_config_values_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        UniquenessConfig(**kwargs)


@pytest.mark.parametrize("args, message", [
    (["--ridge", "0"], "ridge=0.0 is not allowed"),
    (["--budgets", "5,0"], "budget 0.0 is not allowed"),
    (["--batch-size", "1"], "batch_size=1 is not allowed"),
    (["--dataset", "cifar"], "invalid choice"),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(args, message, tmp_path):
    res = _mis("uniqueness", "--smoke", "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_canaries_are_mislabeled_or_out_of_distribution():
    import jax
    import numpy as np

    from mis.data import load_digits
    cfg = UniquenessConfig(pool_size=20, num_mislabeled=4, num_ood=3, batch_size=8)
    data = study_data(cfg, jax.random.key(0))
    train = load_digits("train")
    assert list(data.kind) == ["ordinary"] * 20 + ["mislabeled"] * 4 + ["ood"] * 3
    assert np.all(np.asarray(data.pool.y[20:24]) != np.asarray(train.y[20:24]))
    assert np.all(np.asarray(data.pool.y[:20]) == np.asarray(train.y[:20]))
    np.testing.assert_array_equal(data.pool.x[:24], train.x[:24])
    assert data.pool.x.shape == (27, 8, 8, 1)


def _row(method, parameter, tpr, acc):
    e = lambda v: Estimate(v, v - 0.01, v + 0.01)
    r = lambda v: Replicates(v, v + np.zeros(20))
    cm = CrossedMetrics(method, r(0.6), r(0.2), {0.01: (r(tpr), r(0.01))}, 1e-3, {})
    return DefenseRow(method, parameter, math.inf, 0.0, e(0.6), e(tpr), e(0.6), e(tpr), e(acc),
                      0.0, cm, cm, r(acc))


def test_matched_leakage_takes_the_most_accurate_recipe_that_leaks_no_more():
    rows = [_row("none", math.nan, 0.20, 0.90), _row("censoring", 5, 0.02, 0.60),
            _row("censoring", 10, 0.05, 0.85), _row("censoring", 20, 0.10, 0.88),
            _row("dp-sgd", 1, 0.045, 0.70), _row("dp-sgd", 2, 0.095, 0.875),
            _row("dp-sgd", 3, 0.025, 0.80), _row("dp-sgd", 4, 0.005, 0.50),
            _row("dp-sgd", 5, 0.30, 0.95)]
    got = [(m.dp.parameter, m.censoring.method, m.censoring.parameter, m.measure)
           for m in matched_leakage(rows)]
    # σ = 1 (TPR 0.045): τ = 5 only (0.02); σ = 2 (0.095): τ = 5, 10, of which 10 is more
    # accurate; σ = 3 (0.025): τ = 5; σ = 4 (0.005): none leaks as little, the least leaky
    # (τ = 5); σ = 5 (0.30): the undefended model (0.20) is admitted and the most accurate
    assert [(p, m, q if m != "none" else "nan") for p, m, q, _ in got] == [
        (1, "censoring", 5), (2, "censoring", 10), (3, "censoring", 5), (4, "censoring", 5),
        (5, "none", "nan")]
    assert {g[3] for g in got} == {"tpr"}


@pytest.mark.slow
def test_smoke_writes_every_output(tmp_path):
    out = tmp_path / "u"
    res = _mis("uniqueness", "--config", "experiments/uniqueness.toml", "--smoke", "--seed", "3",
               "--dataset", "mixture", "--quantizers", "uniform:4", "--budgets", "10",
               "--sigmas", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    examples = list(csv.DictReader((out / "examples.csv").read_text().splitlines()))
    assert len(examples) == 48 + 4 + 4
    assert {r["kind"] for r in examples} == {"ordinary", "mislabeled", "ood"}
    for r in examples:
        assert float(r["gnq_cumulative"]) >= 0 and -1 <= float(r["lira_advantage"]) <= 1
        assert "lira_advantage_uniform:4" in r
    defense = list(csv.DictReader((out / "defense.csv").read_text().splitlines()))
    assert [r["method"] for r in defense] == ["none", "censoring", "dp-sgd", "uniform:4"]
    for r in defense:
        assert float(r["accuracy_lo"]) < float(r["accuracy_hi"])
        assert float(r["auc_all_lo"]) < float(r["auc_all_hi"])
    assert float(defense[2]["epsilon"]) > 0 and defense[0]["epsilon"] == "inf"
    assert defense[0]["parameter"] == "" and defense[-1]["parameter"] == ""  # not "nan"
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["seed"] == 3
    assert results["provenance"]["config"]["dataset"] == "mixture"
    assert any("no formal differential-privacy guarantee" in v for v in results["verdicts"])
    found = results["findings"]
    claims = [f["claim"] for f in found]
    assert claims[:3] == ["GNQ predicts LiRA",
                          "GNQ (ridge) predicts LiRA better than the plain gradient norm",
                          "GNQ (ridge) predicts LiRA better than the pseudo-inverse form"]
    assert any(c.startswith("the undefended model leaks more than DP-SGD") for c in claims)
    assert all(f["smoke"] and f["confidence"] == pytest.approx(1 - 0.05 / len(found))
               for f in found)
    assert all(float(r["gnq_pinv_cumulative"]) >= 0 for r in examples)
    assert "Gradient uniqueness" in (out / "report.md").read_text()
    for fig in ("gnq_vs_lira.png", "defense.png"):
        assert (out / fig).read_bytes()[:4] == b"\x89PNG"
    assert "Spearman" in res.stdout


def test_an_interval_that_excludes_its_estimate_is_marked_and_explained():
    """CI's Adult run showed ρ = 0.789 with interval [0.793, 0.800]: the replicates recompute
    the LiRA advantage from resampled models and are biased. Such an interval is reported as
    computed (never clamped), marked † and explained under the table."""
    import types

    from mis.uniqueness._report import OUTSIDE_NOTE, correlation_table, excludes_estimate

    inside, above = Estimate(0.5, 0.4, 0.6), Estimate(0.789, 0.793, 0.800)
    assert not excludes_estimate(inside) and excludes_estimate(above)
    assert excludes_estimate(Estimate(0.9, 0.7, 0.8))
    assert not excludes_estimate(Estimate(math.nan, 0.1, 0.2))
    row = lambda rho: types.SimpleNamespace(score="s", target="t", rho=rho,  # noqa: E731
                                            overlap=0.5, k=5)
    pool = types.SimpleNamespace(x=np.zeros((50, 2)))
    result = lambda rows: types.SimpleNamespace(data=types.SimpleNamespace(pool=pool),  # noqa: E731
                                                correlations=rows)
    flagged = correlation_table(result([row(inside), row(above)])).splitlines()
    assert "†" not in flagged[2] and "†" in flagged[3] and flagged[-1] == OUTSIDE_NOTE
    assert OUTSIDE_NOTE not in correlation_table(result([row(inside)]))
