"""``run_rank``: train shadow models once, release them through every quantizer, attack each
release, estimate the indicator, and rank (device for the numbers, host for the bookkeeping).

Quantization-aware shadows: the ``M`` models are trained once in full precision; for each
quantizer every model (target and references alike) is quantized with it, so every attack
compares a quantized target with equally quantized references (post-training quantization:
training does not depend on the quantizer). GPTQ calibrates each model's kernels on the
activations of 256 fresh (public) points, never on members. The indicator is estimated from
one training run: model 0 and its own training set.
"""

from __future__ import annotations

import functools
import sys
import time
import zlib
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import theory
from mis.attacks import (
    gaussian_mean_bayes_score,
    leave_one_out,
    lira_offline,
    lira_online,
    logit_scale,
    loss_attack,
    quantized_gaussian_mean_bayes_score,
    rmia,
    true_class_prob,
)
from mis.audit import AttackMetrics, metrics_table
from mis.data import Dataset, make_gaussian_mixture, sample_gaussian_mixture
from mis.indicator import (
    Indicator,
    loss_gap_indicator,
    sample_terms,
    threshold_distances,
    threshold_indicator,
)
from mis.quantizers import FixedGrid, Identity, parse, quantize_tree, selected_leaves
from mis.rank._config import RankConfig
from mis.rank._ranking import kendall_tau_estimate, pareto_front, rank_order
from mis.shadow import MeanLearner, MLPLearner, train_shadow_models
from theory import Estimate
from theory._estimate import mean_estimate

FPRS = (0.001, 0.01)
PRIMARY_ATTACK = "LiRA"


class QuantizerRow(NamedTuple):
    """Everything measured for one quantizer.

    Attributes:
        spec: the quantizer spec.
        bits_per_weight: storage of the quantized kernels (codes, scales, masks) per weight.
        sparsity: fraction of zero weights in the released kernels (model 0).
        accuracy: fresh-data accuracy, mean over the models (``nan`` for regression tasks).
        test_loss: fresh-data loss, mean over the models.
        indicator_a: variant A (thresholds), or None where undefined (stochastic rounding).
        indicator_b: variant B (loss gaps).
        attacks: one :class:`~mis.audit.AttackMetrics` per attack (leave-one-model-out).
        exact_delta: the exact advantage ``Δ = 1 − MIS`` where ``theory`` computes it.
        scores: ``attack -> [M, n]`` scores (labels: the run's mask), for ROC figures.
        performance: the released target's test metrics (``mis molecular``), else empty.
    """

    spec: str
    bits_per_weight: float
    sparsity: float
    accuracy: Estimate
    test_loss: Estimate
    indicator_a: Indicator | None
    indicator_b: Indicator | None
    attacks: list[AttackMetrics]
    exact_delta: Estimate | None
    scores: dict
    performance: dict = {}


class RankResult(NamedTuple):
    """The ranking run: rows, rankings (most private first), Kendall τs, Pareto front."""

    config: RankConfig
    rows: list[QuantizerRow]
    mask: np.ndarray
    rankings: dict
    kendall: dict
    pareto: list[str]
    n: int
    seconds: dict


class Setup(NamedTuple):
    """What one ranking needs besides the quantizers (shared with ``mis molecular``).

    Attributes:
        learner: the learner every model was trained with.
        pool: the training pool the shadow models' membership refers to.
        fresh: fresh (public) data: utility, RMIA's population, GPTQ calibration.
        shadows: :class:`~mis.shadow.ShadowModels` with stacked params.
        signal: ``"classifier"`` (logit-scaled confidence, class probability) or ``"loss"``
            (``−loss`` and the Gaussian likelihood ``exp(−loss/2)``: regression residuals and
            the Gaussian mean).
        target: the released model whose indicator (and ``performance``) is reported; None for
            shadow model 0.
        target_data: the target's training set.
        performance: optional ``(learner, released_target, fresh) -> {name: Estimate}``.
        extras: optional ``(q, released_stacked, scores) -> (scores, exact Δ or None)``.
    """

    learner: object
    pool: Dataset
    fresh: Dataset
    shadows: object
    signal: str
    target: object
    target_data: Dataset
    performance: Callable | None = None
    extras: Callable | None = None


def _say(progress, text):
    if progress is not None:
        progress(text)


def _spec_key(key, spec):
    return jax.random.fold_in(key, zlib.crc32(spec.encode()) & 0x7FFFFFFF)


