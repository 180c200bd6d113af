"""Quantization-aware release evaluation, the core every study stands on (``mis rank``,
``mis sweep``, ``mis molecular`` and the studies to come).

A :class:`ReleaseSetup` holds trained shadow models (and optionally a separately trained
target); :func:`evaluate_release` releases every model through one quantizer and measures the
release: storage, utility, the attack battery of :mod:`mis.attacks` (leave-one-model-out, with
:mod:`mis.audit` intervals), and both indicator variants of :mod:`mis.indicator`, as one typed
:class:`ReleaseRow`; :func:`evaluate_releases` does it for a list of quantizers.
:func:`release_columns` is the one place where a row becomes table columns.
"""

from mis.release._evaluate import NUM_CALIBRATION as NUM_CALIBRATION
from mis.release._evaluate import Releases as Releases
from mis.release._evaluate import evaluate_release as evaluate_release
from mis.release._evaluate import evaluate_releases as evaluate_releases
from mis.release._evaluate import target_params as target_params
from mis.release._ranking import RmiaSignalRow as RmiaSignalRow
from mis.release._ranking import kendall_tau as kendall_tau
from mis.release._ranking import kendall_tau_estimate as kendall_tau_estimate
from mis.release._ranking import kendall_tau_replicates as kendall_tau_replicates
from mis.release._ranking import pareto_front as pareto_front
from mis.release._ranking import rank_order as rank_order
from mis.release._ranking import rmia_signal_lines as rmia_signal_lines
from mis.release._ranking import rmia_signal_table as rmia_signal_table
from mis.release._ranking import unranked as unranked
from mis.release._row import FPRS as FPRS
from mis.release._row import PRIMARY_ATTACK as PRIMARY_ATTACK
from mis.release._row import ReleaseRow as ReleaseRow
from mis.release._row import attack_column as attack_column
from mis.release._row import estimate_columns as estimate_columns
from mis.release._row import indicator_n_rate as indicator_n_rate
from mis.release._row import indicator_rate as indicator_rate
from mis.release._row import release_columns as release_columns
from mis.release._row import value as value
from mis.release._setup import SIGNALS as SIGNALS
from mis.release._setup import ReleaseSetup as ReleaseSetup

__all__ = ["FPRS", "NUM_CALIBRATION", "PRIMARY_ATTACK", "SIGNALS", "ReleaseRow", "ReleaseSetup",
           "RmiaSignalRow", "rmia_signal_lines", "rmia_signal_table",
           "Releases", "attack_column", "estimate_columns", "evaluate_release",
           "evaluate_releases", "indicator_n_rate", "indicator_rate", "kendall_tau",
           "kendall_tau_estimate", "kendall_tau_replicates", "pareto_front", "rank_order",
           "release_columns", "unranked",
           "target_params", "value"]
