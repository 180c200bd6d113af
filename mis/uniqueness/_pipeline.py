"""``mis uniqueness``: gradient uniqueness checked against LiRA, censoring against DP-SGD, and
what post-training quantization does to the per-example exposure (device training, host
metrics).

1. **Shadows with records.** ``num_models`` runs of :class:`UniquenessLearner` (no budget) on
   balanced IN/OUT splits of the pool (ordinary points + mislabeled + out-of-distribution
   canaries) record every example's GNQ; LiRA (online, leave-one-model-out) scores every (model,
   point) pair, and each example's **LiRA advantage** is ``2 AUC_i − 1`` of its scores when IN
   vs OUT across the models.
2. **One run.** The same recipe on the whole pool (every point a member): its cumulative GNQ is
   the score a practitioner gets from one training run, no shadow model. Spearman ρ with the
   LiRA advantage, top-k overlap and canary ranks, for GNQ's cumulative / max / mean, the
   controls (TracIn ``Σ ‖g‖²`` and the pseudo-inverse form ``Σ ½ log(1 + gᵀS⁺g)``), and the
   mean of the shadows' records. The interval of ρ is a two-way bootstrap: the shadow models
   are resampled (each example's LiRA advantage recomputed from the drawn models) together
   with the examples, so two correlations with the same target are paired.
3. **Censoring vs DP-SGD.** The same splits and keys trained with censoring at each budget τ
   and with DP-SGD at each σ (Poisson rate ``batch_size / members``, same steps): LiRA AUC and
   TPR at ``fpr`` on all points and on the canaries, test accuracy, accountant ε, every
   interval a two-way bootstrap over models and points (:mod:`mis.inference`, the same
   resamples for every recipe: differences are paired).
4. **Quantization.** The uncensored shadows quantized by each zoo spec (target and references
   alike, so the attack is quantization-aware): the per-example LiRA advantage again, its ρ
   with GNQ and with the full-precision advantage, and the top-k overlap.

References:
    Abdelghafar, Aliakbarpour, Jermaine, arXiv:2510.10902 (GNQ, censoring).
    Carlini et al., "Membership Inference Attacks From First Principles", arXiv:2112.03570.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from mis.attacks import lira_online_scores
from mis.data import (
    KINDS,
)
from mis.inference import (
    CrossedMetrics,
    Replicates,
    crossed_counts,
    crossed_mean,
    crossed_metrics,
)
from mis.progress import ProgressFn, report
from mis.quantizers import parse, quantize_tree
from mis.shadow import (
    DPSGD,
    ConvLearner,
    MLPLearner,
    dp_epsilon,
    stacked_predict,
    train_shadow_models,
)
from mis.study import CanaryData, canary_data, network_learner
from mis.uniqueness._config import UniquenessConfig
from mis.uniqueness._learner import Records, UniquenessLearner
from theory import Estimate

SEED = 0  # the two-way draws (mis.inference's default: the recipes' rows share them)


class DefenseRow(NamedTuple):
    """One training recipe attacked by LiRA.

    Attributes:
        method: ``"none"`` (no defense), ``"censoring"`` or ``"dp-sgd"``; a quantizer spec in
            the quantization table.
        parameter: the budget τ, the noise multiplier σ, or NaN.
        epsilon: the accountant's ε (DP-SGD), else inf.
        censored: the share of (model, member) pairs censored before the end.
        auc_all, tpr_all: LiRA AUC and held-out TPR at the FPR on every pool point (two-way
            intervals; the TPR ``nan`` when the FPR is below the resolution); auc_canary,
            tpr_canary: on the canaries.
        accuracy: test accuracy, mean over models and test points (two-way interval).
        seconds: wall time of the row.
        all, canary, accuracy_reps: the replicates behind them (paired across recipes).
    """

    method: str
    parameter: float
    epsilon: float
    censored: float
    auc_all: Estimate
    tpr_all: Estimate
    auc_canary: Estimate
    tpr_canary: Estimate
    accuracy: Estimate
    seconds: float
    all: CrossedMetrics | None = None
    canary: CrossedMetrics | None = None
    accuracy_reps: Replicates | None = None


class Correlation(NamedTuple):
    """Spearman ρ between a per-example score and a per-example LiRA advantage, with its
    two-way bootstrap interval (``reps`` its replicates), and the overlap of their top ``k``
    examples (chance: ``k/n``)."""

    score: str
    target: str
    rho: Estimate
    overlap: float
    k: int
    reps: Replicates | None = None


class CanaryRank(NamedTuple):
    """Where the canaries of one kind fall in the ranking by ``score`` (1 = top): median rank
    as a fraction of the pool, and the share of them in the top 10 %."""

    kind: str
    score: str
    median_rank: float
    top10: float


class UniquenessResult(NamedTuple):
    config: UniquenessConfig
    data: CanaryData
    single: Records
    averaged: Records
    advantage: np.ndarray
    quantized_advantage: dict
    correlations: list[Correlation]
    canaries: list[CanaryRank]
    defense: list[DefenseRow]
    quantized: list[DefenseRow]
    seconds: dict


def study_data(config: UniquenessConfig, key: jax.Array) -> CanaryData:
    """The pool with mislabeled and out-of-distribution canaries and the test set of
    ``config`` (:func:`mis.study.canary_data`, no filler)."""
    return canary_data(key, config.dataset, pool_size=config.pool_size,
                       num_mislabeled=config.num_mislabeled, num_ood=config.num_ood, d=config.d)


def base_learner(config: UniquenessConfig, num_classes: int,
                 dp: DPSGD | None = None) -> ConvLearner | MLPLearner:
    """The network and optimizer of ``config`` (:func:`mis.study.network_learner`)."""
    return network_learner(config.dataset, num_outputs=num_classes, steps=config.steps,
                           learning_rate=config.learning_rate, optimizer=config.optimizer,
                           channels=config.channels, hidden=config.hidden, dp=dp)


def uniqueness_learner(config: UniquenessConfig, num_classes: int,
                       budget: float = math.inf) -> UniquenessLearner:
    """The recorded mini-batch recipe of ``config``, censoring at ``budget``."""
    return UniquenessLearner(base_learner(config, num_classes), batch_size=config.batch_size,
                             ridge=config.ridge, budget=budget)


def per_example_auc(scores: ArrayLike, mask: ArrayLike) -> np.ndarray:
    """``[n]``: column ``i``'s Mann–Whitney AUC of the scores of the models where ``i`` is IN
    against those where it is OUT (ties count ½)."""
    s, m = np.asarray(scores, np.float64), np.asarray(mask) > 0
    ranks = stats.rankdata(s, axis=0)
    n_in, n_out = m.sum(0), (~m).sum(0)
    rank_in = np.where(m, ranks, 0.0).sum(0)
    return (rank_in - n_in * (n_in + 1) / 2) / np.maximum(n_in * n_out, 1)


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman's ρ: Pearson's correlation of the average ranks."""
    ra, rb = stats.rankdata(a), stats.rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(np.sum(ra**2) * np.sum(rb**2)))
    return float(np.sum(ra * rb) / den) if den > 0 else math.nan


