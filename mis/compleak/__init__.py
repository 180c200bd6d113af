"""Attacks that combine several compressed releases of one model (CompLeak NR / SR / MR) and a
multi-version LiRA: training-time compression (pruning, int8 QAT, weight clustering, each
fine-tuned on the members) inside the shadow engine, CompLeak's signals and attack models, and
the study ``mis compleak``.

References:
    Li, Gao, Hu, Kuang, Fu, "CompLeak: Deep Learning Model Compression Exacerbates Privacy
    Leakage", arXiv:2507.16872.
"""

from mis.compleak._compress import INT8 as INT8
from mis.compleak._compress import KINDS as KINDS
from mis.compleak._compress import CompressedLearner as CompressedLearner
from mis.compleak._compress import Grid as Grid
from mis.compleak._compress import Release as Release
from mis.compleak._compress import Version as Version
from mis.compleak._compress import VersionsAux as VersionsAux
from mis.compleak._compress import activation_grid as activation_grid
from mis.compleak._compress import cluster_version as cluster_version
from mis.compleak._compress import compress as compress
from mis.compleak._compress import fake_quantize as fake_quantize
from mis.compleak._compress import fine_tune as fine_tune
from mis.compleak._compress import layer_inputs_forward as layer_inputs_forward
from mis.compleak._compress import observe_activations as observe_activations
from mis.compleak._compress import parse_version as parse_version
from mis.compleak._compress import prune_version as prune_version
from mis.compleak._compress import ptq_version as ptq_version
from mis.compleak._compress import qat_version as qat_version
from mis.compleak._compress import release_predict as release_predict
from mis.compleak._compress import sensitivity as sensitivity
from mis.compleak._compress import weight_grid as weight_grid
from mis.compleak._config import DATASETS as DATASETS
from mis.compleak._config import DEFAULT_VERSIONS as DEFAULT_VERSIONS
from mis.compleak._config import CompleakConfig as CompleakConfig
from mis.compleak._features import best_threshold as best_threshold
from mis.compleak._features import class_thresholds as class_thresholds
from mis.compleak._features import entropy_score as entropy_score
from mis.compleak._features import label_aware as label_aware
from mis.compleak._features import modified_entropy_score as modified_entropy_score
from mis.compleak._features import posterior as posterior
from mis.compleak._features import rmia_one_reference as rmia_one_reference
from mis.compleak._features import sr_features as sr_features
from mis.compleak._features import thresholded as thresholded
from mis.compleak._models import Network as Network
from mis.compleak._models import cross_fitted as cross_fitted
from mis.compleak._models import fit_classifier as fit_classifier
from mis.compleak._models import gaussian_log_density as gaussian_log_density
from mis.compleak._models import init_samia as init_samia
from mis.compleak._models import member_probability as member_probability
from mis.compleak._models import mr_scores as mr_scores
from mis.compleak._models import multi_version_lira as multi_version_lira
from mis.compleak._models import network_scores as network_scores
from mis.compleak._models import samia_logits as samia_logits
from mis.compleak._models import samia_tokens as samia_tokens
from mis.compleak._models import train_mr as train_mr
from mis.compleak._models import train_network as train_network
from mis.compleak._models import train_samia as train_samia
from mis.compleak._pipeline import AttackData as AttackData
from mis.compleak._pipeline import AttackRow as AttackRow
from mis.compleak._pipeline import CompleakResult as CompleakResult
from mis.compleak._pipeline import Sides as Sides
from mis.compleak._pipeline import compressed_learner as compressed_learner
from mis.compleak._pipeline import run_compleak as run_compleak
from mis.compleak._pipeline import sides as sides
from mis.compleak._pipeline import study_data as study_data
from mis.compleak._pipeline import train_versions as train_versions
from mis.compleak._report import compleak_outputs as compleak_outputs
from mis.compleak._report import console_summary as console_summary
from mis.compleak._report import findings as findings
from mis.compleak._report import verdicts as verdicts
from mis.compleak._study import STUDY as STUDY

__all__ = ["STUDY", "DATASETS", "DEFAULT_VERSIONS", "INT8", "KINDS", "activation_grid",
           "AttackData",
           "AttackRow", "best_threshold", "class_thresholds", "cluster_version",
           "compleak_outputs", "CompleakConfig", "CompleakResult", "compress",
           "compressed_learner", "CompressedLearner", "console_summary", "cross_fitted",
           "entropy_score", "fake_quantize", "findings", "fine_tune", "fit_classifier",
           "gaussian_log_density", "Grid", "init_samia", "label_aware", "layer_inputs_forward",
           "member_probability", "modified_entropy_score", "mr_scores", "multi_version_lira",
           "Network", "network_scores", "observe_activations", "parse_version", "posterior",
           "prune_version", "ptq_version", "qat_version", "Release", "release_predict",
           "rmia_one_reference", "run_compleak", "samia_logits", "samia_tokens", "sensitivity",
           "Sides", "sides", "sr_features", "study_data", "thresholded", "train_mr",
           "train_network", "train_samia", "train_versions", "verdicts", "Version",
           "VersionsAux", "weight_grid"]
