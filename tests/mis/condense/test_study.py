"""``mis condense``: pipelines in the engine equal one pipeline alone, the attack groups, the
slope fit, nearest members, the refusals and the smoke run end to end."""

import csv
import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.condense import (
    CondenseConfig,
    CondensedLearner,
    SubsetLearner,
    convergence,
    fit_slope,
    group_pairs,
    leakage_per_point,
    nearest_members,
    private_pool,
    study_data,
    used_mask,
)
from mis.data import Dataset, load_digits
from mis.errors import UserError
from mis.inference import crossed_counts
from mis.shadow import ConvLearner, MLPLearner, train_shadow_models
from tests.cli import run_mis as _mis


@pytest.mark.parametrize("learner, images", [
    (CondensedLearner(ConvLearner(channels=(4,), steps=5), ipc=2, iterations=4, init="real"),
     True),
    (CondensedLearner(MLPLearner(hidden=(8,), num_outputs=2, steps=5), ipc=2, num_classes=2,
                      iterations=4), False),
    (SubsetLearner(MLPLearner(hidden=(8,), num_outputs=2, steps=5), ipc=3, num_classes=2),
     False),
])
def test_the_engine_trains_each_pipeline_exactly_as_alone(learner, images):
    if images:
        d = load_digits("train")
        pool = Dataset(d.x[:60], d.y[:60])
    else:
        x = jax.random.normal(jax.random.key(0), (40, 3))
        pool = Dataset(x, (x[:, 0] > 0).astype(jnp.int32))
    res = train_shadow_models(jax.random.key(1), pool, learner=learner, num_models=4,
                              return_params=True, return_aux=True, batch_size=2)
    for m in (0, 3):
        params, aux = jax.jit(learner.fit_aux)(res.keys[m], pool, res.mask[m])
        for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(
                jax.tree.map(lambda v, m=m: v[m], res.params)), strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(aux.x), np.asarray(res.aux.x[m]), rtol=1e-4,
                                   atol=1e-5)
        # every initialising / selected image is a member of that pipeline
        idx = np.asarray(res.aux.init_index[m])
        assert np.all(np.asarray(res.mask[m])[idx[idx >= 0]] == 1)


def test_used_mask_and_groups_partition_the_pairs():
    init = np.array([[0, 2, -1], [1, 1, -1]])
    used = used_mask(init, 4)
    np.testing.assert_array_equal(used, [[1, 0, 1, 0], [0, 1, 0, 0]])
    mask = np.array([[1, 0, 1, 1], [0, 1, 1, 0]])
    kind = np.array(["ordinary", "ordinary", "ordinary", "ood"])
    g = group_pairs(kind, mask, used.astype(bool))
    ordinary = np.broadcast_to(kind == "ordinary", mask.shape)
    pos_o, neg = g["ordinary"]
    pos_i, _ = g["initialising"]
    assert not (pos_o & pos_i).any()
    np.testing.assert_array_equal(pos_o | pos_i, g["all members"][0])
    np.testing.assert_array_equal(g["all members"][0], (mask > 0) & ordinary)
    np.testing.assert_array_equal(neg, (mask == 0) & ordinary)
    np.testing.assert_array_equal(g["canaries"][0] | g["canaries"][1], ~ordinary)


def test_used_mask_leaves_filler_points_out():
    used = used_mask(np.array([[0, 5, -1], [4, 3, 7]]), 4)
    np.testing.assert_array_equal(used, [[1, 0, 0, 0], [0, 0, 0, 1]])


def test_the_private_pool_is_the_engines_audit_split_plus_filler_always_in():
    cfg = CondenseConfig(**(CondenseConfig.smoke_sizes() | dict(filler_size=20)))
    data = study_data(cfg, jax.random.key(0))
    key = jax.random.key(5)
    pool, mask = private_pool(cfg, data, cfg.private_size, key)
    assert pool.x.shape[0] == mask.shape[1] == cfg.audit_size + 20
    np.testing.assert_array_equal(np.asarray(pool.x[cfg.audit_size:]),
                                  np.asarray(data.filler.x[:20]))
    assert np.all(np.asarray(mask[:, cfg.audit_size:]) == 1)
    engine = train_shadow_models(key, data.pool, learner=MLPLearner(hidden=(), steps=1),
                                 num_models=cfg.num_models)
    np.testing.assert_array_equal(np.asarray(mask[:, :cfg.audit_size]),
                                  np.asarray(engine.mask))
    alone, alone_mask = private_pool(cfg, data, cfg.audit_size, key)
    assert alone is data.pool and alone_mask.shape == (cfg.num_models, cfg.audit_size)


