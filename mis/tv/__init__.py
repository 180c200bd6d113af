"""Estimates of the optimal membership advantage Δ = TV(P_in, P_out) from samples of any query
(MACE, arXiv:2009.05683): the best threshold (KS), the binned TV, a cross-fitted k-NN
classifier, the k-NN posterior and individual risk (host: NumPy, SciPy, scikit-learn). A block
below the studies: ``mis estimate`` and the release core (``delta_knn``) both use it.
"""

from mis.tv._checks import LABELS as LABELS
from mis.tv._checks import RiskNull as RiskNull
from mis.tv._checks import advantage_ceiling as advantage_ceiling
from mis.tv._checks import advantage_replicates as advantage_replicates
from mis.tv._checks import disagreements as disagreements
from mis.tv._checks import risk_null as risk_null
from mis.tv._checks import top_mean as top_mean
from mis.tv._estimators import SCALAR_ESTIMATORS as SCALAR_ESTIMATORS
from mis.tv._estimators import balanced_posterior as balanced_posterior
from mis.tv._estimators import check_k as check_k
from mis.tv._estimators import check_samples as check_samples
from mis.tv._estimators import classifier_tv as classifier_tv
from mis.tv._estimators import cross_fit_predictions as cross_fit_predictions
from mis.tv._estimators import default_bins as default_bins
from mis.tv._estimators import default_k as default_k
from mis.tv._estimators import dkw_width as dkw_width
from mis.tv._estimators import estimate_all as estimate_all
from mis.tv._estimators import fold_train_size as fold_train_size
from mis.tv._estimators import histogram_edges as histogram_edges
from mis.tv._estimators import histogram_tv as histogram_tv
from mis.tv._estimators import implied_epsilon as implied_epsilon
from mis.tv._estimators import knn_posterior as knn_posterior
from mis.tv._estimators import knn_risk as knn_risk
from mis.tv._estimators import ks_estimate as ks_estimate
from mis.tv._estimators import l1_width as l1_width
from mis.tv._estimators import neighbours as neighbours

__all__ = [
    "LABELS", "SCALAR_ESTIMATORS", "RiskNull", "advantage_ceiling", "advantage_replicates",
    "disagreements", "risk_null", "top_mean", "balanced_posterior", "check_k", "check_samples",
    "classifier_tv",
    "cross_fit_predictions", "default_bins", "default_k", "dkw_width", "estimate_all",
    "fold_train_size", "histogram_edges", "histogram_tv", "implied_epsilon", "knn_posterior",
    "knn_risk", "ks_estimate", "l1_width", "neighbours",
]
