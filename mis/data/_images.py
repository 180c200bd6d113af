"""Real images that ship inside an installed package (host files, device arrays).

``load_digits``: the 8x8 handwritten digits of the UCI "Optical Recognition of Handwritten
Digits" test set, 1797 images of 10 classes, as shipped inside scikit-learn
(``sklearn/datasets/data/digits.csv.gz``: 64 pixel counts in 0..16, then the label). We read
that file ourselves (nothing downloads; scikit-learn is not imported) and scale pixels to
[0, 1] by dividing by 16.

The fixed split: a permutation of the 1797 rows by ``numpy.random.default_rng(0)`` (PCG64,
stable across NumPy versions); its first :data:`DIGITS_TRAIN` rows are ``"train"``, the other
597 ``"test"``. ``"all"`` is the file's order.

References:
    Alpaydin, Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning
    Repository, 1998, doi:10.24432/C50P49.
"""

from __future__ import annotations

import functools
import gzip
import importlib.metadata

import jax.numpy as jnp
import numpy as np

from mis.data._generators import Dataset
from mis.errors import UserError

DIGITS_FILE = "sklearn/datasets/data/digits.csv.gz"
DIGITS_SIZE = 1797
DIGITS_TRAIN = 1200
DIGITS_CLASSES = 10
SPLITS = ("train", "test", "all")


@functools.lru_cache(maxsize=1)
def _digits_rows() -> tuple[np.ndarray, np.ndarray]:
    try:
        path = importlib.metadata.distribution("scikit-learn").locate_file(DIGITS_FILE)
        with gzip.open(str(path), "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    except (importlib.metadata.PackageNotFoundError, OSError) as err:
        raise UserError(f"the digits images ({DIGITS_FILE}) are not installed: {err}; "
                        "install scikit-learn (it is in requirements.lock)") from None
    if table.shape != (DIGITS_SIZE, 65):
        raise UserError(f"{DIGITS_FILE} has shape {table.shape}; expected ({DIGITS_SIZE}, 65)")
    images = (table[:, :64] / 16.0).astype(np.float32).reshape(-1, 8, 8, 1)
    return images, table[:, 64].astype(np.int32)


def digits_split_indices(split: str) -> np.ndarray:
    """Row indices (into the file's order) of ``split`` (module docstring)."""
    if split not in SPLITS:
        raise UserError(f"split={split!r} is unknown; use one of {', '.join(SPLITS)}")
    if split == "all":
        return np.arange(DIGITS_SIZE)
    order = np.random.default_rng(0).permutation(DIGITS_SIZE)
    return np.sort(order[:DIGITS_TRAIN] if split == "train" else order[DIGITS_TRAIN:])


def load_digits(split: str = "train") -> Dataset:
    """The 8x8 digits as ``Dataset(x [n, 8, 8, 1] float32 in [0, 1], y [n] int32 in 0..9)``.

    ``split``: ``"train"`` (1200 images), ``"test"`` (597) or ``"all"`` (1797, file order);
    the split is fixed (module docstring).
    """
    idx = digits_split_indices(split)
    images, labels = _digits_rows()
    return Dataset(jnp.asarray(images[idx]), jnp.asarray(labels[idx]))
