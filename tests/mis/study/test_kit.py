"""The study kit: the recipe's data and learner, and a study registered from its description
alone (no command code) running end to end through ``mis.cli``."""

import argparse
import dataclasses
import json

import jax
import numpy as np
import pytest

from mis.config import at_least, check_design
from mis.data import DIGITS_TRAIN, load_digits, make_gaussian_mixture, sample_gaussian_mixture
from mis.errors import UserError
from mis.shadow import ConvLearner, MLPLearner
from mis.study import Study, canary_data, network_learner


def test_mixture_canaries_follow_their_recipe():
    """Rebuilt by hand from the documented keys: ordinary draws kept, mislabeled labels always
    wrong, OOD = draws scaled by 4, the filler the draws after them, 1000 test draws."""
    key = jax.random.key(3)
    data = canary_data(key, "mixture", pool_size=20, num_mislabeled=5, num_ood=4, d=3,
                       filler=7)
    task_key, pool_key, test_key, _, _ = jax.random.split(key, 5)
    task = make_gaussian_mixture(task_key, d=3, k_modes=4)
    drawn = sample_gaussian_mixture(pool_key, 36, task=task)
    x, y = np.asarray(data.pool.x), np.asarray(data.pool.y)
    np.testing.assert_array_equal(x[:25], np.asarray(drawn.x[:25]))
    np.testing.assert_array_equal(y[:20], np.asarray(drawn.y[:20]))
    assert np.all(y[20:25] != np.asarray(drawn.y[20:25]))  # 2 classes: flipped
    np.testing.assert_allclose(x[25:], 4.0 * np.asarray(drawn.x[25:29]))
    np.testing.assert_array_equal(np.asarray(data.filler.x), np.asarray(drawn.x[29:]))
    assert data.test.x.shape == (1000, 3)
    np.testing.assert_array_equal(np.asarray(data.test.x),
                                  np.asarray(sample_gaussian_mixture(test_key, 1000,
                                                                     task=task).x))
    assert list(data.kind).count("mislabeled") == 5 and list(data.kind).count("ood") == 4
    assert data.is_canary.sum() == 9 and data.num_classes == 2


def test_digits_canaries_take_the_front_of_the_split():
    data = canary_data(jax.random.key(0), "digits", pool_size=30, num_mislabeled=6, num_ood=3)
    train = load_digits("train")
    np.testing.assert_array_equal(np.asarray(data.pool.x[:36]), np.asarray(train.x[:36]))
    assert np.all(np.asarray(data.pool.y[30:36]) != np.asarray(train.y[30:36]))
    ood = np.asarray(data.pool.x[36:])
    assert ood.shape == (3, 8, 8, 1) and ood.min() >= 0 and ood.max() <= 1
    assert data.filler.x.shape[0] == DIGITS_TRAIN - 36 and data.num_classes == 10


def test_network_learner_picks_the_convnet_for_images_only():
    conv = network_learner("digits", num_outputs=10, steps=3, learning_rate=0.1,
                           channels=(4,), hidden=(8,), optimizer="sgd")
    mlp = network_learner("mixture", num_outputs=2, steps=3, learning_rate=0.1,
                          channels=(4,), hidden=(8,))
    assert isinstance(conv, ConvLearner) and conv.channels == (4,) and conv.optimizer == "sgd"
    assert isinstance(mlp, MLPLearner) and mlp.hidden == (8,) and mlp.dp is None


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    num_models: int = 8
    draws: int = 100

    def __post_init__(self):
        check_design(self)
        at_least(self, "draws", 1)

    @staticmethod
    def smoke_sizes(task=None) -> dict:
        return dict(draws=10)


def _toy_run(config, key, *, progress=None):
    return np.asarray(jax.random.normal(key, (config.draws,)))


TOY = Study(name="toy", help="a toy study", config=ToyConfig, run=_toy_run,
            outputs=lambda r, prov, cmd: {"mean.json": json.dumps({"mean": float(r.mean()),
                                                                   "seed": prov["seed"]})
                                                       .encode()},
            summary=lambda r: f"mean {r.mean():.3f}", header=lambda c: f"{c.draws} draws",
            seconds=lambda r: 0.0)


def test_a_study_described_once_becomes_a_command(tmp_path, capsys):
    """register_study gives the flags, --smoke, --seed and --out; running writes the outputs
    and the summary; bad flags are one-line user errors."""
    from mis.commands._common import register_study
    from mis.io import release_out_dirs

    parser = argparse.ArgumentParser()
    register_study(parser.add_subparsers(dest="command"), TOY)
    args = parser.parse_args(["toy", "--smoke", "--seed", "4", "--out", str(tmp_path / "o")])
    try:
        assert args.func(args) == 0
    finally:
        release_out_dirs()  # what mis.cli.main does at its end
    written = json.loads((tmp_path / "o" / "mean.json").read_text())
    expected = float(np.asarray(jax.random.normal(jax.random.key(4), (10,))).mean())
    assert written == {"mean": pytest.approx(expected), "seed": 4}
    assert f"mean {expected:.3f}" in capsys.readouterr().out
    args = parser.parse_args(["toy", "--num-models", "9", "--out", str(tmp_path / "p")])
    with pytest.raises(UserError, match="num_models=9 must be even"):
        args.func(args)
    assert not (tmp_path / "p").exists()
