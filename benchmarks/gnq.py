"""Gradient uniqueness per training step: the ghost Gram vs explicit per-example gradients vs
the naive P x P inverse per example (the timing comparison of arXiv 2510.10902's scripts).

Case ``mlp-100k``: an MLP 256-256-128-10 (99 978 parameters), batch 128, softmax cross-entropy:
GNQ of the batch from (a) the ghost Gram ``Σ_l (A_l A_lᵀ + 1) ⊙ (Δ_l Δ_lᵀ)`` (one forward and
backward, no per-example gradient), (b) ``vmap(grad)`` per-example gradients and their Gram; both
solve the 128 x 128 system in float64. The naive form is not run at this size: one P x P float64
matrix is 80 GB. Case ``mlp-1k``: an MLP 32-24-10 (1 042 parameters), batch 128: the same two
and (c) the naive loop a user writes from the definition, ``g_jᵀ (Σ_{k≠j} g_k g_kᵀ + λI)^{-1}
g_j`` with NumPy float64 for every example; the three results agree (max relative difference
reported). Times are the best of several calls after a warm-up (compilation excluded).

Run: ``make bench`` (or ``python benchmarks/gnq.py [--quick]``). Writes
``benchmarks/results/gnq.json``.
"""

import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import bench_parser, best_time, print_row, write_result  # noqa: E402

from mis.shadow import MLPLearner, per_example_gradients  # noqa: E402
from mis.uniqueness import gnq, gnq_from_gram, mlp_ghost_gram  # noqa: E402

RIDGE = 1e-2


def setup(d, hidden, batch, seed=0):
    learner = MLPLearner(hidden=hidden, num_outputs=10)
    params = learner.init(jax.random.key(seed), d)
    x = jax.random.normal(jax.random.key(seed + 1), (batch, d))
    y = jnp.arange(batch) % 10
    size = sum(a.size for a in jax.tree.leaves(params))
    return learner, params, x, y, size


def naive(grads: np.ndarray) -> np.ndarray:
    """The definition, one P x P solve per example (float64)."""
    g = grads.astype(np.float64)
    total = g.T @ g + RIDGE * np.eye(g.shape[1])
    return np.array([g[j] @ np.linalg.solve(total - np.outer(g[j], g[j]), g[j])
                     for j in range(g.shape[0])])


def case(name, d, hidden, batch, with_naive, repeats):
    learner, params, x, y, size = setup(d, hidden, batch)
    ghost = jax.jit(lambda p: gnq_from_gram(mlp_ghost_gram(learner, p, x, y, dtype=jnp.float32),
                                            RIDGE)[0])
    explicit = jax.jit(lambda p: gnq(per_example_gradients(learner.loss, p, x, y), RIDGE))
    t_ghost = best_time(lambda: ghost(params), repeats)
    t_explicit = best_time(lambda: explicit(params), repeats)
    a, b = np.asarray(ghost(params), np.float64), np.asarray(explicit(params), np.float64)
    row = {"case": name, "parameters": size, "batch": batch, "ghost_ms": 1e3 * t_ghost,
           "explicit_ms": 1e3 * t_explicit, "explicit_over_ghost": t_explicit / t_ghost,
           "max_rel_diff_ghost_explicit": float(np.max(np.abs(a - b) / np.abs(b)))}
    if with_naive:
        flat = np.asarray(jnp.concatenate([v.reshape(batch, -1) for v in jax.tree.leaves(
            per_example_gradients(learner.loss, params, x, y))], axis=1))
        t = time.perf_counter()
        c = naive(flat)
        t_naive = time.perf_counter() - t
        row |= {"naive_ms": 1e3 * t_naive, "naive_over_ghost": t_naive / t_ghost,
                "naive_over_explicit": t_naive / t_explicit,
                "max_rel_diff_naive_explicit": float(np.max(np.abs(c - b) / np.abs(c)))}
    else:
        row["naive"] = f"not run: one P x P float64 matrix is {8 * size**2 / 1e9:.0f} GB"
    print_row(row)
    return row


def main(argv=None):
    args = bench_parser(__doc__, "gnq", "batch 32 and fewer repeats").parse_args(argv)
    batch, repeats = (32, 3) if args.quick else (128, 10)
    cases = [case("mlp-100k", 256, (256, 128), batch, False, repeats),
             case("mlp-1k", 32, (24,), batch, True, repeats)]
    write_result(args.out, "gnq", args.quick, cases)


if __name__ == "__main__":
    main()
