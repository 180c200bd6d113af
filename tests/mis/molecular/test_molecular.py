"""``mis molecular``: the findings logic on constructed rows, bad input, and a small end-to-end
run (files, provenance, the feature cache reused)."""

import csv
import json

import numpy as np
import pytest

from mis.data import cached_features, load_dataset
from mis.molecular import TradeoffPoint, findings
from tests.cli import run_mis as _mis


def _row(dataset, embedder, task, quantizer, auc, sparsity, bits, perf):
    return TradeoffPoint(dataset, embedder, task, quantizer, auc, sparsity, bits, perf)


def _rows(*, embedder_shift, reg_loss, cls_loss, num_quantizers=16):
    """Two datasets × two embedders; leakage falls with sparsity, not with bits (bits drawn
    independently of sparsity); the safest quantizer loses ``reg_loss`` / ``cls_loss`` of the
    head. Enough quantizers that resampling them decides the claims."""
    rng = np.random.default_rng(0)
    zoo = [("none", 0.0, 32.0)] + [
        (f"q{i}", float(s), float(b)) for i, (s, b) in enumerate(zip(
            np.linspace(0, 0.95, num_quantizers - 1), rng.permutation(
                np.linspace(1, 8, num_quantizers - 1)), strict=True))]
    leak = {q: 0.80 - 0.3 * s for q, s, _ in zoo}
    low = min(leak.values())
    rows = []
    for dataset, task, loss, top in (("r", "regression", reg_loss, 0.8),
                                     ("c", "classification", cls_loss, 0.9)):
        for e, shift in (("e1", 0.0), ("e2", embedder_shift)):
            for q, sparsity, bits in zoo:
                drop = loss * (0.80 - leak[q]) / (0.80 - low)  # the safest loses `loss`
                head = top if task == "regression" else top - 0.5
                rows.append(_row(dataset, e, task, q, leak[q] + shift, sparsity, bits,
                                 top - drop * head))
    return rows


def test_findings_hold_on_rows_built_to_satisfy_them():
    found = findings(_rows(embedder_shift=0.01, reg_loss=0.5, cls_loss=0.2))
    assert [f.outcome for f in found] == ["holds"] * 5, [f.line() for f in found]
    assert found[0].estimate.value == pytest.approx(-1.0)  # leakage is a function of sparsity
    assert "regression 0.500, classification 0.200" in found[3].note
    assert found[4].estimate.value == pytest.approx(0.01 - 0.5 * 0.285)
    assert found[0].confidence == pytest.approx(0.99)  # Bonferroni over five


def test_findings_fail_when_the_numbers_say_so():
    found = findings(_rows(embedder_shift=0.2, reg_loss=0.1, cls_loss=0.3))
    assert found[3].outcome == "does not hold" and "regression 0.100" in found[3].note
    assert found[4].outcome == "does not hold"


def test_few_quantizers_cannot_decide_what_sixteen_can():
    """The same law on four quantizers: resampling four items gives degenerate intervals
    (two thirds of the draws repeat an item), so no finding is decided; on six the interval
    of the weakest claim stays open."""
    found = findings(_rows(embedder_shift=0.01, reg_loss=0.5, cls_loss=0.2, num_quantizers=4))
    assert {f.outcome for f in found} == {"not enough data"}
    assert "resampling needs at least 5" in found[0].note
    found = findings(_rows(embedder_shift=0.01, reg_loss=0.5, cls_loss=0.2, num_quantizers=6))
    assert found[1].outcome == "inconclusive", found[1].line()


def test_truncated_cache_file_is_recomputed_and_a_file_as_cache_dir_refused(tmp_path):
    """Issue 22: a truncated .npy in the cache raised; --cache-dir naming a file raised late."""
    from mis.errors import UserError
    from mis.molecular import MolecularConfig

    data = load_dataset("freesolv")
    feats, hit = cached_features(data, "maccs", cache_dir=tmp_path)
    assert not hit
    (cached,) = (tmp_path / "features").glob("*.npy")
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    again, hit = cached_features(data, "maccs", cache_dir=tmp_path)
    assert not hit and (again == feats).all()
    assert cached_features(data, "maccs", cache_dir=tmp_path)[1]  # repaired
    (tmp_path / "afile").write_text("x")
    with pytest.raises(UserError, match="is not a directory"):
        MolecularConfig(cache_dir=str(tmp_path / "afile"))


def test_findings_without_the_data_say_so_instead_of_a_verdict():
    """One embedder: no spread across embedders; one task type: no regression/classification
    comparison. Those findings print "not enough data", never "does not hold" (issue 22)."""
    rows = [r for r in _rows(embedder_shift=0.01, reg_loss=0.5, cls_loss=0.2)
            if r.embedder == "e1" and r.task == "regression"]
    found = findings(rows)
    assert found[0].outcome == "holds"
    assert found[3].outcome == "not enough data" and found[4].outcome == "not enough data"


