"""``mis condense``: is a model trained on a condensed synthetic set private? Pipeline-level
shadows, the baselines of the "no free lunch" rebuttal, and verdicts (device training, host
metrics).

1. **Audit set.** Ordinary pool points plus mislabeled and out-of-distribution canaries; every
   audit point is IN for exactly half of the ``num_models`` pipelines (the same balanced split
   for every method, so methods are compared on identical private sets).
2. **Pipelines** (each vmapped by the shadow engine, :mod:`mis.condense._learner`): DM from
   noise and from real members at every ipc; the random subset of ``ipc`` members per class;
   the whole pool; DP-SGD on the whole pool at every σ (accountant ε). The released artefact is
   the model trained at the end of the pipeline.
3. **Attacks.** Online LiRA (leave-one-pipeline-out) and the loss attack on every pipeline,
   reported for *ordinary* points (members that did not start a synthetic image or were not
   selected vs non-members), for the *initialising* / selected members, for *all* ordinary
   members, and for the *canaries*; AUC and held-out TPR at each FPR with two-way bootstrap
   intervals over pipelines and points (:func:`mis.inference.crossed_metrics`; every group,
   method and attack shares the resamples, so differences are paired). The nearest real
   member of every synthetic image (L2) is the visual check.
4. **O(m/n).** DM from noise at the largest ipc and whole-pool training on pools of
   ``scaling_sizes`` (the audit set plus always-IN filler): the leakage of an ordinary audit
   point is its mean IN − OUT gap of the logit-scaled confidence; the slope of log leakage on
   log of the expected number of members per class, ``((n − audit) + audit / 2) / classes``
   (every audit point is IN for half the pipelines), with a two-way bootstrap over pipelines
   and audit points, the same resamples at every size.

References:
    Dong, Zhao, Lyu, arXiv:2206.00240; Carlini, Feldman, Nasr, arXiv:2209.14987;
    Zhao and Bilen (DM), arXiv:2110.04181; Carlini et al. (LiRA), arXiv:2112.03570.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from mis.attacks import lira_online_scores, logit_scale
from mis.condense._config import CondenseConfig
from mis.condense._learner import CondensedLearner, SubsetLearner
from mis.data import (
    Dataset,
)
from mis.errors import UserError
from mis.inference import (
    CrossedMetrics,
    Replicates,
    crossed_counts,
    crossed_mean,
    crossed_metrics,
)
from mis.progress import ProgressFn, report
from mis.shadow import (
    DPSGD,
    ConvLearner,
    MLPLearner,
    dp_epsilon,
    membership_mask,
    stacked_loss,
    stacked_predict,
    train_shadow_models,
)
from mis.study import CanaryData, canary_data, network_learner
from theory import Estimate

ATTACKS = ("lira", "loss")


class Method(NamedTuple):
    """One pipeline: ``name`` (``dm-noise``, ``dm-real``, ``subset``, ``whole``, ``dpsgd``),
    its ``parameter`` (ipc, σ, or NaN) and the engine learner."""

    name: str
    parameter: float
    learner: Any

    @property
    def label(self) -> str:
        if self.name in ("dm-noise", "dm-real", "subset"):
            return f"{self.name} ipc={int(self.parameter)}"
        if self.name == "dpsgd":
            return f"dpsgd σ={self.parameter:g}"
        return self.name


class GroupRow(NamedTuple):
    """One method × attack × group: AUC and TPR at each FPR of ``config.fprs`` with their
    intervals, and the numbers of member / non-member (pipeline, point) pairs."""

    method: str
    parameter: float
    attack: str
    group: str
    auc: Estimate
    tprs: tuple
    positives: int
    negatives: int
    metrics: CrossedMetrics | None = None


class MethodResult(NamedTuple):
    """One method: test accuracy (mean over pipelines and test points, two-way bootstrap
    interval; ``accuracy_reps`` its replicates, paired across methods), ε (DP-SGD) or NaN,
    the nearest-member distance of its synthetic images (mean; NaN without), its rows and the
    first pipeline's training set (for the figure) and their nearest members; for DM, the loss
    at every iteration (mean over pipelines)."""

    method: str
    parameter: float
    label: str
    accuracy: Estimate
    epsilon: float
    nearest_distance: float
    rows: list
    example_images: np.ndarray | None
    nearest_images: np.ndarray | None
    seconds: float
    accuracy_reps: Replicates | None = None
    dm_losses: np.ndarray | None = None


class ScalingRow(NamedTuple):
    """Leakage (mean IN − OUT gap of the logit-scaled confidence over ordinary audit points,
    two-way interval) and LiRA AUC of one method at pool size ``n`` with ``members`` expected
    members per class."""

    method: str
    n: int
    leakage: Estimate
    auc: Estimate
    members: float = float("nan")


class Slope(NamedTuple):
    """The log-log slope of leakage on the expected members per class, with its two-way
    bootstrap replicates and interval, and the share of replicates where a leakage was not
    positive (no logarithm)."""

    method: str
    slope: Estimate
    invalid: float
    reps: Replicates | None = None


class CondenseResult(NamedTuple):
    config: CondenseConfig
    data: CanaryData
    methods: list
    scaling: list
    slopes: list
    reference_distance: float
    seconds: dict


def study_data(config: CondenseConfig, key: jax.Array) -> CanaryData:
    """The audit pool with canaries, the filler of the scaling check (the remaining training
    digits, or ``max(scaling_sizes) − audit_size`` further mixture draws) and the test set
    (:func:`mis.study.canary_data`)."""
    largest = max(*config.scaling_sizes, config.private_size)
    return canary_data(key, config.dataset, pool_size=config.pool_size,
                       num_mislabeled=config.num_mislabeled, num_ood=config.num_ood, d=config.d,
                       filler=largest - config.audit_size)


def private_pool(config: CondenseConfig, data: CanaryData, n: int,
                 key: jax.Array) -> tuple[Dataset, jax.Array]:
    """``(pool, mask [M, n])``: the audit set followed by ``n − audit`` filler points, and the
    pipelines' membership: the audit split the engine draws from ``key`` (``mask_key, _ =
    split(key)``, so every method and size shares it) and the filler always IN."""
    audit, extra = config.audit_size, n - config.audit_size
    mask_key, _ = jax.random.split(key)
    audit_mask = membership_mask(mask_key, config.num_models, audit)
    if extra == 0:
        return data.pool, audit_mask
    pool = Dataset(jnp.concatenate([data.pool.x, data.filler.x[:extra]]),
                   jnp.concatenate([data.pool.y, data.filler.y[:extra].astype(data.pool.y.dtype)]))
    return pool, jnp.concatenate([audit_mask, jnp.ones((config.num_models, extra))], 1)


def base_learner(config: CondenseConfig, dp: DPSGD | None = None,
                 batch_size: int = 0) -> ConvLearner | MLPLearner:
    """The released model's network and optimizer (:func:`mis.study.network_learner`)."""
    return network_learner(config.dataset, num_outputs=config.num_classes, steps=config.steps,
                           learning_rate=config.learning_rate, channels=config.channels,
                           hidden=config.hidden, dp=dp, batch_size=batch_size or None)