def pairwise_wins(scores: ArrayLike, mask: ArrayLike) -> np.ndarray:
    """``[M, M, n]``: ``1`` where model ``m`` has ``i`` IN, model ``k`` has it OUT and
    ``s[m, i] > s[k, i]``, ``½`` on a tie, else 0: the Mann–Whitney kernel of
    :func:`per_example_auc` before summing."""
    s, m = np.asarray(scores, np.float64), np.asarray(mask) > 0
    win = (s[:, None, :] > s[None, :, :]) + 0.5 * (s[:, None, :] == s[None, :, :])
    return win * (m[:, None, :] & ~m[None, :, :])


def advantage_replicates(wins: np.ndarray, mask: ArrayLike, a: np.ndarray) -> np.ndarray:
    """``[B, n]`` per-example LiRA advantage ``2 AUC_i − 1`` when the models are drawn with
    counts ``a [B, M]`` (``wins`` from :func:`pairwise_wins`); ``nan`` where a draw has no
    IN or no OUT model for the example. The scores are those computed once (the attack is not
    re-run per draw)."""
    m = np.asarray(mask) > 0
    num = np.einsum("bm,mkn,bk->bn", a, wins, a)
    den = (a @ m) * (a @ ~m)
    return np.where(den > 0, 2 * num / np.where(den > 0, den, 1) - 1, np.nan)


