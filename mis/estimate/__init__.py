"""The study ``mis estimate``: the optimal membership advantage Δ = TV(P_in, P_out) of any
query estimated from samples (MACE, arXiv:2009.05683) and individual risk. The estimators are
the block :mod:`mis.tv`, which the release core uses too."""

from mis.estimate._config import EstimateConfig as EstimateConfig
from mis.estimate._known import discrete_queries as discrete_queries
from mis.estimate._known import gaussian_mean_queries as gaussian_mean_queries
from mis.estimate._pipeline import QUERIES as QUERIES
from mis.estimate._pipeline import ConvergenceRow as ConvergenceRow
from mis.estimate._pipeline import CoverageRow as CoverageRow
from mis.estimate._pipeline import DigitsSplit as DigitsSplit
from mis.estimate._pipeline import EstimateResult as EstimateResult
from mis.estimate._pipeline import GenerativeRow as GenerativeRow
from mis.estimate._pipeline import RiskResult as RiskResult
from mis.estimate._pipeline import coverage_cells as coverage_cells
from mis.estimate._pipeline import digits_split as digits_split
from mis.estimate._pipeline import known_models as known_models
from mis.estimate._pipeline import run_convergence as run_convergence
from mis.estimate._pipeline import run_coverage as run_coverage
from mis.estimate._pipeline import run_estimate as run_estimate
from mis.estimate._pipeline import run_generative as run_generative
from mis.estimate._pipeline import train_vaes as train_vaes
from mis.estimate._report import console_summary as console_summary
from mis.estimate._report import estimate_outputs as estimate_outputs
from mis.estimate._report import findings as findings
from mis.estimate._report import warnings as warnings

__all__ = ["QUERIES", "console_summary", "ConvergenceRow", "coverage_cells", "CoverageRow",
           "digits_split", "DigitsSplit", "discrete_queries", "estimate_outputs",
           "EstimateConfig", "EstimateResult", "findings", "gaussian_mean_queries",
           "GenerativeRow", "known_models", "RiskResult", "run_convergence", "run_coverage",
           "run_estimate", "run_generative", "train_vaes", "warnings"]