def dm_learner(config: CondenseConfig, ipc: int, init: str) -> CondensedLearner:
    return CondensedLearner(base_learner(config), ipc=ipc, num_classes=config.num_classes,
                            iterations=config.iterations, init=init,
                            learning_rate=config.dm_learning_rate, momentum=config.momentum,
                            real_batch=config.real_batch or None)


def methods(config: CondenseConfig) -> list[Method]:
    """Every pipeline of the study, in report order."""
    out = [Method(f"dm-{init}", float(ipc), dm_learner(config, ipc, init))
           for init in config.inits for ipc in config.ipcs]
    out += [Method("subset", float(ipc), SubsetLearner(base_learner(config), ipc=ipc,
                                                        num_classes=config.num_classes))
            for ipc in config.ipcs]
    out.append(Method("whole", math.nan, base_learner(config, batch_size=config.batch_size)))
    out += [Method("dpsgd", float(s), base_learner(config, DPSGD(config.clip_norm, s,
                                                                 config.sample_rate)))
            for s in config.sigmas]
    return out


def used_mask(init_index: ArrayLike, num_points: int) -> np.ndarray:
    """``[M, n]`` bool: pool point ``i`` started a synthetic image (or was selected) in
    pipeline ``m`` (``init_index`` ``[M, k]``, ``-1`` = none; an index ``>= num_points``, a
    filler point, is left out)."""
    idx = np.asarray(init_index).ravel()
    out = np.zeros((np.shape(init_index)[0], num_points + 1), bool)
    rows = np.repeat(np.arange(out.shape[0]), np.shape(init_index)[1])
    out[rows, np.where((idx >= 0) & (idx < num_points), idx, num_points)] = True
    return out[:, :num_points]


