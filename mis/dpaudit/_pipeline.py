"""Audited DP-SGD: shadow models trained with DP-SGD at each σ, LiRA on canaries and ordinary
points, the empirical ε beside the accountant's ε (device training, host metrics).

For every noise multiplier σ, ``num_models`` models are trained by DP-SGD on IN/OUT splits of
one pool (ordinary points plus mislabeled canaries; each point IN for exactly half the models,
the same split and keys for every σ). LiRA (online, leave-one-model-out: every model is the
target once, the others its references) scores every (model, point) pair; pooled over models,
the canary scores give the empirical ε of :func:`mis.audit.epsilon_estimate` at the chosen
FPR: its Clopper–Pearson lower end is a lower confidence bound on the ε of the trained
mechanism, which an honest DP-SGD never exceeds its accountant's ε (``mis.shadow.dp_epsilon``)
beyond that confidence.

References:
    Jagielski, Ullman, Oprea, "Auditing Differentially Private Machine Learning: How Private is
    Private SGD?", 2020, arXiv:2006.07709.
    Nasr et al., "Adversary Instantiation: Lower Bounds for Differentially Private Machine
    Learning", 2021, arXiv:2101.04535.
    Carlini et al., "Membership Inference Attacks From First Principles", 2022,
    arXiv:2112.03570.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from mis.attacks import lira_online_scores
from mis.audit import GaussianDPAudit, epsilon_estimate, gdp_audit
from mis.data import (
    REAL_SETS,
    Dataset,
    make_gaussian_mixture,
    sample_gaussian_mixture,
)
from mis.dpaudit._config import DPAuditConfig
from mis.dpaudit._learner import audit_learner
from mis.dpaudit._one_run import run_one_run
from mis.dpaudit._sigmas import over_sigmas
from mis.inference import Finding, crossed_mean, crossed_metrics, held_out_ceiling
from mis.progress import ProgressFn
from mis.shadow import (
    dp_epsilon,
    dp_epsilon_rdp,
    stacked_predict,
    train_shadow_models,
)
from theory import Estimate


class AuditData(NamedTuple):
    """The pool (ordinary points, then the canaries), the canary mask and the test set."""

    pool: Dataset
    is_canary: np.ndarray
    test: Dataset
    num_classes: int


class DPAuditRow(NamedTuple):
    """One σ of the audit.

    Attributes:
        sigma: the noise multiplier the accountant was given.
        train_sigma: the noise multiplier training used (equal to ``sigma`` unless a test
            disabled the noise on purpose).
        epsilon: the accountant's ε at the config's δ (PLD, ``dp_accounting``; the tightest).
        canary: empirical ε from LiRA on the canaries (value, CP lower, CP upper).
        ordinary: the same on the ordinary pool points.
        canary_auc, ordinary_auc: LiRA AUC with two-way bootstrap intervals (models and
            points resampled together).
        accuracy: test accuracy, mean over models, two-way bootstrap interval.
        seconds: wall time of this σ.
        epsilon_rdp: the RDP bound over real orders (looser; a second column).
        ceiling_canary, ceiling_ordinary: the largest ε the canary / ordinary audit could
            certify even with perfectly separated scores (:func:`mis.inference.audit_ceiling`
            at its evaluation-half sizes and the audit's confidence and δ).
        gdp_canary: the Gaussian-DP μ lower bound and its ε from every canary (model, point)
            score (:func:`mis.audit.gdp_audit`; an estimate within the GDP family that treats
            the pairs as independent; it does not decide the verdict).
    """

    sigma: float
    train_sigma: float
    epsilon: float
    canary: Estimate
    ordinary: Estimate
    canary_auc: Estimate
    ordinary_auc: Estimate
    accuracy: Estimate
    seconds: float
    epsilon_rdp: float = float("nan")
    ceiling_canary: float = float("nan")
    ceiling_ordinary: float = float("nan")
    gdp_canary: GaussianDPAudit | None = None

    def detectable(self, group: str) -> bool:
        """Whether the ``"canary"`` or ``"ordinary"`` audit could show a violation at all: its
        ceiling exceeds the accountant's ε."""
        ceiling = self.ceiling_canary if group == "canary" else self.ceiling_ordinary
        return ceiling > self.epsilon

    def findings(self, confidence: float, smoke: bool = False) -> list[Finding]:
        """"DP-SGD at σ leaks more than its accountant allows" for both groups: the empirical
        ε's one-sided lower bound against the accountant's ε (an audit gives no upper bound on
        the mechanism, so the claim can hold or stay inconclusive); "not enough data" where
        the ceiling is at or below the accountant's ε (the audit cannot detect a violation
        there)."""
        out = []
        for group, est, ceiling in (("canary", self.canary, self.ceiling_canary),
                                    ("ordinary", self.ordinary, self.ceiling_ordinary)):
            one_sided = Estimate(float(est.value), float(est.lower), float("inf"))
            note = ("" if self.detectable(group) else
                    f"the audit cannot detect a violation here: its ceiling "
                    f"{ceiling:.2f} <= accountant ε {self.epsilon:.2f}")
            out.append(Finding(
                f"DP-SGD at σ = {self.sigma:g} leaks more than its accountant's ε "
                f"({group} points)", f"empirical ε ({group})", one_sided, "greater",
                null=self.epsilon, confidence=confidence, smoke=smoke,
                enough=self.detectable(group), note=note))
        return out

    @property
    def violated(self) -> bool:
        """The empirical lower bound exceeds the accountant's ε: the claim is false (at the
        audit's confidence)."""
        return float(self.canary.lower) > self.epsilon or float(self.ordinary.lower) > self.epsilon


class DPAuditResult(NamedTuple):
    """``rows``: one :class:`DPAuditRow` per σ (shadow mode) or one
    :class:`~mis.dpaudit.OneRunRow` per (σ, observer) (one-run mode)."""

    config: DPAuditConfig
    rows: list
    seconds: dict


def audit_data(config: DPAuditConfig, key: jax.Array) -> AuditData:
    """The pool and test set of ``config.dataset``. A shipped set (digits, fashion-mnist,
    adult): the first ``pool_size`` training rows, then the next ``num_canaries`` with a
    uniformly drawn wrong label; the test split.
    Mixture: ``pool_size + num_canaries`` draws, the last ones with the label flipped; 1000
    test draws. Keys: ``task, pool, test, labels = split(key, 4)``."""
    task_key, pool_key, test_key, label_key = jax.random.split(key, 4)
    n, k = config.pool_size, config.num_canaries
    if config.dataset in REAL_SETS:
        real = REAL_SETS[config.dataset]
        train, test = real.load("train"), real.load("test")
        x, y = train.x[:n + k], train.y[:n + k]
        classes = real.num_classes
    else:
        task = make_gaussian_mixture(task_key, d=config.d, k_modes=4)
        drawn = sample_gaussian_mixture(pool_key, n + k, task=task)
        test = sample_gaussian_mixture(test_key, 1000, task=task)
        x, y = drawn.x, drawn.y
        classes = 2
    shift = jax.random.randint(label_key, (k,), 1, classes)
    y = y.at[n:].set((y[n:] + shift) % classes)
    is_canary = np.arange(n + k) >= n
    return AuditData(Dataset(x, y), is_canary, test, classes)


def audit_sigma(config: DPAuditConfig, data: AuditData, key: jax.Array, sigma: float, *,
                train_sigma: float | None = None,
                progress: ProgressFn | None = None) -> DPAuditRow:
    """One σ: train, attack, compare (module docstring). ``train_sigma`` trains with another
    noise multiplier than the one accounted for: the audit's own test disables the noise this
    way (``train_sigma=0``) and checks that the audit catches it."""
    t0 = time.perf_counter()
    train_sigma = sigma if train_sigma is None else train_sigma
    learner = audit_learner(config, data.num_classes, train_sigma)
    shadows = train_shadow_models(key, data.pool, learner=learner, num_models=config.num_models,
                                  return_params=True, progress=progress)
    logits, test_logits = stacked_predict(learner, shadows.params, data.pool.x, data.test.x)
    scores = np.asarray(lira_online_scores(logits, data.pool.y, shadows.mask))
    mask = np.asarray(shadows.mask) > 0
    accuracy = crossed_mean(np.asarray(jnp.argmax(test_logits, -1) == data.test.y))
    kw = dict(fpr=config.fpr, delta=config.delta, confidence=config.confidence)
    c, o = data.is_canary, ~data.is_canary

    def ceiling(group):
        return held_out_ceiling(mask[:, group], confidence=config.confidence,
                                delta=config.delta)

    def two_way_auc(group):
        return crossed_metrics("LiRA", scores[:, group], mask[:, group],
                               fprs=()).auc.interval(config.confidence)

    return DPAuditRow(
        float(sigma), float(train_sigma),
        dp_epsilon(sigma, config.sample_rate, config.steps, config.delta),
        epsilon_estimate(scores[:, c], mask[:, c], **kw),
        epsilon_estimate(scores[:, o], mask[:, o], **kw),
        two_way_auc(c), two_way_auc(o),
        accuracy.interval(config.confidence), time.perf_counter() - t0,
        dp_epsilon_rdp(sigma, config.sample_rate, config.steps, config.delta),
        ceiling(c), ceiling(o),
        gdp_audit(scores[:, c][mask[:, c]], scores[:, c][~mask[:, c]], delta=config.delta,
                  confidence=config.confidence))


def run_dpaudit(config: DPAuditConfig, key: jax.Array, *,
                progress: ProgressFn | None = None) -> DPAuditResult:
    """Every σ of ``config`` (keys: ``data, train = split(key)``; the same ``train`` key, hence
    the same membership split and initialisations, for every σ). ``progress("noise
    multipliers", done, total)`` after each σ. ``mode="one-run"``:
    :func:`mis.dpaudit.run_one_run`."""
    if config.mode == "one-run":
        return DPAuditResult(config, *run_one_run(config, key, progress=progress))
    rows, seconds = over_sigmas(
        config, key, audit_data,
        lambda data, k, sigma: audit_sigma(config, data, k, sigma, progress=progress,
                                           train_sigma=config.planted_sigma),
        progress=progress)
    return DPAuditResult(config, rows, seconds)
