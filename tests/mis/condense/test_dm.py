"""Distribution matching against independent computations: the loss against NumPy, its
gradient against finite differences, the linear-embedding optimum against the closed form
(per-class member means) and its O(1/n) move; the Siamese augmentation; member selection;
DM's real mini-batches (uniform, unbiased, and the whole class when the batch covers it)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from mis.condense import (
    Augment,
    augment_by_class,
    augment_image,
    class_means,
    condense,
    dm_loss,
    identity,
    random_embedding,
    sample_augment,
    sample_per_class,
    select_per_class,
)
from mis.data import Dataset, load_digits
from mis.shadow import ConvLearner, MLPLearner


def _numpy_dm_loss(w, real_x, real_y, weights, syn_x, syn_y, num_classes):
    fr, fs = real_x.reshape(len(real_x), -1) @ w, syn_x.reshape(len(syn_x), -1) @ w
    total = 0.0
    for c in range(num_classes):
        sel = (real_y == c) & (weights > 0)
        if not sel.any():
            continue
        mr = (fr[real_y == c] * weights[real_y == c, None]).sum(0) / weights[real_y == c].sum()
        total += ((mr - fs[syn_y == c].mean(0)) ** 2).sum()
    return total


def test_dm_loss_equals_numpy_for_a_fixed_linear_embedding():
    rng = np.random.default_rng(0)
    real_x, real_y = rng.normal(size=(30, 5)), rng.integers(0, 3, 30)
    weights = rng.integers(0, 2, 30).astype(float)
    weights[real_y == 2] = 0.0  # a class without members is left out
    syn_x, syn_y = rng.normal(size=(6, 5)), np.repeat(np.arange(3), 2)
    w = rng.normal(size=(5, 4))
    got = dm_loss(jnp.asarray(w, jnp.float32), lambda p, x: x @ p,
                  Dataset(jnp.asarray(real_x, jnp.float32), jnp.asarray(real_y)),
                  jnp.asarray(weights, jnp.float32),
                  Dataset(jnp.asarray(syn_x, jnp.float32), jnp.asarray(syn_y)), 3)
    want = _numpy_dm_loss(w, real_x, real_y, weights, syn_x, syn_y, 3)
    np.testing.assert_allclose(float(got), want, rtol=1e-5)


def test_class_means_weight_members_only():
    f = jnp.array([[1.0], [3.0], [10.0], [5.0]])
    means, totals = class_means(f, jnp.array([0, 0, 0, 1]), jnp.array([1.0, 1.0, 0.0, 0.0]), 2)
    np.testing.assert_allclose(np.asarray(means).ravel(), [2.0, 0.0])
    np.testing.assert_allclose(np.asarray(totals), [2.0, 0.0])


@pytest.mark.parametrize("kind", ["mlp", "conv"])
def test_dm_gradient_matches_central_differences(kind):
    """float64 central differences of the DM loss (network embedding, with augmentation for
    images) against ``jax.grad`` in every coordinate of a few synthetic pixels."""
    with jax.enable_x64(True):
        key = jax.random.key(0)
        if kind == "mlp":
            base = MLPLearner(hidden=(6,), num_outputs=2)
            real = Dataset(jax.random.normal(key, (12, 3), jnp.float64), jnp.arange(12) % 2)
            syn_x = jax.random.normal(jax.random.key(1), (4, 3), jnp.float64)
            augs = None
        else:
            base = ConvLearner(channels=(2,), num_outputs=2)
            real = Dataset(jax.random.uniform(key, (8, 4, 4, 1), jnp.float64), jnp.arange(8) % 2)
            syn_x = jax.random.uniform(jax.random.key(1), (4, 4, 4, 1), jnp.float64)
            augs = Augment(jnp.array([True, False]), jnp.array([[0.0, 0.0], [1.0, -1.0]]),
                           jnp.array([[1.0, 1.0], [1.1, 0.9]]))
        emb = random_embedding("network", base)
        params = jax.tree.map(lambda a: a.astype(jnp.float64),
                              emb.init(jax.random.key(2), real.x.shape[1:]))
        syn_y = jnp.array([0, 0, 1, 1])
        weights = jnp.ones(real.x.shape[0], jnp.float64)
        loss = lambda s: dm_loss(params, emb.apply, real, weights, Dataset(s, syn_y), 2, augs)
        grad = np.asarray(jax.grad(loss)(syn_x)).ravel()
        flat = np.asarray(syn_x).ravel()
        h = 1e-6
        for j in range(0, flat.size, max(1, flat.size // 12)):
            e = np.zeros_like(flat)
            e[j] = h
            up = loss(jnp.asarray((flat + e).reshape(syn_x.shape)))
            down = loss(jnp.asarray((flat - e).reshape(syn_x.shape)))
            np.testing.assert_allclose(grad[j], (float(up) - float(down)) / (2 * h), rtol=1e-4,
                                       atol=1e-8)


def _linear_condense(x, y, weights, ipc=2):
    return condense(jax.random.key(0), Dataset(jnp.asarray(x, jnp.float32), jnp.asarray(y)),
                    jnp.asarray(weights, jnp.float32), ipc=ipc, num_classes=2,
                    iterations=600, embedding=random_embedding("linear", None, width=16),
                    learning_rate=0.2, init="noise", augment=False)


def test_linear_dm_optimum_is_the_member_class_mean_and_moves_by_one_over_n():
    """Closed form (THEORY of the O(m/n) argument): with ψ(x) = Wx the optimum has
    mean S_c = mean of the members of class c; replacing one of the n_c members by x' moves
    it by (x' − x)/n_c."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)) + np.repeat([[0, 0, 0, 0], [3, 3, 3, 3]], 20, axis=0)
    y = np.repeat([0, 1], 20)
    weights = np.ones(40)
    weights[[3, 25]] = 0.0  # non-members do not count
    s = _linear_condense(x, y, weights)
    for c in (0, 1):
        members = (y == c) & (weights > 0)
        np.testing.assert_allclose(np.asarray(s.x)[s.y == c].mean(0), x[members].mean(0),
                                   atol=2e-3)
    assert float(s.losses[-1]) < 1e-4 * float(s.losses[0])
    moved = x.copy()
    moved[0] = x[0] + np.array([5.0, -5.0, 2.0, 0.0])
    s2 = _linear_condense(moved, y, weights)
    n_c = int(((y == 0) & (weights > 0)).sum())
    shift = np.asarray(s2.x)[s2.y == 0].mean(0) - np.asarray(s.x)[s.y == 0].mean(0)
    np.testing.assert_allclose(shift, (moved[0] - x[0]) / n_c, atol=3e-3)
    np.testing.assert_allclose(np.asarray(s2.x)[s2.y == 1], np.asarray(s.x)[s.y == 1],
                               atol=1e-4)


def test_flip_twice_is_the_identity_and_moves_columns_exactly():
    img = jax.random.uniform(jax.random.key(0), (8, 8, 2))
    flip = Augment(jnp.array(True), jnp.zeros(2), jnp.ones(2))
    np.testing.assert_allclose(augment_image(augment_image(img, flip), flip), img, atol=1e-6)
    np.testing.assert_allclose(augment_image(img, flip), img[:, ::-1], atol=1e-6)
    np.testing.assert_allclose(augment_image(img, identity()), img, atol=1e-6)
    shift = Augment(jnp.array(False), jnp.array([1.0, -2.0]), jnp.ones(2))
    out = np.asarray(augment_image(img, shift))
    np.testing.assert_allclose(out[1:, :-2], np.asarray(img)[:-1, 2:], atol=1e-6)
    assert np.all(out[0] == 0) and np.all(out[:, -2:] == 0)  # zero padding


def test_the_same_draw_transforms_real_and_synthetic_images_alike():
    augs = sample_augment(jax.random.key(4), (8, 8, 1), (3,))
    imgs = jax.random.uniform(jax.random.key(5), (3, 8, 8, 1))
    labels = jnp.array([0, 1, 2])
    real = augment_by_class(jnp.concatenate([imgs, imgs]), jnp.concatenate([labels, labels]),
                            augs)
    syn = augment_by_class(imgs, labels, augs)
    np.testing.assert_array_equal(np.asarray(real[:3]), np.asarray(syn))
    np.testing.assert_array_equal(np.asarray(real[3:]), np.asarray(syn))
    draws = sample_augment(jax.random.key(6), (8, 8, 1), (400,))
    chosen = np.stack([np.asarray(draws.flip), np.any(np.asarray(draws.shift) != 0, 1),
                       np.any(np.asarray(draws.scale) != 1, 1)], 1)
    assert chosen.sum(1).max() == 1  # one operation per draw
    scale = np.asarray(draws.scale)
    assert scale.min() >= 1 / 1.2 - 1e-6 and scale.max() <= 1.2 + 1e-6
    assert np.abs(np.asarray(draws.shift)).max() == 1  # ⌈8/8⌉ pixel


def test_select_per_class_draws_distinct_members_and_repeats_when_short():
    y = jnp.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    w = jnp.array([1, 1, 0, 1, 1, 0, 0, 0, 0], jnp.float32)
    index, valid = select_per_class(jax.random.key(0), y, w, 3, 3)
    index, valid = np.asarray(index), np.asarray(valid)
    assert sorted(index[:3]) == [0, 1, 3]  # the three class-0 members, once each
    assert list(index[3:6]) == [4, 4, 4]  # one class-1 member, repeated
    assert list(valid) == [True] * 6 + [False] * 3  # class 2 has no member
    counts = np.zeros(4)
    for s in range(400):
        idx, _ = select_per_class(jax.random.key(s), y, w, 1, 3)
        counts[[0, 1, 3].index(int(idx[0])) if int(idx[0]) != 2 else 3] += 1
    assert counts[3] == 0
    # uniform over the 3 members: each count ~ Binomial(400, 1/3), sd 9.4; 4 sd
    assert np.all(np.abs(counts[:3] - 400 / 3) < 4 * 9.43)


def test_sample_per_class_draws_distinct_members_uniformly():
    y = jnp.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    w = jnp.array([1, 1, 0, 1, 1, 0, 0, 0, 0], jnp.float32)
    index, valid = sample_per_class(jax.random.key(0), y, w, 2, 3)
    index, valid = np.asarray(index), np.asarray(valid)
    assert len(set(index[:2])) == 2 and set(index[:2]) <= {0, 1, 3}
    assert list(index[2:3]) == [4] and list(valid) == [True, True, True, False, False, False]
    counts = np.zeros(9)
    for s in range(300):
        idx, ok = sample_per_class(jax.random.key(s), y, w, 2, 3)
        counts[np.asarray(idx)[np.asarray(ok)]] += 1
    assert counts[[2, 5, 6, 7, 8]].sum() == 0 and counts[4] == 300
    # each of the 3 class-0 members is in a draw of 2 with probability 2/3: Binomial(300, 2/3),
    # sd 8.2; 4 sd
    assert np.all(np.abs(counts[[0, 1, 3]] - 200) < 4 * 8.17)


def test_the_real_batch_mean_is_an_unbiased_estimate_of_the_member_class_mean():
    rng = np.random.default_rng(1)
    f = jnp.asarray(rng.normal(size=(40, 1)), jnp.float32)
    y = jnp.asarray(rng.integers(0, 2, 40))
    w = jnp.asarray(rng.random(40) < 0.6, jnp.float32)
    full, _ = class_means(f, y, w, 2)
    draws = []
    for s in range(2000):
        idx, ok = sample_per_class(jax.random.key(s), y, w, 3, 2)
        draws.append(np.asarray(class_means(f[idx], y[idx], ok.astype(jnp.float32), 2)[0]))
    draws = np.stack(draws)[..., 0]  # [draws, classes]
    se = draws.std(0) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(0) - np.asarray(full)[:, 0]) < 4 * se)


def test_a_real_batch_covering_every_class_is_the_whole_member_mean():
    d = load_digits("train")
    pool = Dataset(d.x[:60], d.y[:60])
    w = (jax.random.uniform(jax.random.key(3), (60,)) < 0.5).astype(jnp.float32)
    base = ConvLearner(channels=(4,), steps=5)
    run = lambda batch: condense(jax.random.key(4), pool, w, ipc=2, num_classes=10,
                                 iterations=5, embedding=random_embedding("network", base),
                                 real_batch=batch)
    whole, batched = run(None), run(60)
    np.testing.assert_allclose(np.asarray(batched.losses), np.asarray(whole.losses),
                               rtol=1e-4)
    np.testing.assert_allclose(np.asarray(batched.x), np.asarray(whole.x), atol=1e-5)
    assert not np.allclose(np.asarray(run(2).x), np.asarray(whole.x), atol=1e-5)
