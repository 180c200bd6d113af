"""Evaluating quantized releases of trained shadow models: release -> signals -> attacks ->
indicator -> utility -> one :class:`ReleaseRow` per quantizer (device numbers, host
bookkeeping).

Quantization-aware shadows: the ``M`` models are trained once in full precision; for each
quantizer every model (target and references alike) is quantized with it, so every attack
compares a quantized target with equally quantized references (post-training quantization:
training does not depend on the quantizer). GPTQ calibrates each model's kernels on the
activations of the first 256 fresh (public) points, never on members. The indicator is
estimated from one training run: the target (or model 0) and its own training set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from mis.attacks import (
    RMIA_SIGNALS,
    attack_battery,
    classifier_signals,
    loss_signals,
    rmia_scores,
    tune_rmia_signal,
)
from mis.audit import auc_value
from mis.indicator import (
    SampleTerms,
    bootstrap_counts,
    bootstrap_variances,
    loss_gap_indicator,
    sample_terms,
    threshold_distances,
    threshold_indicator,
)
from mis.inference import Replicates, crossed_mean, stacked_metrics_table
from mis.keys import fold_in_name
from mis.progress import ProgressFn, report
from mis.quantizers import parse, quantize_tree, tree_storage
from mis.release._row import FPRS, ReleaseRow
from mis.release._setup import ReleaseSetup
from mis.shadow import stacked_loss, stacked_predict
from theory import Estimate

NUM_CALIBRATION = 256


class Releases(NamedTuple):
    """The rows of :func:`evaluate_releases`.

    Attributes:
        rows: one :class:`ReleaseRow` per quantizer, in the order given.
        mask: ``[M, n]`` membership of the shadow models (labels of every row's ``scores``).
        n: the shadow models' mean training-set size.
        seconds: wall time of the indicator's sample terms and of each quantizer.
    """

    rows: list[ReleaseRow]
    mask: np.ndarray
    n: int
    seconds: dict


def _first(tree):
    return jax.tree.map(lambda a: a[0], tree)


def target_params(setup: ReleaseSetup) -> Any:
    """The released target's full-precision parameters (shadow model 0 when unset)."""
    return _first(setup.shadows.params) if setup.target is None else setup.target


def _mean(table, num_bootstrap: int) -> tuple[Estimate, Replicates]:
    """The mean of a ``[M, n_fresh]`` table with its two-way interval (models and fresh
    examples resampled together), and the replicates for paired comparisons."""
    rep = crossed_mean(np.asarray(table, np.float64), num_bootstrap=num_bootstrap)
    return rep.interval(), rep


def _utility(setup: ReleaseSetup, released, loss, fresh_loss, mask, num_bootstrap: int):
    """``(signals, accuracy, test_loss, rmia_signal, rmia_by_signal, utility_reps)`` of a
    stacked release (``utility_reps``: the accuracy's two-way replicates, or the test
    loss's for regression):
    RMIA's signal is chosen on the reference models (:func:`~mis.attacks.tune_rmia_signal`)
    and every candidate's leave-one-model-out AUC is kept for the reports' RMIA table (the
    chosen one's is left ``None`` here: :func:`evaluate_release` fills it from the battery's
    own RMIA scores instead of computing them twice)."""
    pool, fresh = setup.pool, setup.fresh
    test_loss, utility_reps = _mean(fresh_loss, num_bootstrap)
    if setup.signal == "classifier":
        logits, fresh_logits = stacked_predict(setup.learner, released, pool.x, fresh.x)
        chosen, _ = tune_rmia_signal(logits, pool.y, fresh_logits, fresh.y, mask)
        signals = classifier_signals(logits, fresh_logits, pool.y, fresh.y, chosen)
        by_signal = {s: auc_value(np.asarray(rmia_scores(classifier_signals(
            logits, fresh_logits, pool.y, fresh.y, s), mask)).ravel(), np.asarray(mask).ravel()
            > 0) if s != chosen else None for s in RMIA_SIGNALS}  # chosen: the battery's
        accuracy, utility_reps = _mean(jnp.argmax(fresh_logits, -1) == fresh.y, num_bootstrap)
    else:
        signals = loss_signals(loss, fresh_loss)
        chosen, by_signal = "gaussian", {}
        accuracy = Estimate(*(jnp.array(jnp.nan),) * 3)
    return signals, accuracy, test_loss, chosen, by_signal, utility_reps


def evaluate_release(setup: ReleaseSetup, spec: str, q_key: jax.Array, boot_key: jax.Array,
                     terms: SampleTerms, *, num_bootstrap: int = 200,
                     num_candidates: int = 32, boot_variance: Any = None) -> ReleaseRow:
    """One quantizer ``spec`` applied to every shadow model and to the target, attacked and
    indicated (module docstring). Keys: ``fold_in_name(q_key, spec)`` for the quantizer,
    ``boot_key`` for the indicator's bootstrap; ``num_bootstrap`` resamples for the indicator
    and for the two-way intervals of the attacks and the utility (:mod:`mis.inference`,
    seeded by :data:`mis.inference` ``SEED``, shared by every quantizer so that any two
    releases are paired); ``terms`` from :func:`sample_terms` on the
    target (shared by every quantizer), ``boot_variance`` optionally their
    :func:`~mis.indicator.bootstrap_variances` under ``boot_key``'s resamples (shared too)."""
    learner, pool, fresh, shadows = setup.learner, setup.pool, setup.fresh, setup.shadows
    q = parse(spec)
    key = fold_in_name(q_key, spec)
    params, calib_x = shadows.params, fresh.x[:NUM_CALIBRATION]
    calib = (jax.vmap(learner.calibration_inputs, (0, None))(params, calib_x)
             if q.needs_calibration else None)
    released = quantize_tree(q, params, key=key, calibration=calib, stacked=True)
    if setup.target is None:
        target, target_released = _first(params), _first(released)
        calib0 = None if calib is None else {k: v[0] for k, v in calib.items()}
    else:
        target = setup.target
        calib0 = learner.calibration_inputs(target, calib_x) if q.needs_calibration else None
        target_released = quantize_tree(q, target, key=key, calibration=calib0)
    storage = tree_storage(q, target, target_released)
    loss, fresh_loss = stacked_loss(learner, released, pool, fresh)
    signals, accuracy, test_loss, rmia_signal, rmia_by_signal, utility_reps = _utility(
        setup, released, loss, fresh_loss, shadows.mask, num_bootstrap)
    scores = attack_battery(signals, loss, shadows.mask)
    if rmia_signal in rmia_by_signal:
        rmia_by_signal[rmia_signal] = auc_value(np.asarray(scores["RMIA"]).ravel(),
                                                np.asarray(shadows.mask).ravel() > 0)
    exact = None
    if setup.extras is not None:
        scores, exact = setup.extras(q, released, scores)
    scores = {k: np.asarray(v) for k, v in scores.items()}
    attacks = stacked_metrics_table(scores, np.asarray(shadows.mask), fprs=FPRS,
                                    num_bootstrap=num_bootstrap)
    delta = (threshold_distances(q, target, key=key, calibration=calib0)
             if q.has_thresholds else None)  # shared by both variants
    common: dict[str, Any] = dict(key=key, calibration=calib0, terms=terms, delta=delta,
                  num_bootstrap=num_bootstrap, bootstrap_key=boot_key)
    ind_a = (threshold_indicator(learner, target, setup.target_data, q, **common,
                                 boot_variance=boot_variance)
             if q.has_thresholds else None)
    ind_b = loss_gap_indicator(learner, target, setup.target_data, q,
                               num_candidates=num_candidates, **common)
    performance = ({} if setup.performance is None
                   else setup.performance(learner, target_released, fresh))
    return ReleaseRow(spec, storage.bits_per_weight, storage.sparsity, accuracy, test_loss,
                      ind_a, ind_b, attacks, exact, scores, performance,
                      release_delta(signals.phi, scores.get("LiRA offline"), shadows.mask),
                      rmia_signal, rmia_by_signal, utility_reps)


def release_delta(phi: ArrayLike, offline: ArrayLike | None, mask: ArrayLike, *,
                  seed: int = 0) -> Estimate | None:
    """The k-NN two-sample Δ̂ (:func:`mis.tv.classifier_tv`, 5 folds seeded by
    ``seed``) of the per-(model, example) query ``(φ, LiRA offline score)``: members are the
    IN pairs of ``mask``; None without the offline score."""
    from mis.tv import classifier_tv

    if offline is None:
        return None
    query = np.stack([np.asarray(phi, np.float64), np.asarray(offline, np.float64)], -1)
    inside = np.asarray(mask) > 0
    for j in range(query.shape[-1]):  # ±inf scores keep their order at the finite extremes
        col = query[..., j]
        finite = col[np.isfinite(col)]
        if finite.size == 0:
            return None
        query[..., j] = np.nan_to_num(col, nan=float(np.median(finite)),
                                      posinf=finite.max(), neginf=finite.min())
    return classifier_tv(query[inside], query[~inside], seed=seed)


SHARED_BOOTSTRAP_BYTES = 2**30


def shared_bootstrap(setup: ReleaseSetup, terms: SampleTerms, boot_key: jax.Array,
                     num_bootstrap: int) -> Any:
    """Indicator A's per-resample weight variances, computed once for every quantizer of a
    study (they do not depend on the quantizer; the indicators are unchanged), or None when
    the ``[num_bootstrap, num_weights]`` table would exceed :data:`SHARED_BOOTSTRAP_BYTES`
    (then each quantizer recomputes them)."""
    n = int(setup.target_data.x.shape[0])
    if num_bootstrap * terms.grads.shape[1] * 4 > SHARED_BOOTSTRAP_BYTES:
        return None
    counts = bootstrap_counts(boot_key if boot_key is not None else jax.random.key(0),
                              num_bootstrap, n)
    return bootstrap_variances(terms, float(setup.learner.penalty_curvature(n)), counts)


def evaluate_releases(setup: ReleaseSetup, specs: Sequence[str], q_key: jax.Array,
                      boot_key: jax.Array, *,
                      num_bootstrap: int = 200, num_candidates: int = 32,
                      progress: ProgressFn | None = None,
                      on_row: Callable[[ReleaseRow, int], None] | None = None) -> Releases:
    """:func:`evaluate_release` for every spec of ``specs`` (the indicator's sample terms are
    computed once). ``on_row(row, n)`` is called as each quantizer finishes (e.g. to save it);
    ``progress("quantizers", done, total)`` after each. Each quantizer's numbers depend on the
    keys and its spec only, not on the other quantizers."""
    mask = np.asarray(setup.shadows.mask)
    n_bar = int(round(mask.sum(1).mean()))
    seconds = {}
    t0 = time.perf_counter()
    terms = sample_terms(setup.learner, target_params(setup), setup.target_data)
    boot_variance = shared_bootstrap(setup, terms, boot_key, num_bootstrap)
    seconds["indicator_terms"] = time.perf_counter() - t0
    rows = []
    for i, spec in enumerate(specs):
        t0 = time.perf_counter()
        rows.append(evaluate_release(setup, spec, q_key, boot_key, terms,
                                     num_bootstrap=num_bootstrap,
                                     num_candidates=num_candidates,
                                     boot_variance=boot_variance))
        seconds[spec] = time.perf_counter() - t0
        if on_row is not None:
            on_row(rows[-1], n_bar)
        report(progress, "quantizers", i + 1, len(specs))
    return Releases(rows, mask, n_bar, seconds)