@pytest.mark.parametrize("args, message", [
    (["--datasets", "nope"], "dataset 'nope' is unknown"),
    (["--embedders", "morgan,ecfp"], "embedder 'ecfp' is unknown"),
    (["--quantizers", "uniform:1"], "bad quantizer spec 'uniform:1'"),
    (["--fp-size", "0"], "fp_size=0 is not allowed"),
    (["--num-models", "9"], "num_models=9 must be even"),
    (["--recipes", "tuned,lucky"], "recipe 'lucky' is unknown"),
    (["--val-fraction", "1"], "val_fraction=1.0 is not allowed"),
    (["--l2-grid", "0.1,-1"], "l2_grid value -1.0 is not allowed"),
])
def test_bad_flags_are_one_line_errors_and_write_nothing(args, message, tmp_path):
    res = _mis("molecular", "--smoke", "--out", str(tmp_path / "out"), *args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_toml_key_is_rejected(tmp_path):
    cfg = tmp_path / "m.toml"
    cfg.write_text("[molecular]\nembeders = ['maccs']\n")
    res = _mis("molecular", "--config", str(cfg), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "unknown key(s) 'embeders'" in res.stderr
    assert not (tmp_path / "out").exists()


def test_the_validation_split_avoids_the_test_split_and_the_shadows_points():
    import jax

    from mis.molecular import MolecularConfig, recipe_split

    ds = load_dataset("freesolv")
    config = MolecularConfig(datasets=("freesolv",))
    fit, val = recipe_split(config, ds, "maccs", jax.random.key(0))
    train_index = np.flatnonzero(ds.is_train)
    assert fit.size == val.size == train_index.size
    assert not np.any(fit & val) and np.all(fit | val)  # the shadows' pool is `fit`
    assert val.sum() == round(0.2 * train_index.size)
    assert not np.any(~ds.is_train[train_index[val]])  # validation molecules are training ones
    again, _ = recipe_split(config, ds, "maccs", jax.random.key(0))
    other, _ = recipe_split(config, ds, "morgan", jax.random.key(0))
    assert np.array_equal(fit, again) and not np.array_equal(fit, other)


def test_list_names_every_dataset():
    res = _mis("molecular", "--list")
    assert res.returncode == 0
    names = res.stdout.split(": ", 1)[1].strip().split(", ")
    assert {"solubility", "freesolv", "CHEMBL234_Ki", "CHEMBL234_Ki-cliff"} <= set(names)
    assert len(names) == 3 + 2 * 30


@pytest.mark.slow
def test_small_run_writes_every_output(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    res = _mis("molecular", "--config", "experiments/molecular_tradeoff.toml", "--smoke",
               "--datasets", "freesolv,solubility-class", "--embedders", "maccs", "--quantizers",
               "none,prune:0.9", "--out", str(out), "--seed", "3",
               env={"MIS_CACHE_DIR": str(cache)})
    assert res.returncode == 0, res.stderr
    names = {"tradeoff.csv", "results.json", "report.md", "tradeoff.png", "embedders.png"}
    assert names <= {p.name for p in out.iterdir()}
    rows = list(csv.DictReader((out / "tradeoff.csv").read_text().splitlines()))
    assert [(r["dataset"], r["recipe"], r["quantizer"]) for r in rows] == [
        (d, recipe, q) for d in ("freesolv", "solubility-class") for recipe in ("tuned", "fixed")
        for q in ("none", "prune:0.9")]
    fixed = [r for r in rows if r["recipe"] == "fixed"]
    assert {(float(r["l2"]), int(r["steps"])) for r in fixed} == {(1e-3, 100)}
    tuned = [r for r in rows if r["recipe"] == "tuned"]
    assert all(float(r["l2"]) in (1e-4, 1e-3, 1e-2, 1e-1) and 1 <= int(r["steps"]) <= 100
               for r in tuned)
    rows = fixed
    for r in rows:
        assert 0.0 <= float(r["LiRA_auc"]) <= 1.0
        perf = float(r["r2"] if r["task"] == "regression" else r["auroc"])
        assert float(r["r2_lo" if r["task"] == "regression" else "auroc_lo"]) <= perf
    none = {r["dataset"]: r for r in rows if r["quantizer"] == "none"}
    assert float(none["freesolv"]["r2"]) > 0.3  # a working head (DATA.md: RF on Morgan 0.69)
    assert float(none["solubility-class"]["auroc"]) > 0.7
    data = json.loads((out / "results.json").read_text())
    assert data["provenance"]["seed"] == 3 and data["provenance"]["config"]["embedders"] == [
        "maccs"]
    assert len(data["findings"]) == 5 and data["primary_recipe"] == "tuned"
    assert set(data["recipes"]) == {"tuned", "fixed"}
    assert all(len(v["findings"]) == 5 for v in data["recipes"].values())
    assert all(p["invalid_smiles"] == [] for p in data["pairs"])
    by_recipe = {(p["dataset"], p["recipe"]): p for p in data["pairs"]}
    for d in ("freesolv", "solubility-class"):
        tuned, fixed = by_recipe[d, "tuned"], by_recipe[d, "fixed"]
        assert fixed["num_validation"] == 0
        assert tuned["num_train"] + tuned["num_validation"] == fixed["num_train"]
    report = (out / "report.md").read_text()
    assert "## Recipes side by side" in report and "| freesolv | maccs | tuned |" in report
    section = report.split("## The paper's findings")[1].split("##")[0]
    verdicts = [line for line in section.splitlines() if line.startswith("- **")]
    assert len(verdicts) == 5
    assert all(any(f"- **{w}** (smoke-sized): (" in v for w in (
        "holds", "does not hold", "inconclusive", "not enough data")) for v in verdicts)
    # one embedder, two quantizers: nothing can be decided (issue 22: never "does not hold")
    assert all(v.startswith("- **not enough data**") for v in verdicts)
    assert "Bonferroni" in section
    assert len(list((cache / "features").glob("*.npy"))) == 2  # one per dataset (maccs)
    _, hit = cached_features(load_dataset("freesolv"), "maccs", cache_dir=cache)
    assert hit  # the run stored its features under the key a later run looks up