def crossed_spearman(x: ArrayLike, y: ArrayLike, c: np.ndarray) -> np.ndarray:
    """``[B]`` Spearman ρ of ``x`` and ``y`` (each ``[n]``, or ``[B, n]`` per draw) on the
    examples drawn with counts ``c [B, n]`` (examples with a ``nan`` left out)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    out = np.empty(c.shape[0])
    for b in range(c.shape[0]):
        idx = np.repeat(np.arange(c.shape[1]), c[b].astype(int))
        xb = x[b] if x.ndim == 2 else x
        yb = y[b] if y.ndim == 2 else y
        xb, yb = xb[idx], yb[idx]
        ok = np.isfinite(xb) & np.isfinite(yb)
        out[b] = spearman(xb[ok], yb[ok]) if ok.sum() > 2 else np.nan
    return out


class CrossedDraws(NamedTuple):
    """One set of two-way draws for a study: model counts ``a``, example counts ``c`` and the
    base LiRA advantage per draw."""

    a: np.ndarray
    c: np.ndarray
    advantage: np.ndarray


def correlation(name: str, target: str, score: ArrayLike, target_value: ArrayLike,
                score_reps: ArrayLike, target_reps: ArrayLike, c: np.ndarray, k: int,
                confidence: float) -> Correlation:
    """A :class:`Correlation` whose interval comes from the draws' replicates."""
    reps = Replicates(spearman(score, target_value), crossed_spearman(score_reps, target_reps,
                                                                      c))
    return Correlation(name, target, reps.interval(confidence),
                       top_overlap(score, target_value, k), k, reps)


def top_overlap(a: ArrayLike, b: ArrayLike, k: int) -> float:
    """``|top_k(a) ∩ top_k(b)| / k`` (ties broken by index)."""
    top = lambda v: set(np.argsort(-np.asarray(v), kind="stable")[:k].tolist())
    return len(top(a) & top(b)) / k


def rank_fraction(score: ArrayLike) -> np.ndarray:
    """Each example's rank by ``score`` (1 = largest) over the number of examples."""
    return (np.argsort(np.argsort(-np.asarray(score), kind="stable")) + 1) / np.size(score)


def attack_row(config: UniquenessConfig, data: CanaryData, method: str, parameter: float,
               learner: Any, params: Any, mask: ArrayLike, *, epsilon: float = math.inf,
               censored: float = 0.0, seconds: float = 0.0) -> tuple[DefenseRow, np.ndarray]:
    """``(DefenseRow, LiRA scores [M, n])`` for stacked ``params`` trained on ``mask``; the
    intervals resample models and points (the same draws for every recipe of the study)."""
    logits, test_logits = stacked_predict(learner, params, data.pool.x, data.test.x)
    scores = np.asarray(lira_online_scores(logits, data.pool.y, mask))
    correct = np.asarray(jnp.argmax(test_logits, -1) == data.test.y, np.float64)
    m, c = np.asarray(mask) > 0, data.is_canary
    conf, b, f = config.confidence, config.num_bootstrap, config.fpr
    every = crossed_metrics(method, scores, m, fprs=(f,), num_bootstrap=b)
    canary = crossed_metrics(method, scores[:, c], m[:, c], fprs=(f,), num_bootstrap=b)
    acc = crossed_mean(correct, num_bootstrap=b)
    row = DefenseRow(method, float(parameter), float(epsilon), float(censored),
                     every.auc.interval(conf), every.rate(f, conf).tpr,
                     canary.auc.interval(conf), canary.rate(f, conf).tpr,
                     acc.interval(conf), float(seconds), every, canary, acc)
    return row, scores


def averaged_records(records: Records, mask: ArrayLike) -> Records:
    """The shadows' records averaged over the models where each example is IN."""
    m = jnp.asarray(mask)
    avg = lambda a: jnp.sum(a * m, 0) / jnp.maximum(jnp.sum(m, 0), 1)
    return Records(avg(records.cumulative), avg(records.max), avg(records.total),
                   avg(records.tracin), avg(records.count),
                   jnp.max(records.censored_at, axis=0), avg(records.pinv))


