"""Audit pools with canaries: ordinary points, mislabeled points and out-of-distribution points
(host + jnp), the fixed audit set that ``mis uniqueness`` and ``mis condense`` attack.

Canaries are the points a privacy audit must catch: a mislabeled point is memorised against
its neighbours, an out-of-distribution point has no neighbours at all.

References:
    Carlini et al., "Membership Inference Attacks From First Principles", arXiv:2112.03570
    (mislabeled canaries); Zhao and Zhang, "Does Training with Synthetic Data Truly Protect
    Privacy?", ICLR 2025 (canaries in condensation audits).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from mis.data._generators import Dataset

KINDS = ("ordinary", "mislabeled", "ood")


def canary_pool(label_key: jax.Array, ood_key: jax.Array, x: jax.Array, y: jax.Array,
                x_ood: jax.Array, *, num_mislabeled: int,
                num_classes: int) -> tuple[Dataset, np.ndarray]:
    """``(pool, kind)``: ``x, y`` hold ``n + num_mislabeled`` rows; the last
    ``num_mislabeled`` get the label ``(y + s) mod num_classes`` with ``s`` uniform in
    ``1..num_classes−1`` (drawn with ``label_key``: always a wrong label); ``x_ood`` is appended
    with labels uniform in ``0..num_classes−1`` (``fold_in(ood_key, 1)``). ``kind[i]`` is
    ``"ordinary"``, ``"mislabeled"`` or ``"ood"``."""
    k, o = int(num_mislabeled), int(x_ood.shape[0])
    n = int(x.shape[0]) - k
    y = jnp.asarray(y)
    shift = jax.random.randint(label_key, (k,), 1, num_classes)
    y = y.at[n:].set((y[n:] + shift) % num_classes)
    y_ood = jax.random.randint(jax.random.fold_in(ood_key, 1), (o,), 0, num_classes)
    pool = Dataset(jnp.concatenate([jnp.asarray(x), jnp.asarray(x_ood, x.dtype)]),
                   jnp.concatenate([y, y_ood.astype(y.dtype)]))
    kind = np.array(["ordinary"] * n + ["mislabeled"] * k + ["ood"] * o)
    return pool, kind