def test_convergence_summarises_the_loss_curve():
    c = convergence(np.arange(20, 0, -1, dtype=float))  # 20, 19, ..., 1
    assert (c["iterations"], c["loss_first"], c["loss_last"]) == (20, 20.0, 1.0)
    assert (c["loss@10%"], c["loss@50%"], c["loss@90%"]) == (18.0, 10.0, 2.0)
    # last tenth (2, 1) against the tenth before (4, 3): 1 − 1.5 / 3.5
    assert c["last_tenth_drop"] == pytest.approx(1 - 1.5 / 3.5)


def test_nearest_members_equal_a_brute_force_search():
    rng = np.random.default_rng(0)
    imgs, pool = rng.normal(size=(5, 3, 3, 1)), rng.normal(size=(20, 3, 3, 1))
    member = rng.random(20) < 0.5
    dist, idx = nearest_members(imgs, pool, member)
    for k in range(5):
        d = [np.linalg.norm(imgs[k] - pool[i]) if member[i] else np.inf for i in range(20)]
        assert idx[k] == int(np.argmin(d)) and math.isclose(dist[k], min(d), rel_tol=1e-9)


def test_leakage_is_the_mean_in_minus_out_gap_and_the_slope_recovers_one_over_n():
    logits = np.zeros((4, 2, 2), np.float32)
    logits[:, :, 1] = [[2, 0], [0, 1], [2, 1], [0, 0]]
    mask = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    gap = leakage_per_point(jnp.asarray(logits), jnp.array([1, 1]), jnp.asarray(mask))
    np.testing.assert_allclose(gap, [2.0, 1.0], atol=1e-5)  # logit scale of p = σ(z) is z
    # a planted 1/members law: each point's IN − OUT gap is 300 / members, plus noise and a
    # pipeline-level random effect; the slope on log members recovers -1 and its two-way
    # interval covers it (its leakage replicates are the weighted means by hand)
    rng = np.random.default_rng(0)
    members = (100, 200, 400, 800)
    mask = np.random.default_rng(1).random((16, 300)) < 0.5
    tables = [(mask * (300 / k) * (1 + 0.05 * rng.normal(size=(16, 1)))
               + 0.01 * rng.normal(size=mask.shape), mask) for k in members]
    slope, invalid, reps, leak = fit_slope(members, tables, seed=0, num_bootstrap=200,
                                           confidence=0.95)
    assert abs(slope.value + 1) < 0.02 and slope.lower <= -1 <= slope.upper and invalid == 0
    assert slope.upper - slope.lower > 0
    phi, m = tables[0]
    gap = [phi[m[:, i], i].mean() - phi[~m[:, i], i].mean() for i in range(300)]
    assert leak[0].value == pytest.approx(np.mean(gap), rel=1e-12)
    a, c = crossed_counts(16, 300, 200, seed=0)
    rows = np.repeat(np.arange(16), a[7].astype(int))
    cols = np.repeat(np.arange(300), c[7].astype(int))
    pb, mb = phi[np.ix_(rows, cols)], m[np.ix_(rows, cols)]
    ok = mb.any(0) & (~mb).any(0)
    gb = [pb[mb[:, i], i].mean() - pb[~mb[:, i], i].mean() for i in np.flatnonzero(ok)]
    assert leak[0].reps[7] == pytest.approx(np.mean(gb), rel=1e-9)


def test_expected_members_counts_half_the_audit_set():
    from mis.condense import expected_members

    cfg = CondenseConfig(**CondenseConfig.smoke_sizes())
    assert expected_members(cfg, 112) == pytest.approx(((112 - 56) + 28) / 2)


