"""GNQ against explicit float64 leave-one-out inverses, Sherman–Morrison, closed forms, and the
ghost Gram against explicit per-example gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from mis.shadow import MLPLearner, per_example_gradients
from mis.uniqueness import (
    batch_scores,
    flat_gradients,
    gnq,
    gnq_from_gram,
    gram,
    mlp_ghost_gram,
    per_example_auc,
    spearman,
        top_overlap,
)


def _loo(g, ridge):
    """``g_jᵀ (Σ_{k≠j} g_k g_kᵀ + λI)^{-1} g_j`` with explicit P x P matrices (float64)."""
    g = np.asarray(g, np.float64)
    out = []
    for j in range(g.shape[0]):
        others = np.delete(g, j, axis=0)
        s = others.T @ others + ridge * np.eye(g.shape[1])
        out.append(g[j] @ np.linalg.solve(s, g[j]))
    return np.array(out)


@pytest.mark.parametrize("batch, dim, ridge", [(6, 40, 1e-2), (8, 3, 0.5), (5, 12, 1e-4)])
def test_gnq_equals_the_explicit_leave_one_out_inverse(batch, dim, ridge):
    g = np.random.default_rng(batch).normal(size=(batch, dim)).astype(np.float32)
    want = _loo(g, ridge)
    np.testing.assert_allclose(gnq(jnp.asarray(g), ridge), want, rtol=2e-5)
    # Sherman–Morrison: h_j = g_jᵀ (Σ_k g_k g_kᵀ + λI)^{-1} g_j and GNQ = h / (1 − h)
    gd = g.astype(np.float64)
    a = gd.T @ gd + ridge * np.eye(dim)
    h = np.einsum("ij,ij->i", gd, np.linalg.solve(a, gd.T).T)
    np.testing.assert_allclose(h / (1 - h), want, rtol=1e-6)
    np.testing.assert_allclose(gnq_from_gram(gd @ gd.T, ridge)[1], h, rtol=1e-5)


@pytest.mark.parametrize("batch, dim", [(6, 40), (8, 3), (5, 5)])
def test_pinv_form_equals_the_explicit_pseudo_inverse(batch, dim):
    """``g_jᵀ S_{-j}⁺ g_j`` against NumPy's pseudo-inverse of the explicit ``P x P`` matrix,
    for more dimensions than examples (gradients outside the others' span) and fewer; a zero
    row scores 0 and leaves the others as if it were absent."""
    import jax

    from mis.uniqueness import pinv_from_gram

    g = np.random.default_rng(batch).normal(size=(batch, dim))
    g[-1] = 0.0
    want = []
    for j in range(batch):
        others = np.delete(g, j, axis=0)
        want.append(g[j] @ np.linalg.pinv(others.T @ others, rcond=1e-10) @ g[j])
    with jax.enable_x64(True):
        got = np.asarray(pinv_from_gram(jnp.asarray(g @ g.T)))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    assert got[-1] == 0.0


def test_large_gnq_keeps_its_precision():
    """An almost-unique gradient with a tiny ridge: h is within 1e-6 of 1, where computing
    1 − h as a difference in float32 would lose every digit."""
    g = np.zeros((3, 4), np.float32)
    g[0, 0], g[1, 1], g[2, 2] = 30.0, 1.0, 1.0
    np.testing.assert_allclose(gnq(jnp.asarray(g), 1e-4), _loo(g, 1e-4), rtol=1e-6)


def test_an_orthogonal_gradient_gets_its_norm_over_the_ridge():
    g = np.zeros((4, 6), np.float32)
    g[0, 0] = 3.0
    g[1:, 1:4] = np.random.default_rng(0).normal(size=(3, 3))
    ridge = 0.25
    assert float(gnq(jnp.asarray(g), ridge)[0]) == pytest.approx(9.0 / ridge, rel=1e-6)


def test_a_duplicate_in_the_batch_explains_its_twin():
    """With its twin present, an example's leave-one-out leverage is ``a / (1 + a)`` where
    ``a`` is its GNQ without the twin (Sherman–Morrison): duplication lowers the per-step GNQ,
    and both twins score the same."""
    rng = np.random.default_rng(1)
    g = rng.normal(size=(5, 20)).astype(np.float32)
    alone = float(gnq(jnp.asarray(g), 1e-2)[0])
    twin = np.asarray(gnq(jnp.asarray(np.vstack([g, g[:1]])), 1e-2))
    assert twin[0] == pytest.approx(alone / (1 + alone), rel=1e-5)
    assert twin[-1] == pytest.approx(twin[0], rel=1e-6)
    assert twin[0] < alone


def test_zero_rows_score_zero_and_leave_the_others_unchanged():
    g = np.random.default_rng(2).normal(size=(4, 9)).astype(np.float32)
    padded = np.vstack([g, np.zeros((2, 9), np.float32)])
    values, tracin = batch_scores(jnp.asarray(padded), 1e-2)
    np.testing.assert_allclose(values[:4], _loo(g, 1e-2), rtol=2e-5)
    assert np.all(np.asarray(values[4:]) == 0)
    np.testing.assert_allclose(tracin[:4], np.sum(g.astype(np.float64) ** 2, 1), rtol=1e-6)


def test_scores_stay_float64_under_jit():
    g = np.random.default_rng(3).normal(size=(6, 30)).astype(np.float32) * 30
    values = jax.jit(lambda a: gnq(a, 1e-4))(jnp.asarray(g))
    np.testing.assert_allclose(values, _loo(g, 1e-4), rtol=1e-5)


@pytest.mark.parametrize("task, outputs", [("classification", 3), ("regression", 1)])
def test_ghost_gram_equals_the_gram_of_explicit_per_example_gradients(task, outputs):
    learner = MLPLearner(hidden=(7, 5), num_outputs=max(outputs, 2) if task ==
                         "classification" else 2, task=task)
    x = jax.random.normal(jax.random.key(0), (9, 4))
    y = (jnp.arange(9) % 3) if task == "classification" else jax.random.normal(
        jax.random.key(1), (9,))
    with jax.enable_x64(True):
        params = jax.tree.map(lambda a: a.astype(jnp.float64),
                              learner.init(jax.random.key(2), 4))
        x64 = x.astype(jnp.float64)
        y64 = y if task == "classification" else y.astype(jnp.float64)
        explicit = flat_gradients(per_example_gradients(learner.loss, params, x64, y64))
        want = np.asarray(explicit @ explicit.T)
        ghost = np.asarray(mlp_ghost_gram(learner, params, x64, y64, dtype=jnp.float64))
        assert ghost.dtype == np.float64
    np.testing.assert_allclose(ghost, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    # and the float32 public path agrees to float32 rounding
    params32 = learner.init(jax.random.key(2), 4)
    np.testing.assert_allclose(mlp_ghost_gram(learner, params32, x, y),
                               gram(per_example_gradients(learner.loss, params32, x, y)),
                               rtol=1e-4, atol=1e-5 * np.abs(want).max())


def test_spearman_equals_scipy_with_ties():
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 5, 200), rng.normal(size=200)
    b[:50] = a[:50]
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)


def test_crossed_spearman_covers_the_population_rho():
    """Bivariate normal with ρ_pearson = 0.6: Spearman's population value is
    (6/π) asin(0.3) = 0.582; a 95 % interval from n = 400 (se ≈ 0.035) covers it, and each
    replicate is ρ of the examples drawn by copying."""
    from mis.inference import Replicates, crossed_counts
    from mis.uniqueness import crossed_spearman

    rng = np.random.default_rng(5)
    z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=400)
    _, c = crossed_counts(1, 400, 500, seed=1)
    reps = crossed_spearman(z[:, 0], z[:, 1], c)
    idx = np.repeat(np.arange(400), c[3].astype(int))
    assert reps[3] == pytest.approx(stats.spearmanr(z[idx, 0], z[idx, 1]).statistic, abs=1e-12)
    est = Replicates(spearman(z[:, 0], z[:, 1]), reps).interval()
    truth = 6 / np.pi * np.arcsin(0.3)
    assert est.lower < truth < est.upper
    assert est.upper - est.lower < 0.2


def test_advantage_replicates_recompute_the_per_example_auc_from_the_drawn_models():
    from mis.inference import crossed_counts
    from mis.uniqueness import advantage_replicates, pairwise_wins

    rng = np.random.default_rng(7)
    scores = np.round(rng.normal(size=(12, 6)), 1)
    mask = np.zeros((12, 6), bool)
    for i in range(6):
        mask[rng.permutation(12)[:6], i] = True
    wins = pairwise_wins(scores, mask)
    np.testing.assert_allclose(advantage_replicates(wins, mask, np.ones((1, 12)))[0],
                               2 * per_example_auc(scores, mask) - 1, rtol=1e-12)
    a, _ = crossed_counts(12, 6, 20, seed=2)
    got = advantage_replicates(wins, mask, a)
    for b in range(20):
        rows = np.repeat(np.arange(12), a[b].astype(int))
        sb, mb = scores[rows], mask[rows]
        for i in range(6):
            if mb[:, i].all() or not mb[:, i].any():
                assert np.isnan(got[b, i])
            else:
                want = 2 * roc_auc_score(mb[:, i], sb[:, i]) - 1
                assert got[b, i] == pytest.approx(want, abs=1e-12)


def test_per_example_auc_equals_sklearn():
    rng = np.random.default_rng(6)
    scores = rng.normal(size=(16, 5))
    scores[:, 2] = np.round(scores[:, 2])  # ties
    mask = np.zeros((16, 5), bool)
    for i in range(5):
        mask[rng.permutation(16)[:8], i] = True
    scores[mask[:, 0], 0] += 2
    want = [roc_auc_score(mask[:, i], scores[:, i]) for i in range(5)]
    np.testing.assert_allclose(per_example_auc(scores, mask), want, rtol=1e-12)


def test_top_overlap():
    assert top_overlap([5, 4, 3, 2, 1], [1, 4, 5, 2, 0], 2) == 0.5
    assert top_overlap(np.arange(10), np.arange(10), 3) == 1.0
