"""The learner of ``mis dpaudit``: the dataset's network trained by DP-SGD (host)."""

from __future__ import annotations

from mis.dpaudit._config import DPAuditConfig
from mis.shadow import DPSGD, ConvLearner, MLPLearner
from mis.study import network_learner


def audit_learner(config: DPAuditConfig, num_classes: int,
                  sigma: float) -> MLPLearner | ConvLearner:
    """The DP-SGD learner of ``config`` at noise multiplier ``sigma``."""
    return network_learner(config.dataset, num_outputs=num_classes, steps=config.steps,
                           learning_rate=config.learning_rate, channels=config.channels,
                           hidden=config.hidden,
                           dp=DPSGD(config.clip_norm, sigma, config.sample_rate))