def _setup(config: RankConfig, key, exact_key, progress) -> Setup:
    task_key, pool_key, fresh_key, train_key = jax.random.split(key, 4)
    if config.task == "mixture":
        task = make_gaussian_mixture(task_key, d=config.d, k_modes=config.k_modes,
                                     separation=config.separation)
        pool = sample_gaussian_mixture(pool_key, config.pool_size, task=task)
        fresh = sample_gaussian_mixture(fresh_key, config.num_fresh, task=task)
        learner = MLPLearner(hidden=config.hidden, num_outputs=2, steps=config.steps,
                             learning_rate=config.learning_rate, l2=config.l2)
        mu = None
    else:
        mu = jax.random.uniform(task_key, (config.d,), minval=-1.0, maxval=1.0)
        draw = lambda k, n: Dataset(mu + jax.random.normal(k, (n, config.d)), jnp.zeros(n))
        pool, fresh = draw(pool_key, config.pool_size), draw(fresh_key, config.num_fresh)
        learner = MeanLearner()
    say = (lambda done, total: _say(progress, f"trained {done}/{total} shadow models"))
    shadows = train_shadow_models(train_key, pool, learner=learner,
                                  num_models=config.num_models, return_params=True,
                                  progress=say)
    member0 = np.asarray(shadows.mask[0]) > 0
    target_data = Dataset(pool.x[member0], pool.y[member0])
    if mu is None:
        return Setup(learner, pool, fresh, shadows, "classifier", None, target_data)
    n_bar = int(round(np.asarray(shadows.mask).sum(1).mean()))
    extras = functools.partial(_mean_task_extras, pool=pool, mu=mu, n_bar=n_bar,
                               exact_key=exact_key, d=config.d,
                               exact_samples=config.exact_samples)
    return Setup(learner, pool, fresh, shadows, "loss", None, target_data, extras=extras)


def layer_inputs(params, x, *, stacked: bool = False) -> dict:
    """The input of every MLP kernel on ``x`` (``keystr -> [n, d_in]``; ``[M, n, d_in]`` when
    ``stacked``): GPTQ's calibration data, from the full-precision layers."""

    def one(p):
        out, h = {}, x
        layers = p["layers"]
        for i in range(len(layers)):
            out[f"['layers'][{i}]['kernel']"] = h
            h = jax.nn.relu(h @ layers[i]["kernel"] + layers[i]["bias"])
        return out

    return jax.vmap(one)(params) if stacked else one(params)


def _classifier_signals(logits, fresh_logits, y, fresh_y):
    """LiRA's logit-scaled confidence and RMIA's ``Pr(x | θ)`` on the pool and population."""
    y = jnp.broadcast_to(y, logits.shape[:-1])
    fresh_y = jnp.broadcast_to(fresh_y, fresh_logits.shape[:-1])
    return (logit_scale(logits, y), true_class_prob(logits, y),
            true_class_prob(fresh_logits, fresh_y))


def _loss_signals(loss, fresh_loss):
    """Signals from a squared loss (Gaussian mean ``‖x − θ‖²``, regression ``(y − f(x))²``):
    ``−loss`` for LiRA, the unit-variance Gaussian likelihood ``exp(−loss/2)`` (shifted by the
    smallest pool loss; constants cancel in RMIA's ratios) for RMIA."""
    shift = jnp.min(loss)
    return -loss, jnp.exp(-(loss - shift) / 2), jnp.exp(-(fresh_loss - shift) / 2)


@jax.jit
def _attack_scores(phi, prob, pop, loss, mask):
    """LiRA online / offline on ``phi``, RMIA on ``prob`` with population ``pop``, and the loss
    attack; every model the target once (leave-one-model-out)."""
    return {
        "LiRA": leave_one_out(lambda t, r, i, o: lira_online(t, r, i, o), phi, mask),
        "LiRA offline": leave_one_out(lambda t, r, i, o: lira_offline(t, r, o), phi, mask),
        "RMIA": leave_one_out(lambda t, r, i, o, te, re, keep: rmia(
            t, r, i, o, te, re, online=True, ref_rows=keep), prob, mask, extra=pop),
        "loss": loss_attack(loss),
    }


def _storage(q, params0, released0):
    leaves = [w for _, w in selected_leaves(params0)]
    released = [w for _, w in selected_leaves(released0)]
    size = sum(w.size for w in leaves)
    bits = sum(float(q.storage_bits(w)) for w in leaves) / size
    zeros = sum(int(jnp.sum(r == 0)) for r in released) / size
    return bits, zeros


