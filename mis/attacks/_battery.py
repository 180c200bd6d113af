"""Signals of a stack of released models and the standard battery of attacks on them (device,
jnp): what every quantization-aware study runs on each release.

Two kinds of signal:

- classifier: LiRA's logit-scaled confidence ``φ = log p_y − log Σ_{y'≠y} p_{y'}`` and RMIA's
  ``Pr(x | θ) = softmax(z)_y`` on the pool and on the population (fresh data);
- loss (regression residuals, the Gaussian mean): ``−loss`` for LiRA and the unit-variance
  Gaussian likelihood ``exp(−loss/2)`` for RMIA, shifted by the smallest pool loss (constants
  cancel in RMIA's ratios).

The battery scores every model as the target once (balanced leave-one-model-out): LiRA online
and offline on ``φ``, RMIA online on ``Pr(x | θ)`` with the population (ties between equal
counts broken by the example's own likelihood ratio, :func:`rmia` ``break_ties``), and the
loss attack.

References:
    Carlini et al., "Membership Inference Attacks From First Principles", 2022,
    arXiv:2112.03570. Zarifzadeh et al., "Low-Cost High-Power Membership Inference Attacks",
    2024, arXiv:2312.03262 (RMIA).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from mis.attacks._evaluate import leave_one_out
from mis.attacks._reference import _mann_whitney, lira_offline, lira_online, loss_attack, rmia
from mis.attacks._signals import RMIA_SIGNALS, logit_scale, rmia_probability

BATTERY = ("LiRA", "LiRA offline", "RMIA", "loss")


class AttackSignals(NamedTuple):
    """Per-model signals of one release.

    Attributes:
        phi: ``[M, n]`` LiRA's signal on the pool (larger = more member-like).
        prob: ``[M, n]`` RMIA's ``Pr(x | θ)`` on the pool.
        population: ``[M, n_pop]`` RMIA's ``Pr(z | θ)`` on the population (fresh data).
    """

    phi: jax.Array
    prob: jax.Array
    population: jax.Array


def classifier_signals(logits: ArrayLike, fresh_logits: ArrayLike, y: ArrayLike, fresh_y: ArrayLike,
                       rmia_signal: str = "softmax:1") -> AttackSignals:
    """Signals from ``[M, n, C]`` pool logits and ``[M, n_pop, C]`` population logits with
    their ``[n]`` / ``[n_pop]`` integer labels; RMIA's probability under ``rmia_signal``
    (:func:`~mis.attacks.rmia_probability`)."""
    return AttackSignals(logit_scale(logits, y), rmia_probability(logits, y, rmia_signal),
                         rmia_probability(fresh_logits, fresh_y, rmia_signal))


@jax.jit
def _pseudo_target_auc(prob, pop, mask):
    """Online RMIA AUC with model 0 as the target and models 1.. as references."""
    m = jnp.asarray(mask, bool)
    score = rmia(prob[0], prob[1:], m[1:], ~m[1:], pop[0], pop[1:], online=True,
                 break_ties=True)
    return _mann_whitney(score, m[0])


def tune_rmia_signal(logits: ArrayLike, y: ArrayLike, fresh_logits: ArrayLike, fresh_y: ArrayLike,
                     mask: ArrayLike, signals: tuple[str, ...] = tuple(RMIA_SIGNALS)) -> tuple[str,
                     dict[str, float]]:
    """RMIA's signal chosen on the reference models only (as the paper tunes ``a``): shadow
    model 0 plays the target, the others its references; ``(best, {signal: AUC})``, the
    first of ``signals`` on ties."""
    aucs = {s: float(_pseudo_target_auc(rmia_probability(logits, y, s),
                                        rmia_probability(fresh_logits, fresh_y, s), mask))
            for s in signals}
    return max(aucs, key=lambda s: (aucs[s], -signals.index(s))), aucs


@jax.jit
def rmia_scores(signals: AttackSignals, mask: ArrayLike) -> jax.Array:
    """``[M, n]`` online RMIA (leave-one-model-out, ties broken) on ``signals``: the
    battery's ``"RMIA"`` entry alone."""
    return leave_one_out(lambda t, r, i, o, te, re, keep: rmia(
        t, r, i, o, te, re, online=True, ref_rows=keep, break_ties=True), signals.prob, mask,
        extra=signals.population)


def loss_signals(loss: ArrayLike, fresh_loss: ArrayLike) -> AttackSignals:
    """Signals from ``[M, n]`` pool and ``[M, n_pop]`` population squared losses (module
    docstring)."""
    loss, fresh_loss = jnp.asarray(loss), jnp.asarray(fresh_loss)
    shift = jnp.min(loss)
    return AttackSignals(-loss, jnp.exp(-(loss - shift) / 2), jnp.exp(-(fresh_loss - shift) / 2))


# jit: one compiled program per shapes; eager dispatch would re-trace the four lax.map
# closures for every release of a run.
@jax.jit
def attack_battery(signals: AttackSignals, loss: ArrayLike, mask: ArrayLike) -> dict[str,
                   jax.Array]:
    """``name -> [M, n]`` scores of :data:`BATTERY` (module docstring); ``loss [M, n]`` is the
    pool loss, ``mask [M, n]`` the membership (1 = IN)."""
    phi, prob, pop = signals
    return {
        "LiRA": leave_one_out(lambda t, r, i, o: lira_online(t, r, i, o), phi, mask),
        "LiRA offline": leave_one_out(lambda t, r, i, o: lira_offline(t, r, o), phi, mask),
        "RMIA": leave_one_out(lambda t, r, i, o, te, re, keep: rmia(
            t, r, i, o, te, re, online=True, ref_rows=keep, break_ties=True), prob, mask,
            extra=pop),
        "loss": loss_attack(loss),
    }