def group_pairs(kind: np.ndarray, mask: ArrayLike,
                used: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``group -> (positive, negative)`` ``[M, n]`` masks over (pipeline, point) pairs: members
    that did not start an image vs non-members (ordinary points), members that did vs the same
    non-members, all members vs non-members, canary members vs canary non-members."""
    m = np.asarray(mask) > 0
    ordinary = np.broadcast_to(np.asarray(kind) == "ordinary", m.shape)
    canary = ~ordinary
    out_ord = ~m & ordinary
    return {"ordinary": (m & ordinary & ~used, out_ord),
            "initialising": (m & ordinary & used, out_ord),
            "all members": (m & ordinary, out_ord),
            "canaries": (m & canary, ~m & canary)}


def group_metrics(scores: ArrayLike, positive: ArrayLike, negative: ArrayLike,
                  fprs: Sequence[float], confidence: float, num_bootstrap: int = 400
                  ) -> tuple[Estimate, tuple, CrossedMetrics] | None:
    """``(AUC, held-out TPRs, CrossedMetrics)`` of ``scores [M, n]`` on the pairs of one group
    (``positive`` / ``negative`` ``[M, n]`` masks), intervals from the two-way bootstrap over
    pipelines and points; a TPR whose target is below the resolution is ``nan``. None when
    a side has fewer than 4 pairs (no interval)."""
    pos, neg = np.asarray(positive, bool), np.asarray(negative, bool)
    if pos.sum() < 4 or neg.sum() < 4:
        return None
    try:
        cm = crossed_metrics("", scores, pos, fprs=tuple(fprs), valid=pos | neg,
                             num_bootstrap=num_bootstrap)
    except UserError:  # a held-out half without 2 members and 2 non-members
        return None
    return (cm.auc.interval(confidence),
            tuple(cm.rate(f, confidence).tpr for f in fprs), cm)


def nearest_members(images: ArrayLike, pool_x: ArrayLike,
                    member: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(distance [k], index [k])``: the L2-nearest member of ``pool_x`` to every image."""
    a = np.asarray(images, np.float64)
    b = np.asarray(pool_x, np.float64)
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    d2 = np.where(np.asarray(member)[None, :], np.maximum(d2, 0), np.inf)
    index = np.argmin(d2, axis=1)
    return np.sqrt(d2[np.arange(len(a)), index]), index


def run_method(config: CondenseConfig, data: CanaryData, method: Method, key: jax.Array,
               private: tuple[Dataset, jax.Array], *, progress: ProgressFn | None = None
               ) -> tuple[MethodResult, jax.Array, np.ndarray]:
    """One method's pipelines on the private pool ``private`` (:func:`private_pool` with
    ``key``, built once for every method): ``(MethodResult, logits [M, n, C], mask)`` on the
    audit points."""
    t0 = time.perf_counter()
    has_aux = method.learner.has_aux
    pool, private_mask = private
    shadows = train_shadow_models(key, pool, learner=method.learner,
                                  num_models=config.num_models, mask=private_mask,
                                  return_params=True, return_aux=has_aux, progress=progress)
    logits, test_logits = stacked_predict(method.learner, shadows.params, data.pool.x,
                                          data.test.x)
    if not bool(jnp.all(jnp.isfinite(logits))):
        raise UserError(f"{method.label}: training diverged (non-finite predictions); lower "
                        f"--dm-learning-rate (now {config.dm_learning_rate:g}) or "
                        f"--learning-rate (now {config.learning_rate:g})")
    (losses,) = stacked_loss(method.learner, shadows.params, data.pool)
    n = data.pool.x.shape[0]
    members = np.asarray(shadows.mask) > 0  # [M, private size]
    mask = members[:, :n]
    used = used_mask(shadows.aux.init_index, n) if has_aux else np.zeros_like(mask)
    scores = {"lira": np.asarray(lira_online_scores(logits, data.pool.y, mask)),
              "loss": -np.asarray(losses)}
    rows = []
    for group, (pos, neg) in group_pairs(data.kind, mask, used).items():
        for attack in ATTACKS:
            got = group_metrics(scores[attack], pos, neg, config.fprs, config.confidence,
                                config.num_bootstrap)
            if got is not None:
                rows.append(GroupRow(method.name, method.parameter, attack, group, got[0],
                                     got[1], int(pos.sum()), int(neg.sum()), got[2]))
    correct = np.asarray(jnp.argmax(test_logits, -1) == data.test.y, np.float64)
    accuracy_reps = crossed_mean(correct, num_bootstrap=config.num_bootstrap)
    epsilon = (dp_epsilon(method.parameter, config.sample_rate, config.steps, config.delta)
               if method.name == "dpsgd" else math.nan)
    nearest, example, near_img = math.nan, None, None
    if method.name.startswith("dm-"):
        dists = []
        for m in range(config.num_models):
            d, idx = nearest_members(shadows.aux.x[m], pool.x, members[m])
            dists.append(d)
            if m == 0:
                example = np.asarray(shadows.aux.x[0])
                near_img = np.asarray(pool.x)[idx]
        nearest = float(np.mean(dists))
    dm_losses = np.asarray(shadows.aux.losses, np.float64).mean(0) \
        if method.name.startswith("dm-") else None
    return (MethodResult(method.name, method.parameter, method.label,
                         accuracy_reps.interval(config.confidence), epsilon, nearest, rows,
                         example, near_img, time.perf_counter() - t0, accuracy_reps,
                         dm_losses),
            logits, mask)


def leakage_per_point(logits: ArrayLike, labels: ArrayLike, mask: ArrayLike) -> np.ndarray:
    """``[n]``: each point's mean logit-scaled confidence over the pipelines where it is IN
    minus the mean where it is OUT (the per-example influence that O(m/n) bounds)."""
    phi = np.asarray(logit_scale(logits, labels), np.float64)
    m = np.asarray(mask) > 0
    return (np.where(m, phi, 0).sum(0) / np.maximum(m.sum(0), 1)
            - np.where(~m, phi, 0).sum(0) / np.maximum((~m).sum(0), 1))


def weighted_leakage(phi: ArrayLike, mask: ArrayLike, a: np.ndarray,
                     c: np.ndarray) -> np.ndarray:
    """``[B]`` mean over points (weights ``c [B, n]``) of each point's IN − OUT gap of
    ``phi [M, n]`` over pipelines (weights ``a [B, M]``); a point without an IN or an OUT
    pipeline in a resample is left out of it."""
    phi = np.asarray(phi, np.float64)
    m = np.asarray(mask) > 0
    w_in, w_out = a @ m, a @ ~m  # [B, n]
    g_in = a @ np.where(m, phi, 0.0)
    g_out = a @ np.where(~m, phi, 0.0)
    ok = (w_in > 0) & (w_out > 0)
    gap = np.where(ok, g_in / np.where(ok, w_in, 1) - g_out / np.where(ok, w_out, 1), 0.0)
    cw = c * ok
    den = cw.sum(1)
    return np.where(den > 0, (cw * gap).sum(1) / np.where(den > 0, den, 1), np.nan)


def fit_slope(members: Sequence[float], tables: Sequence[tuple[np.ndarray, np.ndarray]], *,
              seed: int, num_bootstrap: int,
              confidence: float) -> tuple[Estimate, float, Replicates, list[Replicates]]:
    """``(slope, invalid share, slope replicates, leakage replicates per size)``:
    least-squares slope of ``log mean(leakage)`` on ``log members``. ``tables``: one
    ``(phi [M, n], mask [M, n])`` per size, the same pipelines and points at every size. The
    interval resamples pipelines and points together (two-way bootstrap, the same draw at
    every size); replicates with a non-positive mean are left out and counted; the interval
    is the bias-corrected percentile one."""
    x = np.log(np.asarray(members, np.float64))
    num_models, num_points = np.asarray(tables[0][0]).shape
    a, c = crossed_counts(num_models, num_points, num_bootstrap, seed)
    ones_a, ones_c = np.ones((1, num_models)), np.ones((1, num_points))
    values = np.array([weighted_leakage(p, m, ones_a, ones_c)[0] for p, m in tables])
    reps = np.stack([weighted_leakage(p, m, a, c) for p, m in tables], 1)  # [B, sizes]

    def slope(means):
        if not np.all(np.isfinite(means)) or np.any(means <= 0):
            return math.nan
        return float(np.polyfit(x, np.log(means), 1)[0])

    slope_reps = Replicates(slope(values), np.array([slope(r) for r in reps]))
    leak = [Replicates(float(values[k]), reps[:, k]) for k in range(len(tables))]
    invalid = float(1 - np.isfinite(slope_reps.reps).mean())
    return slope_reps.interval(confidence), invalid, slope_reps, leak


def expected_members(config: CondenseConfig, n: int) -> float:
    """Expected members per class of a pipeline trained on a pool of ``n``: the always-IN
    filler plus half the audit set, over the classes."""
    audit = config.audit_size
    return ((n - audit) + audit / 2) / config.num_classes


def run_scaling(config: CondenseConfig, data: CanaryData, key: jax.Array, cached: dict, *,
                progress: ProgressFn | None = None) -> tuple[list[ScalingRow], list[Slope]]:
    """The O(m/n) check (module docstring, step 4): ``(rows, slopes)``. ``cached[(name, n)]``
    holds ``(logits, mask)`` of runs already made on the audit pool alone."""
    ordinary = data.kind == "ordinary"
    chosen = [m for m in methods(config)
              if (m.name == "dm-noise" and m.parameter == max(config.ipcs)) or m.name == "whole"]
    rows, slopes = [], []
    total, done = len(chosen) * len(config.scaling_sizes), 0
    members = [expected_members(config, n) for n in config.scaling_sizes]
    for i, method in enumerate(chosen):
        tables, aucs = [], []
        for n in config.scaling_sizes:
            report(progress, "O(m/n) runs", done, total)
            done += 1
            if (method.name, n) in cached:
                logits, mask = cached[(method.name, n)]
            else:
                pool, full = private_pool(config, data, n, key)
                shadows = train_shadow_models(key, pool, learner=method.learner,
                                              num_models=config.num_models, mask=full,
                                              return_params=True, progress=progress)
                (logits,) = stacked_predict(method.learner, shadows.params, data.pool.x)
                mask = full[:, :config.audit_size]
            phi = np.asarray(logit_scale(logits, data.pool.y), np.float64)[:, ordinary]
            m = np.asarray(mask)[:, ordinary] > 0
            tables.append((phi, m))
            scores = np.asarray(lira_online_scores(logits, data.pool.y, mask))[:, ordinary]
            aucs.append(crossed_metrics("lira", scores, m, fprs=(),
                                        num_bootstrap=config.num_bootstrap)
                        .auc.interval(config.confidence))
        slope, invalid, reps, leak = fit_slope(members, tables, seed=i,
                                               num_bootstrap=config.num_bootstrap,
                                               confidence=config.confidence)
        rows += [ScalingRow(method.name, int(n), lk.interval(config.confidence), a_, mb)
                 for n, lk, a_, mb in zip(config.scaling_sizes, leak, aucs, members,
                                          strict=True)]
        slopes.append(Slope(method.name, slope, invalid, reps))
    report(progress, "O(m/n) runs", total, total)
    return rows, slopes


def run_condense(config: CondenseConfig, key: jax.Array, *,
                 progress: ProgressFn | None = None) -> CondenseResult:
    """The whole study (module docstring). Keys: ``data, train = split(key)``; every method
    and every scaling run trains with the ``train`` key, so all share the audit split."""
    data_key, train_key = jax.random.split(key)
    t0 = time.perf_counter()
    data = study_data(config, data_key)
    all_methods = methods(config)
    private = private_pool(config, data, config.private_size, train_key)
    total = len(all_methods) + 1
    results, cached, seconds = [], {}, {}
    for i, method in enumerate(all_methods):
        report(progress, "pipelines", i, total)
        result, logits, mask = run_method(config, data, method, train_key, private,
                                          progress=progress)
        results.append(result)
        seconds[method.label] = result.seconds
        if (method.name == "dm-noise" and method.parameter == max(config.ipcs)) \
                or method.name == "whole":
            cached[(method.name, config.private_size)] = (logits, mask)
    report(progress, "pipelines", len(all_methods), total)
    t = time.perf_counter()
    scaling, slopes = run_scaling(config, data, train_key, cached, progress=progress)
    seconds["scaling"] = time.perf_counter() - t
    report(progress, "pipelines", total, total)
    ordinary = np.concatenate([data.kind == "ordinary",
                               np.ones(config.filler_size, bool)])
    reference, _ = nearest_members(data.test.x[:200], private[0].x, ordinary)
    seconds["total"] = time.perf_counter() - t0
    return CondenseResult(config, data, results, scaling, slopes, float(np.mean(reference)),
                          seconds)
