"""load_digits against scikit-learn's own loader: values, labels, the fixed split."""

import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_digits

from mis.data import digits_split_indices, load_digits
from mis.errors import UserError


def test_digits_match_scikit_learn_loader():
    ref = sklearn_digits()
    full = load_digits("all")
    assert full.x.shape == (1797, 8, 8, 1) and full.x.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(full.y), ref.target)
    np.testing.assert_allclose(np.asarray(full.x)[..., 0], ref.images / 16.0, rtol=0, atol=1e-7)
    assert float(full.x.min()) == 0.0 and float(full.x.max()) == 1.0


def test_digits_split_is_fixed_disjoint_and_complete():
    train, test = load_digits("train"), load_digits("test")
    assert train.x.shape[0] == 1200 and test.x.shape[0] == 597
    i, j = digits_split_indices("train"), digits_split_indices("test")
    assert len(np.intersect1d(i, j)) == 0
    np.testing.assert_array_equal(np.union1d(i, j), np.arange(1797))
    ref = sklearn_digits()
    np.testing.assert_array_equal(np.asarray(train.y), ref.target[i])
    np.testing.assert_allclose(np.asarray(test.x)[..., 0], ref.images[j] / 16.0, atol=1e-7)
    # every class is in both halves, in roughly its share (1797 / 10 per class)
    assert set(np.unique(np.asarray(test.y))) == set(range(10))
    np.testing.assert_array_equal(digits_split_indices("train"), i)  # same split every call


def test_unknown_split_is_a_user_error():
    with pytest.raises(UserError, match="split='validation' is unknown"):
        load_digits("validation")


def test_canary_pool_gives_wrong_labels_and_appends_ood_points():
    import jax

    from mis.data import canary_pool

    x = np.arange(12 * 2, dtype=np.float32).reshape(12, 2)
    y = np.arange(12) % 4
    x_ood = np.full((3, 2), 99.0, np.float32)
    pool, kind = canary_pool(jax.random.key(0), jax.random.key(1), x, y, x_ood,
                             num_mislabeled=5, num_classes=4)
    got = np.asarray(pool.y)
    assert list(kind) == ["ordinary"] * 7 + ["mislabeled"] * 5 + ["ood"] * 3
    np.testing.assert_array_equal(got[:7], y[:7])
    assert np.all(got[7:12] != y[7:12]) and np.all((got >= 0) & (got < 4))
    np.testing.assert_array_equal(np.asarray(pool.x)[12:], x_ood)
    np.testing.assert_array_equal(np.asarray(pool.x)[:12], x)
