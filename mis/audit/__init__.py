"""Audit metrics: exact ROC, AUC, TPR at FPR, advantage, intervals, ε bounds (one (FPR, TPR)
point, one training run, Gaussian DP), plots (host).

Larger score = "member"; estimated quantities are ``Estimate(value, lower, upper)``.
"""

from mis.audit._gdp import GaussianDPAudit as GaussianDPAudit
from mis.audit._gdp import gdp_audit as gdp_audit
from mis.audit._gdp import gdp_epsilon as gdp_epsilon
from mis.audit._intervals import clopper_pearson as clopper_pearson
from mis.audit._one_run import OneRunAudit as OneRunAudit
from mis.audit._one_run import guess_grid as guess_grid
from mis.audit._one_run import one_run_audit as one_run_audit
from mis.audit._one_run import one_run_epsilon as one_run_epsilon
from mis.audit._one_run import one_run_p_value as one_run_p_value
from mis.audit._plots import annotate_spread as annotate_spread
from mis.audit._plots import curve_styles as curve_styles
from mis.audit._plots import histogram_grid as histogram_grid
from mis.audit._plots import plot_intervals as plot_intervals
from mis.audit._plots import plot_roc as plot_roc
from mis.audit._plots import plot_score_histograms as plot_score_histograms
from mis.audit._report import INDEPENDENT as INDEPENDENT
from mis.audit._report import audit_outputs as audit_outputs
from mis.audit._report import load_audit_input as load_audit_input
from mis.audit._roc import Rates as Rates
from mis.audit._roc import RocCurve as RocCurve
from mis.audit._roc import advantage as advantage
from mis.audit._roc import auc as auc
from mis.audit._roc import auc_value as auc_value
from mis.audit._roc import balanced_accuracy as balanced_accuracy
from mis.audit._roc import bootstrap_auc as bootstrap_auc
from mis.audit._roc import check_scores as check_scores
from mis.audit._roc import epsilon_estimate as epsilon_estimate
from mis.audit._roc import epsilon_from_rates as epsilon_from_rates
from mis.audit._roc import epsilon_lower_bound as epsilon_lower_bound
from mis.audit._roc import held_out_halves as held_out_halves
from mis.audit._roc import held_out_rates as held_out_rates
from mis.audit._roc import rates_at_threshold as rates_at_threshold
from mis.audit._roc import roc_curve as roc_curve
from mis.audit._roc import threshold_at_fpr as threshold_at_fpr
from mis.audit._roc import tpr_at_fpr as tpr_at_fpr
from mis.audit._table import AttackMetrics as AttackMetrics
from mis.audit._table import format_table as format_table
from mis.audit._table import metrics_table as metrics_table

__all__ = [
    "INDEPENDENT", "AttackMetrics", "GaussianDPAudit", "OneRunAudit", "Rates", "RocCurve",
    "advantage", "audit_outputs", "auc",
    "auc_value", "curve_styles", "gdp_audit", "gdp_epsilon", "guess_grid", "one_run_audit",
    "one_run_epsilon", "one_run_p_value",
    "balanced_accuracy", "bootstrap_auc", "check_scores", "clopper_pearson", "epsilon_estimate",
    "epsilon_from_rates",
    "epsilon_lower_bound", "format_table", "held_out_halves", "held_out_rates", "load_audit_input",
    "annotate_spread", "histogram_grid", "metrics_table", "plot_intervals", "plot_roc",
    "plot_score_histograms", "rates_at_threshold", "roc_curve", "threshold_at_fpr", "tpr_at_fpr",
]