@pytest.mark.parametrize("kwargs, match", [
    (dict(ipcs=(0,)), "ipcs \\[0\\] are not allowed"),
    (dict(ipcs=(40,)), "ipc 40 is larger than the smallest class"),
    (dict(inits=("gan",)), "inits \\['gan'\\] are not allowed"),
    (dict(iterations=0), "iterations=0 is not allowed"),
    (dict(scaling_sizes=(100, 544)), "scaling size 100 is not allowed"),
    (dict(scaling_sizes=(544, 5000)), "scaling size 5000 is not allowed"),
    (dict(momentum=1.0), "momentum=1.0 is not allowed"),
    (dict(dataset="cifar"), "dataset='cifar' is unknown"),
    (dict(num_models=9), "num_models=9 must be even"),
    (dict(sigmas=(-1.0,)), "noise_multiplier=-1.0"),
    (dict(scaling_sizes=(272,)), "needs at least 2 pool sizes"),
    (dict(sigmas=()), "sigmas is empty"),
    (dict(ipcs=()), r"ipcs \[\] are not allowed"),
    (dict(filler_size=-1), "filler_size=-1 is not allowed"),
    (dict(filler_size=2000), "filler_size=2000 is not allowed; use at most"),
    (dict(real_batch=-2), "real_batch=-2 is not allowed"),
])
def test_bad_config_values_are_user_errors(kwargs, match):
    with pytest.raises(UserError, match=match):
        CondenseConfig(**kwargs)


@pytest.mark.parametrize("args, message", [
    (["--ipcs", "0"], "ipcs [0] are not allowed"),
    (["--ipcs", "3", "--dataset", "digits", "--pool-size", "20"],
     "ipc 3 is larger than the smallest class"),
    (["--inits", "zeros"], "inits ['zeros'] are not allowed"),
    (["--iterations", "0"], "iterations=0 is not allowed"),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(args, message, tmp_path):
    res = _mis("condense", "--smoke", "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr, lines
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_smoke_writes_every_output(tmp_path):
    out = tmp_path / "c"
    res = _mis("condense", "--config", "experiments/condense.toml", "--smoke", "--seed", "2",
               "--dataset", "mixture", "--sigmas", "2", "--filler-size", "56",
               "--real-batch", "6", "--batch-size", "16", "--out", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader((out / "methods.csv").read_text().splitlines()))
    methods = {(r["method"], r["parameter"]) for r in rows}
    assert {m for m, _ in methods} == {"dm-noise", "dm-real", "subset", "whole", "dpsgd"}
    for r in rows:
        assert float(r["auc_lo"]) < float(r["auc_hi"])
        assert r["tpr@0.001"] == ""  # ~8 x 24 non-member pairs: 0.1 % is not resolvable
        assert float(r["accuracy_lo"]) < float(r["accuracy_hi"])
        assert (r["group"] == "initialising") <= (r["method"] in ("dm-real", "subset"))
    assert any(float(r["epsilon"]) > 0 for r in rows if r["method"] == "dpsgd")
    assert all(r["epsilon"] == "" for r in rows if r["method"] != "dpsgd")  # not "nan"
    assert all(r["parameter"] == "" for r in rows if r["method"] == "whole")
    scaling = list(csv.DictReader((out / "scaling.csv").read_text().splitlines()))
    assert {(r["method"], r["n"]) for r in scaling} == {
        (m, n) for m in ("dm-noise", "whole") for n in ("56", "112")}
    results = json.loads((out / "results.json").read_text())
    assert results["provenance"]["seed"] == 2
    assert results["provenance"]["config"]["dataset"] == "mixture"
    assert [v[:3] for v in results["verdicts"] if v.startswith("(")] == [
        "(1)", "(2)", "(3)", "(4)", "(5)"]
    found = results["findings"]
    assert found and all(f["smoke"] for f in found)
    assert {f["outcome"] for f in found} <= {"holds", "does not hold", "inconclusive",
                                             "not enough data"}
    slope = next(f for f in found if f["claim"].startswith("(5)"))
    assert slope["null"] == -1.0 and slope["direction"] == "at_most"
    report = (out / "report.md").read_text()
    assert "Is dataset condensation private?" in report
    assert "56 always-IN filler points: 42 members per class" in report  # (56 + 56/2) / 2
    conv = results["dm_convergence"]
    assert set(conv) == {"dm-noise ipc=2", "dm-real ipc=2"}
    assert all(c["iterations"] == 20 for c in conv.values())
    assert "## DM convergence" in report and "drop over the last tenth" in report
    for fig in ("tradeoff.png", "scaling.png"):
        assert (out / fig).read_bytes()[:4] == b"\x89PNG"
    assert "(5) O(m/n)" in res.stdout
