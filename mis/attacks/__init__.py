"""Membership inference attacks on (models × examples) signals (device, jnp).

Bayes-optimal scores where the laws are known; loss and calibrated loss; LiRA online /
offline / fixed variance; RMIA online / offline with ``a`` tuning; leave-one-model-out
evaluation; guard rails. Larger score = "member". Quantization-aware audits train the target
and every shadow with the same quantizer (``train_shadow_models(..., quantizer=q)``), so no
attack compares a quantized target with full-precision references.
"""

from mis.attacks._battery import BATTERY as BATTERY
from mis.attacks._battery import AttackSignals as AttackSignals
from mis.attacks._battery import attack_battery as attack_battery
from mis.attacks._battery import classifier_signals as classifier_signals
from mis.attacks._battery import loss_signals as loss_signals
from mis.attacks._battery import rmia_scores as rmia_scores
from mis.attacks._battery import tune_rmia_signal as tune_rmia_signal
from mis.attacks._bayes import gaussian_mean_bayes_score as gaussian_mean_bayes_score
from mis.attacks._bayes import (
    quantized_gaussian_mean_bayes_score as quantized_gaussian_mean_bayes_score,
)
from mis.attacks._evaluate import check_attack_inputs as check_attack_inputs
from mis.attacks._evaluate import check_same_recipe as check_same_recipe
from mis.attacks._evaluate import leave_one_out as leave_one_out
from mis.attacks._evaluate import lira_online_scores as lira_online_scores
from mis.attacks._reference import calibrated_loss_attack as calibrated_loss_attack
from mis.attacks._reference import lira_offline as lira_offline
from mis.attacks._reference import lira_online as lira_online
from mis.attacks._reference import loss_attack as loss_attack
from mis.attacks._reference import rmia as rmia
from mis.attacks._reference import tune_rmia_a as tune_rmia_a
from mis.attacks._run import SIGNAL_ATTACKS as SIGNAL_ATTACKS
from mis.attacks._run import check_signal_attacks as check_signal_attacks
from mis.attacks._run import signal_attacks as signal_attacks
from mis.attacks._signals import RMIA_SIGNALS as RMIA_SIGNALS
from mis.attacks._signals import logit_scale as logit_scale
from mis.attacks._signals import rmia_probability as rmia_probability
from mis.attacks._signals import true_class_prob as true_class_prob
from mis.attacks._white_box import dirac_final_scores as dirac_final_scores
from mis.attacks._white_box import dirac_step_scores as dirac_step_scores

__all__ = ["BATTERY", "SIGNAL_ATTACKS", "AttackSignals", "attack_battery", "classifier_signals",
           "dirac_final_scores", "dirac_step_scores",
           "loss_signals", "calibrated_loss_attack", "check_attack_inputs", "check_same_recipe",
           "check_signal_attacks",
           "gaussian_mean_bayes_score", "leave_one_out", "lira_offline", "lira_online",
           "lira_online_scores",
           "logit_scale", "loss_attack", "quantized_gaussian_mean_bayes_score", "rmia",
           "signal_attacks", "tune_rmia_a", "true_class_prob", "RMIA_SIGNALS", "rmia_probability",
           "rmia_scores", "tune_rmia_signal"]
