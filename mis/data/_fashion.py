"""Fashion-MNIST from the standard IDX files (host files, device arrays).

70,000 grey 28x28 images of 10 balanced classes of clothing (60,000 train, 10,000 test, the
published split), © Zalando SE, MIT licence. The four files
``{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` are the ones every framework downloads; on
Debian the package ``dataset-fashion-mnist`` installs them into :data:`FASHION_DIR` (``make
setup`` does so where ``apt-get`` and root are available). Elsewhere, point ``directory=``,
``$MIS_FASHION_MNIST`` or a study's ``fashion_dir`` at a folder holding them. Nothing is
downloaded.

IDX (LeCun et al.): big-endian ``uint32`` magic ``0x00000803`` (images: 3 dimensions) or
``0x00000801`` (labels), then each dimension as ``uint32``, then the ``uint8`` data. Pixels are
scaled to [0, 1] by dividing by 255.

References:
    Xiao, Rasul, Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
    Learning Algorithms", arXiv 1708.07747, 2017.
"""

from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from mis.data._generators import Dataset
from mis.errors import UserError

FASHION_DIR = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist
FASHION_ENV = "MIS_FASHION_MNIST"
FASHION_CLASSES = 10
FASHION_SIZES = {"train": 60000, "test": 10000}
_PREFIX = {"train": "train", "test": "t10k"}
_HELP = (f"install Debian's package dataset-fashion-mnist (it puts them in {FASHION_DIR}), or "
         f"set ${FASHION_ENV} to a folder holding the four IDX files")


def fashion_dir(directory: str | os.PathLike | None = None) -> Path:
    """The folder read: ``directory``, else ``$MIS_FASHION_MNIST``, else :data:`FASHION_DIR`."""
    return Path(directory or os.environ.get(FASHION_ENV) or FASHION_DIR)


def read_idx(path: str | os.PathLike, *, magic: int, expected: int | None = None) -> np.ndarray:
    """The ``uint8`` array of a gzipped IDX file, checked against its own header: the magic
    number (``0x803`` images, ``0x801`` labels), the dimensions it declares and the bytes that
    follow; ``expected`` items along the first axis when given. A missing, truncated or foreign
    file is a one-line ``UserError`` naming it."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"Fashion-MNIST file {str(path)!r} is missing; {_HELP}")
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as err:
        raise UserError(f"Fashion-MNIST file {str(path)!r} cannot be read ({err}); it is "
                        "truncated or not gzip") from None
    ndim = magic & 0xFF
    head = 4 + 4 * ndim
    if len(raw) < head or int.from_bytes(raw[:4], "big") != magic:
        raise UserError(f"Fashion-MNIST file {str(path)!r} is not an IDX file of magic "
                        f"{magic:#010x}")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    size = int(np.prod(dims))
    if len(raw) - head != size:
        raise UserError(f"Fashion-MNIST file {str(path)!r} is truncated: its header declares "
                        f"{dims} ({size} bytes), it holds {len(raw) - head}")
    if expected is not None and dims[0] != expected:
        raise UserError(f"Fashion-MNIST file {str(path)!r} holds {dims[0]} items; the "
                        f"published split has {expected}")
    return np.frombuffer(raw, np.uint8, offset=head).reshape(dims)


@functools.lru_cache(maxsize=4)
def _read_split(directory: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    folder, prefix, n = Path(directory), _PREFIX[split], FASHION_SIZES[split]
    images = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz", magic=0x803, expected=n)
    labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", magic=0x801, expected=n)
    if images.shape[1:] != (28, 28):
        raise UserError(f"Fashion-MNIST images in {directory!r} are {images.shape[1:]}, not "
                        "28x28")
    if labels.max(initial=0) >= FASHION_CLASSES:
        raise UserError(f"Fashion-MNIST labels in {directory!r} exceed 0..9")
    return (images.astype(np.float32) / 255.0)[..., None], labels.astype(np.int32)


def load_fashion_mnist(split: str = "train", *,
                       directory: str | os.PathLike | None = None) -> Dataset:
    """Fashion-MNIST as ``Dataset(x [n, 28, 28, 1] float32 in [0, 1], y [n] int32 in 0..9)``.

    ``split``: ``"train"`` (60,000) or ``"test"`` (10,000), in the files' order (the published
    split). ``directory``: see :func:`fashion_dir`.
    """
    if split not in FASHION_SIZES:
        raise UserError(f"split={split!r} is unknown; use train or test")
    images, labels = _read_split(str(fashion_dir(directory)), split)
    return Dataset(jnp.asarray(images), jnp.asarray(labels))


__all__ = ["FASHION_CLASSES", "FASHION_DIR", "FASHION_ENV", "FASHION_SIZES", "fashion_dir",
           "load_fashion_mnist", "read_idx"]
