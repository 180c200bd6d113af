"""``mis dpaudit --mode one-run``: DP-SGD audited from one training run per σ (device training,
host metrics).

``m`` canaries are each included independently with probability ½ (their coins drawn before
training, from their own key); the ordinary pool is always in. One DP-SGD run per σ trains on
the ordinary pool plus the included canaries; the attacker scores every canary from what its
observer sees and :func:`mis.audit.one_run_audit` turns the scores and the coins into Steinke et
al.'s ε lower bound (a fixed grid of guess counts, Bonferroni), with the audit's ceiling; a
Gaussian-DP estimate (:func:`mis.audit.gdp_audit`) stands beside it.

Canaries (``canary``) and observers (``observers``):

- ``mislabeled``: training rows after the pool with a wrong label; ``input``: out-of-distribution
  inputs (uniform noise, random label; :func:`mis.study.canary_data`), the ``m`` of ``4 m``
  candidates with the largest gradients at initialisation (:func:`one_run_data`).
  Observer ``black-box``: the final model's loss on the canary (score = −loss).
- ``gradient``: Dirac gradient canaries (:class:`mis.shadow.GradientCanaries`), one parameter
  coordinate each: the ``m`` coordinates where the pool's clipped gradients at the
  initialisation sum to the least (:func:`mis.shadow.quiet_coordinates`; chosen before the
  coins, so the bound stays valid). On digits with the noise off this raised the every-step
  bound from 3.66 (random coordinates) to 3.98 of a 4.26 ceiling. Observers ``white-box`` (the
  final parameters and the known initialisation: :func:`mis.attacks.dirac_final_scores`) and
  ``every-step`` (every noisy update: :func:`mis.attacks.dirac_step_scores`); both come from
  the same run.

References:
    Steinke, Nasr, Jagielski, "Privacy Auditing with One (1) Training Run", NeurIPS 2023,
    arXiv:2305.08846.
    Nasr et al., "Tight Auditing of Differentially Private Machine Learning", USENIX Security
    2023, arXiv:2302.07956.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from mis.attacks import dirac_final_scores, dirac_step_scores
from mis.audit import GaussianDPAudit, OneRunAudit, auc_value, gdp_audit, one_run_audit
from mis.dpaudit._config import DPAuditConfig
from mis.dpaudit._learner import audit_learner
from mis.dpaudit._sigmas import over_sigmas
from mis.errors import UserError
from mis.inference import Finding
from mis.progress import ProgressFn
from mis.shadow import (
    GradientCanaries,
    clip_gradients,
    dp_epsilon,
    dp_epsilon_rdp,
    example_shape,
    per_example_gradients,
    quiet_coordinates,
    train_with_gradient_canaries,
)
from mis.study import CanaryData, canary_data
from theory import Estimate


class OneRunRow(NamedTuple):
    """One (σ, observer) of the one-run audit.

    Attributes:
        sigma, train_sigma, epsilon, epsilon_rdp: as in :class:`~mis.dpaudit.DPAuditRow`.
        canary, observer: the canary kind and what the attacker sees.
        audit: the one-run ε lower bound, its ceiling, guesses and coins.
        gdp: the Gaussian-DP μ lower bound and its ε (an estimate within the GDP family).
        auc: the canary scores' AUC (IN vs OUT coins).
        accuracy: test accuracy of the one trained model.
        seconds: wall time of this σ (shared by the observers of one run).
    """

    sigma: float
    train_sigma: float
    epsilon: float
    epsilon_rdp: float
    canary: str
    observer: str
    audit: OneRunAudit
    gdp: GaussianDPAudit
    auc: float
    accuracy: float
    seconds: float

    def detectable(self) -> bool:
        """The audit's ceiling exceeds the accountant's ε: only then can it show a violation."""
        return self.audit.ceiling > self.epsilon

    @property
    def violated(self) -> bool:
        """The certified lower bound exceeds the accountant's ε."""
        return self.audit.epsilon > self.epsilon

    def findings(self, confidence: float, smoke: bool = False) -> list[Finding]:
        """"DP-SGD at σ leaks more than its accountant allows", decided by the one-run lower
        bound (a one-sided confidence bound: there is no point estimate, so its value is the
        bound); "not enough data" where the ceiling is at or below the accountant's ε."""
        bound = Estimate(self.audit.epsilon, self.audit.epsilon, float("inf"))
        note = ("" if self.detectable() else
                f"the audit cannot detect a violation here: its ceiling "
                f"{self.audit.ceiling:.2f} <= accountant ε {self.epsilon:.2f}")
        return [Finding(
            f"DP-SGD at σ = {self.sigma:g} leaks more than its accountant's ε ({self.canary} "
            f"canaries, {self.observer} observer)", "one-run ε lower bound", bound, "greater",
            null=self.epsilon, confidence=confidence, smoke=smoke, enough=self.detectable(),
            sizes={"runs": 1, "canaries": self.audit.num_canaries}, note=note)]