def score_columns(single: Records, averaged: Records) -> dict[str, np.ndarray]:
    """The per-example scores compared with LiRA, by report name."""
    return {"GNQ cumulative (one run)": np.asarray(single.cumulative),
            "GNQ max (one run)": np.asarray(single.max),
            "GNQ mean (one run)": np.asarray(single.mean),
            "TracIn Σ‖g‖² (one run)": np.asarray(single.tracin),
            "GNQ pinv gᵀS⁺g (one run)": np.asarray(single.pinv),
            "GNQ cumulative (shadow mean)": np.asarray(averaged.cumulative),
            "TracIn (shadow mean)": np.asarray(averaged.tracin)}


def run_uniqueness(config: UniquenessConfig, key: jax.Array, *,
                   progress: ProgressFn | None = None) -> UniquenessResult:
    """The whole study (module docstring). Keys: ``data, train, single, quantize =
    split(key, 4)``; every recipe trains with the same ``train`` key (same splits and
    initialisations); the bootstrap seeds are fixed."""
    data_key, train_key, single_key, quant_key = jax.random.split(key, 4)
    seconds, t0 = {}, time.perf_counter()
    data = study_data(config, data_key)
    c = data.num_classes
    total = 2 + len(config.budgets) + len(config.sigmas)
    report(progress, "training recipes", 0, total)

    # 1. shadows with records, no defense
    t = time.perf_counter()
    learner = uniqueness_learner(config, c)
    shadows = train_shadow_models(train_key, data.pool, learner=learner,
                                  num_models=config.num_models, return_params=True,
                                  return_aux=True, progress=progress)
    mask = shadows.mask
    base_row, base_scores = attack_row(config, data, "none", math.nan, learner, shadows.params,
                                       mask, seconds=time.perf_counter() - t)
    advantage = 2 * per_example_auc(base_scores, mask) - 1
    seconds["shadows"] = base_row.seconds
    report(progress, "training recipes", 1, total)

    # 2. one run on the whole pool (with the pseudo-inverse control)
    t = time.perf_counter()
    one_run = dataclasses.replace(learner, controls=True)
    _, single = jax.jit(one_run.fit_aux)(single_key, data.pool,
                                         jnp.ones(data.pool.x.shape[0], jnp.float32))
    averaged = averaged_records(shadows.aux, mask)
    seconds["one run"] = time.perf_counter() - t
    report(progress, "training recipes", 2, total)
    n = data.pool.x.shape[0]
    k = max(1, round(config.top_fraction * n))
    conf = config.confidence
    a, cnt = crossed_counts(config.num_models, n, config.num_bootstrap, SEED)
    draws = CrossedDraws(a, cnt, advantage_replicates(pairwise_wins(base_scores, mask), mask,
                                                      a))
    columns = score_columns(single, averaged)
    correlations = []
    for name, col in columns.items():
        # the shadow-mean records depend on the models drawn: approximated as fixed
        correlations.append(correlation(name, "LiRA advantage", col, advantage, col,
                                        draws.advantage, cnt, k, conf))
    canaries = [CanaryRank(kind, name, float(np.median(rank_fraction(col)[data.kind == kind])),
                           float(np.mean(rank_fraction(col)[data.kind == kind] <= 0.1)))
                for kind in KINDS[1:] for name, col in (
                    ("GNQ cumulative (one run)", columns["GNQ cumulative (one run)"]),
                    ("TracIn Σ‖g‖² (one run)", columns["TracIn Σ‖g‖² (one run)"]),
                    ("LiRA advantage", advantage))]

    # 3. censoring and DP-SGD on the same splits and keys
    defense = [base_row]
    for i, tau in enumerate(config.budgets):
        t = time.perf_counter()
        censor = uniqueness_learner(config, c, budget=float(tau))
        trained = train_shadow_models(train_key, data.pool, learner=censor,
                                      num_models=config.num_models, return_params=True,
                                      return_aux=True, progress=progress)
        m = np.asarray(mask) > 0
        share = float(np.mean(np.asarray(trained.aux.censored_at)[m] >= 0))
        row, _ = attack_row(config, data, "censoring", tau, censor, trained.params, mask,
                            censored=share, seconds=time.perf_counter() - t)
        defense.append(row)
        seconds[f"censoring τ={tau:g}"] = row.seconds
        report(progress, "training recipes", 3 + i, total)
    for i, sigma in enumerate(config.sigmas):
        t = time.perf_counter()
        dp_learner = base_learner(config, c, DPSGD(config.clip_norm, sigma, config.sample_rate))
        trained = train_shadow_models(train_key, data.pool, learner=dp_learner,
                                      num_models=config.num_models, return_params=True,
                                      progress=progress)
        eps = dp_epsilon(sigma, config.sample_rate, config.steps, config.delta)
        row, _ = attack_row(config, data, "dp-sgd", sigma, dp_learner, trained.params, mask,
                            epsilon=eps, seconds=time.perf_counter() - t)
        defense.append(row)
        seconds[f"dp-sgd σ={sigma:g}"] = row.seconds
        report(progress, "training recipes", 3 + len(config.budgets) + i, total)

    # 4. the uncensored shadows quantized after training
    quantized, quantized_advantage = [], {}
    gnq_col = columns["GNQ cumulative (one run)"]
    for j, spec in enumerate(config.quantizers):
        t = time.perf_counter()
        q = parse(spec)
        params = quantize_tree(q, shadows.params, stacked=True,
                               key=jax.random.fold_in(quant_key, j) if q.needs_key else None)
        row, scores = attack_row(config, data, spec, math.nan, learner, params, mask,
                                 seconds=time.perf_counter() - t)
        quantized.append(row)
        adv_q = 2 * per_example_auc(scores, mask) - 1
        quantized_advantage[spec] = adv_q
        reps_q = advantage_replicates(pairwise_wins(scores, mask), mask, a)
        correlations += [
            correlation("GNQ cumulative (one run)", f"LiRA advantage, {spec}", gnq_col, adv_q,
                        gnq_col, reps_q, cnt, k, conf),
            correlation("LiRA advantage, full precision", f"LiRA advantage, {spec}",
                        advantage, adv_q, draws.advantage, reps_q, cnt, k, conf)]
    seconds["quantization"] = sum(r.seconds for r in quantized)
    seconds["total"] = time.perf_counter() - t0
    return UniquenessResult(config, data, single, averaged, advantage, quantized_advantage,
                            correlations, canaries, defense, quantized, seconds)


