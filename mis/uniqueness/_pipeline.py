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
   LiRA advantage (percentile bootstrap over examples), top-k overlap and canary ranks, for
   GNQ's cumulative / max / mean, TracIn, and the mean of the shadows' records.
3. **Censoring vs DP-SGD.** The same splits and keys trained with censoring at each budget τ
   and with DP-SGD at each σ (Poisson rate ``batch_size / members``, same steps): LiRA AUC and
   TPR at ``fpr`` on all points and on the canaries, test accuracy, accountant ε.
4. **Quantization.** The uncensored shadows quantized by each zoo spec (target and references
   alike, so the attack is quantization-aware): the per-example LiRA advantage again, its ρ
   with GNQ and with the full-precision advantage, and the top-k overlap.

References:
    Abdelghafar, Aliakbarpour, Jermaine, arXiv:2510.10902 (GNQ, censoring).
    Carlini et al., "Membership Inference Attacks From First Principles", arXiv:2112.03570.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy import stats

from mis.attacks import lira_online_scores
from mis.audit import auc, tpr_at_fpr
from mis.data import (
    DIGITS_CLASSES,
    KINDS,
    Dataset,
    canary_pool,
    load_digits,
    make_gaussian_mixture,
    sample_gaussian_mixture,
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
from mis.uniqueness._config import UniquenessConfig
from mis.uniqueness._learner import Records, UniquenessLearner
from theory import Estimate, mean_estimate


class StudyData(NamedTuple):
    """The pool (ordinary points, mislabeled, out-of-distribution), each point's kind and the
    test set."""

    pool: Dataset
    kind: np.ndarray
    test: Dataset
    num_classes: int

    @property
    def is_canary(self) -> np.ndarray:
        return self.kind != "ordinary"


class DefenseRow(NamedTuple):
    """One training recipe attacked by LiRA.

    Attributes:
        method: ``"none"`` (no defense), ``"censoring"`` or ``"dp-sgd"``; a quantizer spec in
            the quantization table.
        parameter: the budget τ, the noise multiplier σ, or NaN.
        epsilon: the accountant's ε (DP-SGD), else inf.
        censored: the share of (model, member) pairs censored before the end.
        auc_all, tpr_all: LiRA AUC (DeLong) and held-out TPR at the FPR (Clopper–Pearson) on
            every pool point; auc_canary, tpr_canary: on the canaries.
        accuracy: test accuracy, mean over models with a normal interval.
        seconds: wall time of the row.
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


class Correlation(NamedTuple):
    """Spearman ρ between a per-example score and a per-example LiRA advantage, with its
    bootstrap interval, and the overlap of their top ``k`` examples (chance: ``k/n``)."""

    score: str
    target: str
    rho: Estimate
    overlap: float
    k: int


class CanaryRank(NamedTuple):
    """Where the canaries of one kind fall in the ranking by ``score`` (1 = top): median rank
    as a fraction of the pool, and the share of them in the top 10 %."""

    kind: str
    score: str
    median_rank: float
    top10: float


class UniquenessResult(NamedTuple):
    config: UniquenessConfig
    data: StudyData
    single: Records
    averaged: Records
    advantage: np.ndarray
    quantized_advantage: dict
    correlations: list[Correlation]
    canaries: list[CanaryRank]
    defense: list[DefenseRow]
    quantized: list[DefenseRow]
    seconds: dict


def study_data(config: UniquenessConfig, key) -> StudyData:
    """Digits: the first ``pool_size`` training digits, the next ``num_mislabeled`` with a
    uniformly drawn wrong label, ``num_ood`` uniform-noise images with random labels; the test
    split. Mixture: draws of a 2-class mixture in R^d, the mislabeled ones with the label
    flipped, out-of-distribution points = draws scaled by 4; 1000 test draws. Keys: ``task,
    pool, test, labels, ood = split(key, 5)``."""
    task_key, pool_key, test_key, label_key, ood_key = jax.random.split(key, 5)
    n, k, o = config.pool_size, config.num_mislabeled, config.num_ood
    if config.dataset == "digits":
        train, test = load_digits("train"), load_digits("test")
        x, y = train.x[:n + k], train.y[:n + k]
        classes = DIGITS_CLASSES
        x_ood = jax.random.uniform(ood_key, (o, *x.shape[1:]))
    else:
        task = make_gaussian_mixture(task_key, d=config.d, k_modes=4)
        drawn = sample_gaussian_mixture(pool_key, n + k + o, task=task)
        test = sample_gaussian_mixture(test_key, 1000, task=task)
        x, y = drawn.x[:n + k], drawn.y[:n + k]
        x_ood = 4.0 * drawn.x[n + k:]
        classes = 2
    pool, kind = canary_pool(label_key, ood_key, x, y, x_ood, num_mislabeled=k,
                             num_classes=classes)
    return StudyData(pool, kind, test, classes)


def base_learner(config: UniquenessConfig, num_classes: int, dp: DPSGD | None = None):
    """The network and optimizer of ``config`` (ConvNet on digits, MLP on the mixture)."""
    kw = dict(num_outputs=num_classes, steps=config.steps, learning_rate=config.learning_rate,
              optimizer=config.optimizer, dp=dp)
    if config.dataset == "digits":
        return ConvLearner(channels=config.channels, **kw)
    return MLPLearner(hidden=config.hidden, **kw)


def uniqueness_learner(config: UniquenessConfig, num_classes: int,
                       budget: float = math.inf) -> UniquenessLearner:
    """The recorded mini-batch recipe of ``config``, censoring at ``budget``."""
    return UniquenessLearner(base_learner(config, num_classes), batch_size=config.batch_size,
                             ridge=config.ridge, budget=budget)


def per_example_auc(scores, mask) -> np.ndarray:
    """``[n]``: column ``i``'s Mann–Whitney AUC of the scores of the models where ``i`` is IN
    against those where it is OUT (ties count ½)."""
    s, m = np.asarray(scores, np.float64), np.asarray(mask) > 0
    ranks = stats.rankdata(s, axis=0)
    n_in, n_out = m.sum(0), (~m).sum(0)
    rank_in = np.where(m, ranks, 0.0).sum(0)
    return (rank_in - n_in * (n_in + 1) / 2) / np.maximum(n_in * n_out, 1)


def spearman(a, b) -> float:
    """Spearman's ρ: Pearson's correlation of the average ranks."""
    ra, rb = stats.rankdata(a), stats.rankdata(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(np.sum(ra**2) * np.sum(rb**2)))
    return float(np.sum(ra * rb) / den) if den > 0 else math.nan


def spearman_estimate(a, b, *, seed: int, num_bootstrap: int = 1000,
                      confidence: float = 0.95) -> Estimate:
    """ρ with a percentile-bootstrap interval (examples resampled with replacement)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    rng = np.random.default_rng(seed)
    draws = [spearman(a[i], b[i]) for i in rng.integers(0, a.size, (num_bootstrap, a.size))]
    lo, hi = np.nanquantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
    return Estimate(spearman(a, b), float(lo), float(hi))


def top_overlap(a, b, k: int) -> float:
    """``|top_k(a) ∩ top_k(b)| / k`` (ties broken by index)."""
    top = lambda v: set(np.argsort(-np.asarray(v), kind="stable")[:k].tolist())
    return len(top(a) & top(b)) / k


def rank_fraction(score) -> np.ndarray:
    """Each example's rank by ``score`` (1 = largest) over the number of examples."""
    return (np.argsort(np.argsort(-np.asarray(score), kind="stable")) + 1) / np.size(score)


def attack_row(config, data: StudyData, method: str, parameter: float, learner, params,
               mask, *, epsilon: float = math.inf, censored: float = 0.0,
               seconds: float = 0.0):
    """``(DefenseRow, LiRA scores [M, n])`` for stacked ``params`` trained on ``mask``."""
    logits, test_logits = stacked_predict(learner, params, data.pool.x, data.test.x)
    scores = np.asarray(lira_online_scores(logits, data.pool.y, mask))
    acc = jnp.mean(jnp.argmax(test_logits, -1) == data.test.y, axis=1)
    m, c = np.asarray(mask) > 0, data.is_canary
    row = DefenseRow(method, float(parameter), float(epsilon), float(censored),
                     auc(scores, m), tpr_at_fpr(scores, m, config.fpr),
                     auc(scores[:, c], m[:, c]), tpr_at_fpr(scores[:, c], m[:, c], config.fpr),
                     Estimate(*(float(v) for v in mean_estimate(acc))), float(seconds))
    return row, scores


def averaged_records(records: Records, mask) -> Records:
    """The shadows' records averaged over the models where each example is IN."""
    m = jnp.asarray(mask)
    avg = lambda a: jnp.sum(a * m, 0) / jnp.maximum(jnp.sum(m, 0), 1)
    return Records(avg(records.cumulative), avg(records.max), avg(records.total),
                   avg(records.tracin), avg(records.count),
                   jnp.max(records.censored_at, axis=0))


def score_columns(single: Records, averaged: Records) -> dict[str, np.ndarray]:
    """The per-example scores compared with LiRA, by report name."""
    return {"GNQ cumulative (one run)": np.asarray(single.cumulative),
            "GNQ max (one run)": np.asarray(single.max),
            "GNQ mean (one run)": np.asarray(single.mean),
            "TracIn (one run)": np.asarray(single.tracin),
            "GNQ cumulative (shadow mean)": np.asarray(averaged.cumulative),
            "TracIn (shadow mean)": np.asarray(averaged.tracin)}


def run_uniqueness(config: UniquenessConfig, key, *,
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

    # 2. one run on the whole pool
    t = time.perf_counter()
    _, single = jax.jit(learner.fit_aux)(single_key, data.pool,
                                         jnp.ones(data.pool.x.shape[0], jnp.float32))
    averaged = averaged_records(shadows.aux, mask)
    seconds["one run"] = time.perf_counter() - t
    report(progress, "training recipes", 2, total)
    n = data.pool.x.shape[0]
    k = max(1, round(config.top_fraction * n))
    boot = dict(num_bootstrap=config.num_bootstrap, confidence=config.confidence)
    columns = score_columns(single, averaged)
    correlations = [Correlation(name, "LiRA advantage",
                                spearman_estimate(col, advantage, seed=i, **boot),
                                top_overlap(col, advantage, k), k)
                    for i, (name, col) in enumerate(columns.items())]
    canaries = [CanaryRank(kind, name, float(np.median(rank_fraction(col)[data.kind == kind])),
                           float(np.mean(rank_fraction(col)[data.kind == kind] <= 0.1)))
                for kind in KINDS[1:] for name, col in (
                    ("GNQ cumulative (one run)", columns["GNQ cumulative (one run)"]),
                    ("TracIn (one run)", columns["TracIn (one run)"]),
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
        correlations += [
            Correlation("GNQ cumulative (one run)", f"LiRA advantage, {spec}",
                        spearman_estimate(gnq_col, adv_q, seed=100 + j, **boot),
                        top_overlap(gnq_col, adv_q, k), k),
            Correlation("LiRA advantage, full precision", f"LiRA advantage, {spec}",
                        spearman_estimate(advantage, adv_q, seed=200 + j, **boot),
                        top_overlap(advantage, adv_q, k), k)]
    seconds["quantization"] = sum(r.seconds for r in quantized)
    seconds["total"] = time.perf_counter() - t0
    return UniquenessResult(config, data, single, averaged, advantage, quantized_advantage,
                            correlations, canaries, defense, quantized, seconds)


class Match(NamedTuple):
    """A DP-SGD row and the most accurate censoring row that leaks no more (its TPR at the FPR
    on all points at most the DP row's upper confidence end), with the verdict on their
    accuracies: ``"censoring"`` / ``"dp-sgd"`` (the intervals are disjoint and that one is
    higher), ``"tie"``, or ``"unmatched"`` (every censoring budget leaked more)."""

    dp: DefenseRow
    censoring: DefenseRow | None
    winner: str


def matched_leakage(rows: list[DefenseRow]) -> list[Match]:
    """Every DP-SGD row paired with the most accurate censoring row at most as leaky (module
    docstring of :class:`Match`)."""
    out = []
    for dp in (r for r in rows if r.method == "dp-sgd"):
        fits = [r for r in rows if r.method == "censoring"
                and float(r.tpr_all.value) <= float(dp.tpr_all.upper)]
        if not fits:
            out.append(Match(dp, None, "unmatched"))
            continue
        best = max(fits, key=lambda r: float(r.accuracy.value))
        if float(best.accuracy.lower) > float(dp.accuracy.upper):
            winner = "censoring"
        elif float(dp.accuracy.lower) > float(best.accuracy.upper):
            winner = "dp-sgd"
        else:
            winner = "tie"
        out.append(Match(dp, best, winner))
    return out