INPUT_CANDIDATES = 4  # out-of-distribution candidates drawn per input canary kept


def one_run_data(config: DPAuditConfig, key: jax.Array) -> CanaryData:
    """The ordinary pool plus the input-space canaries (none for gradient canaries; keys as
    :func:`mis.study.canary_data`). Input canaries: ``4 m`` out-of-distribution candidates, of
    which the ``m`` with the largest per-example gradient norm at an initialisation drawn
    from ``fold_in(key, 1)`` are kept (chosen before any coin: the bound stays valid)."""
    m, n = config.num_canaries, config.pool_size
    data = canary_data(key, config.dataset, pool_size=n,
                       num_mislabeled=m if config.canary == "mislabeled" else 0,
                       num_ood=INPUT_CANDIDATES * m if config.canary == "input" else 0,
                       d=config.d)
    if config.canary != "input":
        return data
    learner = audit_learner(config, data.num_classes, 0.0)
    x, y = data.pool.x[n:], data.pool.y[n:]
    params = learner.init(jax.random.fold_in(key, 1), example_shape(x))  # type: ignore[arg-type]
    _, norms = clip_gradients(per_example_gradients(learner.loss, params, x, y), 1.0)
    keep = n + np.sort(np.argsort(-np.asarray(norms), kind="stable")[:m])
    rows = np.concatenate([np.arange(n), keep])
    return data._replace(pool=type(data.pool)(data.pool.x[rows], data.pool.y[rows]),
                         kind=data.kind[rows])


def _accuracy(learner, params, test) -> float:
    return float(jnp.mean(jnp.argmax(learner.predict(params, test.x), -1) == test.y))


def one_run_sigma(config: DPAuditConfig, data: CanaryData, key: jax.Array, sigma: float, *,
                  train_sigma: float | None = None) -> list[OneRunRow]:
    """One run at noise multiplier ``sigma`` (module docstring), one row per observer. Keys:
    ``coins, fit = split(key)``. ``train_sigma`` trains with another noise
    multiplier than the one accounted for (the audit's tests disable the noise this way)."""
    t0 = time.perf_counter()
    train_sigma = sigma if train_sigma is None else train_sigma
    coin_key, fit_key = jax.random.split(key)
    m, n = config.num_canaries, config.pool_size
    coins = jax.random.bernoulli(coin_key, 0.5, (m,))
    learner = audit_learner(config, data.num_classes, train_sigma)
    if config.canary == "gradient":
        pool = type(data.pool)(data.pool.x[:n], data.pool.y[:n])
        initial = learner.init(jax.random.split(fit_key)[0],
                               example_shape(pool.x))  # type: ignore[arg-type]
        size = ravel_pytree(initial)[0].size
        if m > size:
            raise UserError(f"num_canaries={m} exceeds the {size} parameters of the model; "
                            f"gradient canaries need one coordinate each: use at most {size}")
        coordinates = quiet_coordinates(learner.loss, initial, pool.x, pool.y, m,
                                        config.clip_norm)
        run = train_with_gradient_canaries(learner, fit_key, pool, jnp.ones(n),
                                           GradientCanaries(coordinates, coins))
        params = run.final
        scores = {"white-box": dirac_final_scores(run.initial, run.final, coordinates),
                  "every-step": dirac_step_scores(run.observed, sigma, config.sample_rate)}
    else:
        weights = jnp.concatenate([jnp.ones(n), coins.astype(jnp.float32)])
        params = jax.jit(learner.fit)(fit_key, data.pool, weights)
        scores = {"black-box": -learner.loss(params, data.pool.x[n:], data.pool.y[n:])}
    accuracy = _accuracy(learner, params, data.test)
    seconds = time.perf_counter() - t0
    inc = np.asarray(coins)
    eps = dp_epsilon(sigma, config.sample_rate, config.steps, config.delta)
    eps_rdp = dp_epsilon_rdp(sigma, config.sample_rate, config.steps, config.delta)
    rows = []
    for observer in config.observers:
        s = np.asarray(scores[observer], np.float64)
        rows.append(OneRunRow(
            float(sigma), float(train_sigma), eps, eps_rdp, config.canary, observer,
            one_run_audit(s, inc, delta=config.delta, confidence=config.confidence),
            gdp_audit(s[inc], s[~inc], delta=config.delta, confidence=config.confidence),
            auc_value(s, inc), accuracy, seconds))
    return rows


def run_one_run(config: DPAuditConfig, key: jax.Array, *,
                progress: ProgressFn | None = None) -> tuple[list[OneRunRow], dict]:
    """Every σ of ``config`` (keys: ``data, train = split(key)``; the same coins, coordinates
    and initialisation for every σ). ``progress("noise multipliers", done, total)``."""
    return over_sigmas(config, key, one_run_data,
                       lambda data, k, sigma: one_run_sigma(
                           config, data, k, sigma, train_sigma=config.planted_sigma),
                       progress=progress)


