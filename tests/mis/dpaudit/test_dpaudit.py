"""mis dpaudit: the audit never proves more than the accountant allows for honest DP-SGD, and it
catches DP-SGD whose noise was disabled; the CLI's files and one-line errors."""

import csv
import json
import logging

import jax
import numpy as np
import pytest

from mis.audit import gdp_epsilon
from mis.dpaudit import DPAuditConfig, audit_data, audit_sigma
from mis.errors import UserError
from tests.cli import run_mis as _mis

# A small, strongly memorising setting (measured with seed 1/2): 32 models, 64 ordinary points
# and 16 mislabeled canaries in R^64, full-batch steps. Without noise LiRA separates the canaries
# (AUC ~0.97) and the canary ε lower bound is ~3.0; the most the design can show is about
# log(0.83 / 0.028) ≈ 3.4 (128 IN / 128 OUT held-out canary scores, Clopper–Pearson).
SMALL = DPAuditConfig(dataset="mixture", num_models=32, pool_size=64, num_canaries=16,
                      steps=300, learning_rate=0.05, sample_rate=1.0, hidden=(64,), d=64)


@pytest.fixture(scope="module")
def data():
    logging.getLogger("absl").setLevel(logging.ERROR)
    return audit_data(SMALL, jax.random.key(1))


@pytest.mark.slow
def test_disabled_noise_is_caught(data):
    """Accounted as σ = 200 (ε ≈ 0.32 at δ = 1e-5) but trained with σ = 0: the canary lower
    bound must exceed the claim several times over."""
    row = audit_sigma(SMALL, data, jax.random.key(2), 200.0, train_sigma=0.0)
    assert row.epsilon < 0.5
    assert float(row.canary.lower) > 4 * row.epsilon and row.violated
    assert float(row.canary_auc.lower) > 0.9
    canary = row.findings(0.95)[0]
    assert row.detectable("canary") and canary.outcome == "holds"


@pytest.mark.slow
@pytest.mark.parametrize("sigma", [2.0, 10.0])
def test_honest_dp_sgd_never_exceeds_its_accountant(data, sigma):
    """The same setting with the noise on: each lower bound stays below the accountant's ε
    (σ = 2: ε ≈ 77; σ = 10: ε ≈ 9.0), and the noise visibly weakens the attack."""
    row = audit_sigma(SMALL, data, jax.random.key(2), sigma)
    assert not row.violated
    assert float(row.canary.lower) <= row.epsilon and float(row.ordinary.lower) <= row.epsilon
    # never "holds"; where the ceiling is below the accountant's ε, "not enough data"
    for f, group in zip(row.findings(0.95), ("canary", "ordinary"), strict=True):
        assert f.outcome == ("inconclusive" if row.detectable(group) else "not enough data")
    assert row.epsilon_rdp >= row.epsilon
    assert float(row.canary_auc.value) < 0.9


def test_canaries_are_mislabeled_and_outside_the_ordinary_pool():
    config = DPAuditConfig(dataset="digits", pool_size=40, num_canaries=6)
    d = audit_data(config, jax.random.key(0))
    from mis.data import load_digits

    train = load_digits("train")
    assert d.pool.x.shape == (46, 8, 8, 1) and d.is_canary.sum() == 6
    np.testing.assert_array_equal(d.pool.y[:40], train.y[:40])
    assert np.all(np.asarray(d.pool.y[40:]) != np.asarray(train.y[40:46]))
    np.testing.assert_array_equal(d.pool.x, train.x[:46])


@pytest.mark.parametrize("kwargs, match", [
    (dict(clip_norm=-1.0), "clip_norm=-1.0"),
    (dict(sigmas=(1.0, -0.5)), "noise_multiplier=-0.5"),
    (dict(sample_rate=0.0), "sample_rate=0.0"),
    (dict(sample_rate=1.5), "sample_rate=1.5"),
    (dict(delta=1.0), "delta=1.0"),
    (dict(delta=0.0), "delta=0.0"),
    (dict(dataset="cifar"), "dataset='cifar' is unknown"),
    (dict(num_models=9), "num_models=9 must be even"),
    (dict(pool_size=1200), "exceeds the 1200 training digits"),
    (dict(sigmas=()), "sigmas is empty"),
])
def test_bad_config_values_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        DPAuditConfig(**kwargs)


@pytest.mark.parametrize("args, message", [
    (["--clip-norm", "-1"], "clip_norm=-1.0"),
    (["--sigmas", "1,-2"], "noise_multiplier=-2.0"),
    (["--sample-rate", "2"], "sample_rate=2.0"),
    (["--delta", "1.5"], "delta=1.5"),
    (["--dataset", "cifar"], "invalid choice"),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(args, message, tmp_path):
    res = _mis("dpaudit", "--smoke", "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_smoke_writes_every_output(tmp_path):
    out = tmp_path / "dp"
    res = _mis("dpaudit", "--config", "experiments/dp_audit.toml", "--smoke", "--seed", "4",
               "--sigmas", "0,2", "--out", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader((out / "dpaudit.csv").read_text().splitlines()))
    assert [float(r["sigma"]) for r in rows] == [0.0, 2.0]
    assert rows[0]["epsilon_accountant"] == "inf" and float(rows[1]["epsilon_accountant"]) > 0
    for r in rows:
        assert 0 <= float(r["accuracy_lo"]) <= float(r["accuracy"]) <= float(r["accuracy_hi"])
        assert float(r["eps_canary_lo"]) <= float(r["eps_canary_hi"])
        mu = float(r["gdp_mu_canary"])  # the GDP estimate's ε is its μ's (mis.audit.gdp_epsilon)
        assert mu >= 0 and float(r["eps_gdp_canary"]) == pytest.approx(gdp_epsilon(mu, 1e-5))
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["seed"] == 4
    assert results["provenance"]["config"]["num_models"] == 16
    assert results["provenance"]["versions"]["dp-accounting"] == "0.6.0"
    assert "DP-SGD audit" in (out / "report.md").read_text()
    assert (out / "epsilon_vs_sigma.png").read_bytes()[:4] == b"\x89PNG"
    assert "ε PLD" in res.stdout and "ceiling" in res.stdout