def _quantizer_row(setup: Setup, spec, q_key, boot_key, terms, *, num_bootstrap: int,
                   num_candidates: int) -> QuantizerRow:
    learner, pool, fresh, shadows = setup.learner, setup.pool, setup.fresh, setup.shadows
    q = parse(spec)
    key = _spec_key(q_key, spec)
    params = shadows.params
    calib = (layer_inputs(params, fresh.x[:256], stacked=True) if q.needs_calibration
             else None)
    released = quantize_tree(q, params, key=key, calibration=calib, stacked=True)
    first = lambda tree: jax.tree.map(lambda a: a[0], tree)
    if setup.target is None:
        target, target_released = first(params), first(released)
        calib0 = None if calib is None else {k: v[0] for k, v in calib.items()}
    else:
        target = setup.target
        calib0 = layer_inputs(target, fresh.x[:256]) if q.needs_calibration else None
        target_released = quantize_tree(q, target, key=key, calibration=calib0)
    bits, zeros = _storage(q, target, target_released)
    mask = shadows.mask
    per_model_loss = jax.vmap(learner.loss, (0, None, None))
    loss, fresh_loss = per_model_loss(released, pool.x, pool.y), per_model_loss(
        released, fresh.x, fresh.y)
    test_loss = mean_estimate(jnp.mean(fresh_loss, axis=1))
    if setup.signal == "classifier":
        logits = jax.vmap(learner.predict, (0, None))(released, pool.x)
        fresh_logits = jax.vmap(learner.predict, (0, None))(released, fresh.x)
        signals = _classifier_signals(logits, fresh_logits, pool.y, fresh.y)
        accuracy = mean_estimate(jnp.mean(jnp.argmax(fresh_logits, -1) == fresh.y, axis=1))
    else:
        signals = _loss_signals(loss, fresh_loss)
        accuracy = Estimate(*(jnp.array(jnp.nan),) * 3)
    scores = _attack_scores(*signals, loss, mask)
    exact = None
    if setup.extras is not None:
        scores, exact = setup.extras(q, released, scores)
    scores = {k: np.asarray(v) for k, v in scores.items()}
    attacks = metrics_table(scores, np.asarray(mask), fprs=FPRS)
    try:  # the distances are shared by both variants
        delta = threshold_distances(q, target, key=key, calibration=calib0)
    except ValueError:  # no thresholds (stochastic rounding): variant A is undefined
        delta = ind_a = None
    common = dict(key=key, calibration=calib0, terms=terms, delta=delta,
                  num_bootstrap=num_bootstrap, bootstrap_key=boot_key)
    if delta is not None:
        ind_a = threshold_indicator(learner, target, setup.target_data, q, **common)
    ind_b = loss_gap_indicator(learner, target, setup.target_data, q,
                               num_candidates=num_candidates, **common)
    performance = ({} if setup.performance is None
                   else setup.performance(learner, target_released, fresh))
    return QuantizerRow(spec, bits, zeros, accuracy, test_loss, ind_a, ind_b, attacks, exact,
                        scores, performance)


def _mean_task_extras(q, released, scores, *, pool, mu, n_bar, exact_key, d, exact_samples):
    """The Bayes-optimal attack and the exact Δ where the laws are known: full precision
    (THEORY §3) and fixed grids (THEORY §5); ``n`` is the models' mean training-set size."""
    theta = released["mean"]
    if isinstance(q, Identity):
        scores["Bayes"] = gaussian_mean_bayes_score(theta[:, None], pool.x[None], n_bar, mu=mu)
        exact = theory.gaussian_mean_delta(exact_key, n_bar, d, num_samples=exact_samples)
    elif isinstance(q, FixedGrid):
        scores["Bayes"] = quantized_gaussian_mean_bayes_score(theta[:, None], pool.x[None],
                                                              n_bar, step=q.step, mu=mu)
        exact = theory.quantized_gaussian_mean_delta(exact_key, n_bar, mu, q.step,
                                                     num_samples=exact_samples)
    else:
        exact = None
    return scores, exact


def _value(est) -> float:
    return float("nan") if est is None else float(est.value)


