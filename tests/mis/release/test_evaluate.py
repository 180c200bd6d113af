"""``mis.release.evaluate_releases``: the RMIA table (every signal's leave-one-model-out AUC,
the chosen one taken from the battery) and the shared bootstrap (same indicator as without)."""

import jax
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mis.attacks import RMIA_SIGNALS, classifier_signals, rmia_scores, tune_rmia_signal
from mis.data import make_gaussian_mixture, sample_gaussian_mixture
from mis.keys import fold_in_name
from mis.quantizers import parse, quantize_tree
from mis.release import ReleaseSetup, evaluate_releases
from mis.shadow import MLPLearner, train_shadow_models


def test_rmia_table_and_chosen_signal_match_independent_computations(monkeypatch):
    task = make_gaussian_mixture(jax.random.key(0), d=6)
    pool = sample_gaussian_mixture(jax.random.key(1), 80, task=task)
    fresh = sample_gaussian_mixture(jax.random.key(2), 60, task=task)
    learner = MLPLearner(hidden=(4,), steps=30, learning_rate=0.05)
    shadows = train_shadow_models(jax.random.key(3), pool, learner=learner, num_models=6,
                                  return_params=True)
    target_data = pool
    setup = ReleaseSetup(learner, pool, fresh, shadows, "classifier", None, target_data)
    rows = evaluate_releases(setup, ["uniform:4"], jax.random.key(4), jax.random.key(5),
                             num_bootstrap=20, num_candidates=4).rows
    row = rows[0]
    released = quantize_tree(parse("uniform:4"), shadows.params,
                             key=fold_in_name(jax.random.key(4), "uniform:4"), stacked=True)
    logits = jax.vmap(learner.predict, (0, None))(released, pool.x)
    fresh_logits = jax.vmap(learner.predict, (0, None))(released, fresh.x)
    best, _ = tune_rmia_signal(logits, pool.y, fresh_logits, fresh.y, shadows.mask)
    assert row.rmia_signal == best
    member = np.asarray(shadows.mask).ravel() > 0
    for s in RMIA_SIGNALS:
        scores = np.asarray(rmia_scores(classifier_signals(logits, fresh_logits, pool.y,
                                                           fresh.y, s), shadows.mask)).ravel()
        assert row.rmia_by_signal[s] == pytest.approx(roc_auc_score(member, scores), abs=1e-6)
    # without the shared bootstrap table (forced by a zero size limit) indicator A is the same
    import mis.release._evaluate as evaluate_module

    monkeypatch.setattr(evaluate_module, "SHARED_BOOTSTRAP_BYTES", 0)
    again = evaluate_releases(setup, ["uniform:4"], jax.random.key(4), jax.random.key(5),
                              num_bootstrap=20, num_candidates=4).rows[0]
    assert tuple(map(float, again.indicator_a.rate)) == tuple(map(float, row.indicator_a.rate))
