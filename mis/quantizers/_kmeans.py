"""k-means weight clustering (weight sharing), 1-D Lloyd with k-means++ seeding (device, jnp).

Each group's weights are replaced by the nearest of ``k`` centroids ``c_1 < … < c_k`` that
(locally) minimise the inertia ``Σ_i min_j (w_i − c_j)²``. Seeding draws centroids with
probability proportional to the squared distance to the nearest chosen one (k-means++); Lloyd
iterations then alternate nearest-centroid assignment (a binary search among the mid-points,
which are also the decision thresholds) and centroid means. The best of ``num_inits`` seeded
runs is kept (as scikit-learn's ``n_init``). Deterministic given its key.

References:
    Han, Mao, Dally, "Deep Compression", 2015, arXiv:1510.00149 (weight sharing by k-means).
    Arthur, Vassilvitskii, "k-means++: The Advantages of Careful Seeding", SODA 2007.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from mis.quantizers._base import (
    SCALE_BITS,
    GroupQuantizer,
    distance_to_sorted,
    per_weight,
    quantizer_class,
)


def kmeans_plus_plus(g: jax.Array, k: int, key: jax.Array) -> jax.Array:
    """``k`` seeds drawn from the entries of ``g`` by greedy D² sampling: at each step
    ``2 + ⌊ln k⌋`` candidates are drawn with probability ∝ D² and the one that lowers the
    inertia most is kept (the variant scikit-learn uses)."""
    trials = 2 + int(math.log(k))
    keys = jax.random.split(key, k)
    first = g[jax.random.randint(keys[0], (), 0, g.shape[0])]

    def add(i, carry):
        centroids, d2 = carry
        logits = jnp.where(jnp.sum(d2) > 0, jnp.log(d2), 0.0)  # all equal: uniform draw
        cands = g[jax.random.categorical(keys[i], logits, shape=(trials,))]
        new_d2 = jnp.minimum(d2[None, :], (g[None, :] - cands[:, None]) ** 2)
        best = jnp.argmin(jnp.sum(new_d2, axis=1))
        return centroids.at[i].set(cands[best]), new_d2[best]

    init = (jnp.full((k,), first), (g - first) ** 2)
    return jax.lax.fori_loop(1, k, add, init)[0]


def assign(g: jax.Array, centroids: jax.Array) -> jax.Array:
    """Index of the nearest centroid (``centroids`` sorted)."""
    method = "compare_all" if centroids.shape[0] <= 64 else "scan"  # the former compiles faster
    return jnp.searchsorted((centroids[1:] + centroids[:-1]) / 2, g, method=method)


def lloyd(g: jax.Array, centroids: jax.Array, num_iters: int) -> jax.Array:
    """``num_iters`` Lloyd steps on sorted centroids; an empty cluster keeps its centroid."""
    k = centroids.shape[0]

    def step(_, c):
        a = assign(g, c)
        sums = jax.ops.segment_sum(g, a, num_segments=k)
        counts = jax.ops.segment_sum(jnp.ones_like(g), a, num_segments=k)
        # the means of consecutive intervals stay sorted: no re-sort needed
        return jnp.where(counts > 0, sums / jnp.maximum(counts, 1), c)

    return jax.lax.fori_loop(0, num_iters, step, jnp.sort(centroids))


@quantizer_class
class KMeans(GroupQuantizer):
    """Cluster the weights of each group into ``k`` shared values (needs a key for seeding)."""

    k: int = 16
    num_iters: int = 50
    num_inits: int = 8
    per_channel: bool = False
    needs_key = True

    def __post_init__(self):
        if not isinstance(self.k, int) or isinstance(self.k, bool) or not 2 <= self.k <= 4096:
            raise ValueError(f"kmeans: k={self.k!r} is not allowed; use an integer in 2..4096")

    def centroids(self, g: jax.Array, key: jax.Array) -> jax.Array:
        """Sorted centroids of one group: the best (lowest inertia) of ``num_inits`` runs."""

        def run(k):
            c = lloyd(g, kmeans_plus_plus(g, self.k, k), self.num_iters)
            return c, jnp.sum((c[assign(g, c)] - g) ** 2)

        cs, inertia = jax.vmap(run)(jax.random.split(key, self.num_inits))
        return cs[jnp.argmin(inertia)]

    def cluster(self, w: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        """``(centroids [k], assignment [w.size])`` of the whole tensor ``w`` as one group
        (``c[assignment].reshape(w.shape)`` is ``kmeans:k`` of ``w``): the structure that
        weight-sharing fine-tuning keeps (``mis.compleak``)."""
        g = jnp.asarray(w).reshape(-1)
        c = self.centroids(g, jax.random.split(key, 1)[0])  # the key map_groups gives group 0
        return c, assign(g, c)

    def _group(self, g, key):
        c = self.centroids(g, key)
        return c[assign(g, c)]

    def _group_distance(self, g, key):
        c = self.centroids(g, key)
        return distance_to_sorted(g, (c[1:] + c[:-1]) / 2)

    def storage_bits(self, w: ArrayLike) -> float:
        return per_weight(jnp.shape(w), self.per_channel, math.ceil(math.log2(self.k)),
                          self.k * SCALE_BITS)

    @property
    def spec(self) -> str:
        return f"kmeans:{self.k}" + self._suffix()