class Match(NamedTuple):
    """A DP-SGD row and the recipe without a formal guarantee (a censoring budget, or no
    defense at all) that is most accurate among those leaking no more by point estimate (the
    least leaky one when none does), with the leakage measure used: ``"tpr"`` (held-out TPR
    at the FPR, when resolvable) or ``"auc"``. The verdicts test both differences with
    paired intervals (:func:`mis.uniqueness.findings`)."""

    dp: DefenseRow
    censoring: DefenseRow | None
    measure: str


def leakage(row: DefenseRow, measure: str) -> Replicates:
    """The row's leakage replicates: held-out TPR at the FPR or AUC, on all points."""
    if row.all is None:
        raise ValueError(f"row {row.method!r} carries no replicates (built without them)")
    if measure == "tpr":
        return next(iter(row.all.rates.values()))[0]
    return row.all.auc


def matched_leakage(rows: list[DefenseRow]) -> list[Match]:
    """Every DP-SGD row paired with the most accurate of the undefended recipe and the
    censoring budgets that leaks no more by point estimate (see :class:`Match`)."""
    rivals = [r for r in rows if r.method in ("censoring", "none")]
    out = []
    for dp in (r for r in rows if r.method == "dp-sgd"):
        if not rivals:
            out.append(Match(dp, None, "auc"))
            continue
        measure = "tpr" if all(math.isfinite(float(r.tpr_all.value))
                               for r in [dp, *rivals]) else "auc"
        value = lambda r, measure=measure: float(leakage(r, measure).value)  # noqa: E731
        fits = [r for r in rivals if value(r) <= value(dp)]
        best = max(fits, key=lambda r: float(r.accuracy.value)) if fits else \
            min(rivals, key=value)
        out.append(Match(dp, best, measure))
    return out
