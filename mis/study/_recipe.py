"""The recipe most studies share: the learner for a dataset and the pool with canaries
(host builds, device trains)."""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from mis.data import (
    REAL_SETS,
    Dataset,
    canary_pool,
    make_gaussian_mixture,
    sample_gaussian_mixture,
)
from mis.shadow import DPSGD, ConvLearner, MLPLearner


def network_learner(dataset: str, *, num_outputs: int, steps: int, learning_rate: float,
                    channels: tuple[int, ...], hidden: tuple[int, ...],
                    optimizer: str = "adam", dp: DPSGD | None = None,
                    l2: float = 0.0,
                    batch_size: int | None = None) -> ConvLearner | MLPLearner:
    """The ConvNet (``channels``) on an image set (digits, fashion-mnist), else the MLP
    (``hidden``) on vectors (adult, a mixture); both full-batch unless ``dp`` (DP-SGD) or
    ``batch_size`` (uniform draws per step), with the ``l2/2 ‖θ‖²`` penalty ``l2``.

    Example:
        >>> type(network_learner("mixture", num_outputs=2, steps=5, learning_rate=0.01,
        ...                      channels=(4,), hidden=(8,))).__name__
        'MLPLearner'
    """
    if is_image_set(dataset):
        return ConvLearner(channels=channels, num_outputs=num_outputs, steps=steps,
                           learning_rate=learning_rate, optimizer=optimizer, dp=dp, l2=l2,
                           batch_size=batch_size)
    return MLPLearner(hidden=hidden, num_outputs=num_outputs, steps=steps,
                      learning_rate=learning_rate, optimizer=optimizer, dp=dp, l2=l2,
                      batch_size=batch_size)


def is_image_set(dataset: str) -> bool:
    """Whether ``dataset`` names a shipped image set (a ConvNet's input)."""
    return dataset in REAL_SETS and REAL_SETS[dataset].kind == "image"


class CanaryData(NamedTuple):
    """The audit pool (ordinary points, then mislabeled, then out-of-distribution canaries),
    each point's kind (``"ordinary"``, ``"mislabeled"``, ``"ood"``), an always-IN filler, the
    test set and the number of classes."""

    pool: Dataset
    kind: np.ndarray
    filler: Dataset
    test: Dataset
    num_classes: int

    @property
    def is_canary(self) -> np.ndarray:
        """``[n]`` bool: the point is a canary (mislabeled or out-of-distribution)."""
        return self.kind != "ordinary"


def canary_data(key: jax.Array, dataset: str, *, pool_size: int, num_mislabeled: int,
                num_ood: int, d: int = 16, filler: int = 0) -> CanaryData:
    """The canary recipe of ``mis uniqueness`` and ``mis condense``.

    A shipped set (digits, fashion-mnist, adult; :data:`mis.data.REAL_SETS`): the first
    ``pool_size`` rows of its training split, the next ``num_mislabeled`` with a uniformly
    drawn wrong label, ``num_ood`` uniform-noise inputs with random labels (images in [0, 1];
    table rows in [−4, 4] per standardised feature); filler = the remaining training rows; the
    test split. Mixture (2 classes, 4 modes, ``R^d``): draws
    with the mislabeled ones' labels flipped, out-of-distribution points = draws scaled by 4,
    ``filler`` further draws, 1000 test draws. Keys: ``task, pool, test, labels, ood =
    split(key, 5)``.

    Example:
        >>> data = canary_data(jax.random.key(0), "mixture", pool_size=6, num_mislabeled=2,
        ...                    num_ood=1, d=3)
        >>> data.pool.x.shape, [str(k) for k in data.kind], data.num_classes
        ((9, 3), ['ordinary', 'ordinary', 'ordinary', 'ordinary', 'ordinary', 'ordinary', \
'mislabeled', 'mislabeled', 'ood'], 2)
    """
    task_key, pool_key, test_key, label_key, ood_key = jax.random.split(key, 5)
    n, k, o = pool_size, num_mislabeled, num_ood
    if dataset in REAL_SETS:
        real = REAL_SETS[dataset]
        train, test = real.load("train"), real.load("test")
        x, y = train.x[:n + k], train.y[:n + k]
        rest = Dataset(train.x[n + k:], train.y[n + k:])
        if real.kind == "image":
            x_ood = jax.random.uniform(ood_key, (o, *x.shape[1:]))
        else:
            x_ood = jax.random.uniform(ood_key, (o, *x.shape[1:]), minval=-4.0, maxval=4.0)
        classes = real.num_classes
    else:
        task = make_gaussian_mixture(task_key, d=d, k_modes=4)
        drawn = sample_gaussian_mixture(pool_key, n + k + o + max(filler, 0), task=task)
        test = sample_gaussian_mixture(test_key, 1000, task=task)
        x, y = drawn.x[:n + k], drawn.y[:n + k]
        x_ood = 4.0 * drawn.x[n + k:n + k + o]
        rest = Dataset(drawn.x[n + k + o:], drawn.y[n + k + o:])
        classes = 2
    pool, kind = canary_pool(label_key, ood_key, x, y, x_ood, num_mislabeled=k,
                             num_classes=classes)
    return CanaryData(pool, kind, rest, test, classes)


__all__ = ["CanaryData", "canary_data", "is_image_set", "network_learner"]
