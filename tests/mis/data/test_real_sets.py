"""Fashion-MNIST and UCI Adult, read from the files the packages ship: the published counts,
the files' own headers, the documented encoding, and one-line errors for a missing or
truncated file (a small IDX file written here)."""

import gzip

import numpy as np
import pytest

from mis.data import (
    ADULT_SIZES,
    FASHION_SIZES,
    REAL_SETS,
    encode_adult,
    load_adult,
    load_fashion_mnist,
    read_adult_rows,
    read_idx,
    real_set,
)
from mis.data._adult import ADULT_COLUMNS, CATEGORICAL, NUMERICAL, adult_path
from mis.data._fashion import fashion_dir
from mis.errors import UserError

HAVE_FASHION = (fashion_dir() / "train-images-idx3-ubyte.gz").is_file()
needs_fashion = pytest.mark.skipif(not HAVE_FASHION, reason="Fashion-MNIST IDX files absent "
                                   "(make setup installs dataset-fashion-mnist where it can)")


def _idx(path, magic, dims, payload):
    head = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    with gzip.open(path, "wb") as f:
        f.write(head + bytes(payload))


def test_a_small_idx_file_reads_back_and_bad_ones_are_one_line(tmp_path):
    pixels = np.arange(2 * 3 * 4, dtype=np.uint8)
    _idx(tmp_path / "x.gz", 0x803, (2, 3, 4), pixels)
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz", magic=0x803),
                                  pixels.reshape(2, 3, 4))
    _idx(tmp_path / "short.gz", 0x803, (2, 3, 4), pixels[:-5])
    with pytest.raises(UserError, match=r"short.gz' is truncated: its header declares \[2, 3, "
                                        r"4\] \(24 bytes\), it holds 19"):
        read_idx(tmp_path / "short.gz", magic=0x803)
    with pytest.raises(UserError, match="is not an IDX file of magic 0x00000801"):
        read_idx(tmp_path / "x.gz", magic=0x801)
    with pytest.raises(UserError, match="holds 2 items; the published split has 60000"):
        read_idx(tmp_path / "x.gz", magic=0x803, expected=60000)
    with pytest.raises(UserError, match="nope.gz' is missing; install Debian's package"):
        read_idx(tmp_path / "nope.gz", magic=0x803)
    (tmp_path / "raw.gz").write_bytes(b"not gzip at all")
    with pytest.raises(UserError, match="cannot be read"):
        read_idx(tmp_path / "raw.gz", magic=0x803)


def test_a_folder_without_the_files_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MIS_FASHION_MNIST", str(tmp_path))
    with pytest.raises(UserError, match=f"{tmp_path}/train-images-idx3-ubyte.gz' is missing"):
        load_fashion_mnist("train")


@needs_fashion
def test_fashion_mnist_has_the_published_split():
    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    assert train.x.shape == (FASHION_SIZES["train"], 28, 28, 1) == (60000, 28, 28, 1)
    assert test.x.shape == (10000, 28, 28, 1)
    assert np.bincount(np.asarray(train.y)).tolist() == [6000] * 10
    assert np.bincount(np.asarray(test.y)).tolist() == [1000] * 10
    x = np.asarray(train.x[:100])
    assert x.min() == 0.0 and x.max() == 1.0 and x.dtype == np.float32
    raw = read_idx(fashion_dir() / "train-images-idx3-ubyte.gz", magic=0x803)
    np.testing.assert_allclose(x[..., 0], raw[:100] / 255.0)  # the file's own bytes


def test_adult_has_the_published_split_and_the_documented_encoding():
    train_rows = read_adult_rows(adult_path("train"), ADULT_SIZES["train"])
    test_rows = read_adult_rows(adult_path("test"), ADULT_SIZES["test"])
    assert len(train_rows) == 32561 and len(test_rows) == 16281
    missing = sum("?" in r for r in train_rows) + sum("?" in r for r in test_rows)
    assert missing == 3620  # rows with a '?' (workclass, occupation or native-country)
    train, test = load_adult("train"), load_adult("test")
    x, y = np.asarray(train.x), np.asarray(train.y)
    d = len(NUMERICAL) + sum(len({r[ADULT_COLUMNS.index(c)] for r in train_rows})
                             for c in CATEGORICAL)
    assert x.shape == (32561, d) and np.asarray(test.x).shape == (16281, d)
    from mis.rank._config import ADULT_FEATURES  # rank's memory estimate relies on it

    assert d == ADULT_FEATURES
    positives = sum(r[-1] == ">50K" for r in train_rows)
    assert y.sum() == positives and abs(y.mean() - 0.2408) < 1e-3
    assert np.asarray(test.y).sum() == sum(r[-1] == ">50K." for r in test_rows)
    np.testing.assert_allclose(x[:, :6].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(x[:, :6].std(0), 1, atol=1e-4)
    np.testing.assert_array_equal(x[:, 6:].sum(1), len(CATEGORICAL))  # one hot per attribute
    age = float(train_rows[0][0])
    ages = np.array([float(r[0]) for r in train_rows])
    assert x[0, 0] == pytest.approx((age - ages.mean()) / ages.std(), rel=1e-5)


def test_adult_missing_values_are_a_category_and_unseen_ones_encode_as_zeros():
    base = ["39", "State-gov", "77516", "Bachelors", "13", "Never-married", "Adm-clerical",
            "Not-in-family", "White", "Male", "2174", "0", "40", "United-States", "<=50K"]
    other = list(base)
    other[1], other[-1] = "?", ">50K"
    unseen = list(base)
    unseen[13], unseen[-1] = "Atlantis", ">50K."
    x, y = encode_adult([base, other], [base, other, unseen])
    workclass = x[:, 6:8]  # sorted categories of the training rows: '?', 'State-gov'
    np.testing.assert_array_equal(workclass, [[0, 1], [1, 0], [0, 1]])
    assert x[2, -1] == 0 and x[:2, -1].tolist() == [1, 1]  # native-country: one category
    assert y.tolist() == [0, 1, 1]


def test_a_truncated_adult_file_is_one_line(tmp_path):
    (tmp_path / "adult.data").write_text("39, State-gov, 77516\n")
    with pytest.raises(UserError, match="line 1: 3 fields, expected 15"):
        read_adult_rows(tmp_path / "adult.data")
    (tmp_path / "short.data").write_text(", ".join(["1"] * 15) + "\n")
    with pytest.raises(UserError, match="holds 1 rows; the published split has 32561"):
        read_adult_rows(tmp_path / "short.data", 32561)


def test_real_sets_by_name():
    assert set(REAL_SETS) == {"digits", "fashion-mnist", "adult"}
    assert real_set("adult").kind == "table" and real_set("fashion-mnist").kind == "image"
    with pytest.raises(UserError, match="data set 'cifar' is unknown; use one of digits"):
        real_set("cifar")