def privacy_measures(rows) -> dict:
    """``measure -> (values, larger_is_safer)`` over the rows."""
    attacks = list(dict.fromkeys(a.attack for r in rows for a in r.attacks))
    out = {
        "indicator A": ([_value(r.indicator_a.rate) if r.indicator_a else float("nan")
                         for r in rows], True),
        "indicator B": ([_value(r.indicator_b.rate) for r in rows], True),
    }
    for name in attacks:
        out[f"{name} AUC"] = ([_value(_attack(r, name) and _attack(r, name).auc)
                                for r in rows], False)
    out[f"{PRIMARY_ATTACK} TPR@0.1%"] = ([_value(_attack(r, PRIMARY_ATTACK).tpr_at_fpr[0.001])
                                         for r in rows], False)
    if any(r.exact_delta is not None for r in rows):
        out["exact Δ"] = ([_value(r.exact_delta) for r in rows], False)
    return out


def _attack(row, name):
    return next((a for a in row.attacks if a.attack == name), None)


def run_rank(config: RankConfig, key, *, progress: Callable[[str], None] | None = None,
             specs: tuple[str, ...] | None = None,
             on_row: Callable[[QuantizerRow, int], None] | None = None) -> RankResult:
    """The full ranking run (see the module docstring). ``specs`` restricts the quantizers
    (default ``config.zoo``); ``on_row(row, n)`` is called as each quantizer finishes. Each
    quantizer's keys depend on ``key`` and its spec only, not on the other quantizers."""
    specs = tuple(specs or config.zoo)
    for spec in specs:
        parse(spec)
    setup_key, q_key, boot_key, exact_key = jax.random.split(key, 4)
    t0 = time.perf_counter()
    setup = _setup(config, setup_key, exact_key, progress)
    jax.block_until_ready(setup.shadows.params)
    train_seconds = time.perf_counter() - t0
    rows, mask, n_bar, seconds = rank_quantizers(
        setup, specs, q_key, boot_key, num_bootstrap=config.num_bootstrap,
        num_candidates=config.num_candidates, progress=progress, on_row=on_row)
    return summarize_rows(config, rows, mask, n_bar, {"train": train_seconds} | seconds)


def rank_quantizers(setup: Setup, specs, q_key, boot_key, *, num_bootstrap: int = 200,
                    num_candidates: int = 32, progress=None, on_row=None):
    """Every quantizer of ``specs`` applied to ``setup``'s trained models, attacked and
    indicated: ``(rows, mask, n_bar, seconds)`` (``n_bar`` the shadows' mean training size)."""
    mask = np.asarray(setup.shadows.mask)
    n_bar = int(round(mask.sum(1).mean()))
    seconds = {}
    t0 = time.perf_counter()
    target = (jax.tree.map(lambda a: a[0], setup.shadows.params) if setup.target is None
              else setup.target)
    terms = sample_terms(setup.learner, target, setup.target_data)
    seconds["indicator_terms"] = time.perf_counter() - t0
    rows = []
    for i, spec in enumerate(specs):
        t0 = time.perf_counter()
        rows.append(_quantizer_row(setup, spec, q_key, boot_key, terms,
                                   num_bootstrap=num_bootstrap, num_candidates=num_candidates))
        seconds[spec] = time.perf_counter() - t0
        if on_row is not None:
            on_row(rows[-1], n_bar)
        _say(progress, f"[{i + 1}/{len(specs)}] {spec} ({seconds[spec]:.1f} s)")
    return rows, mask, n_bar, seconds


def summarize_rows(config, rows, mask, n, seconds) -> RankResult:
    """Rankings, Kendall τs (indicator vs attacks, pairs bootstrap) and the Pareto front."""
    names = [r.spec for r in rows]
    measures = privacy_measures(rows)
    rankings = {m: rank_order(names, v, larger_is_safer=s) for m, (v, s) in measures.items()}
    kendall = {}
    for ind in ("indicator A", "indicator B"):
        for target in [f"{PRIMARY_ATTACK} AUC", "RMIA AUC", "exact Δ"]:
            if target in measures:
                # larger indicator = safer, larger AUC = leakier: τ against −AUC
                kendall[f"{ind} vs {target}"] = kendall_tau_estimate(
                    measures[ind][0], -np.asarray(measures[target][0]))
    if config.task == "mixture":
        utility = [_value(r.accuracy) for r in rows]
    else:
        utility = [-_value(r.test_loss) for r in rows]
    front = pareto_front(utility, measures[f"{PRIMARY_ATTACK} AUC"][0])
    return RankResult(config, rows, mask, rankings, kendall, [names[i] for i in front], n,
                      seconds)


def print_progress(text: str) -> None:
    """Progress on stderr (one line per step)."""
    print(text, file=sys.stderr, flush=True)


__all__ = ["FPRS", "QuantizerRow", "RankResult", "Setup", "layer_inputs", "privacy_measures",
           "rank_quantizers", "run_rank", "summarize_rows"]
