"""The real data sets a study can name by one word (host): the 8x8 digits, Fashion-MNIST and
UCI Adult, with what a study needs to know about each before loading it."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from mis.data._adult import ADULT_SIZES, load_adult
from mis.data._fashion import FASHION_CLASSES, FASHION_SIZES, load_fashion_mnist
from mis.data._generators import Dataset
from mis.data._images import DIGITS_CLASSES, DIGITS_TRAIN, load_digits
from mis.errors import UserError


class RealSet(NamedTuple):
    """A shipped data set: ``kind`` is ``"image"`` (``[n, H, W, 1]``, a ConvNet) or ``"table"``
    (``[n, d]``, an MLP); ``train_size`` rows in its published training split; ``load(split)``
    gives ``"train"`` or ``"test"`` as a :class:`Dataset`."""

    name: str
    kind: str
    num_classes: int
    train_size: int
    load: Callable[[str], Dataset]

    @property
    def train_words(self) -> str:
        """How messages name its training split: ``"training digits"``, else ``"training rows
        of <name>"``."""
        return "training digits" if self.name == "digits" else f"training rows of {self.name}"


REAL_SETS = {
    "digits": RealSet("digits", "image", DIGITS_CLASSES, DIGITS_TRAIN, load_digits),
    "fashion-mnist": RealSet("fashion-mnist", "image", FASHION_CLASSES, FASHION_SIZES["train"],
                             load_fashion_mnist),
    "adult": RealSet("adult", "table", 2, ADULT_SIZES["train"], load_adult),
}


def real_set(name: str) -> RealSet:
    """The :class:`RealSet` called ``name`` (one-line ``UserError`` listing the names)."""
    if name not in REAL_SETS:
        raise UserError(f"data set {name!r} is unknown; use one of {', '.join(REAL_SETS)}")
    return REAL_SETS[name]


__all__ = ["REAL_SETS", "RealSet", "real_set"]
