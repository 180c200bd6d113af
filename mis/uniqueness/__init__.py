"""Gradient uniqueness: per-example disclosure measured while a model trains, without shadow
models (GNQ, arXiv 2510.10902), its validation against per-example LiRA, and the censoring
defense compared with DP-SGD (``mis uniqueness``).

Blocks: :func:`gnq` / :func:`gnq_from_gram` / :func:`batch_scores` (float64 leave-one-out
leverage of a per-example gradient in its batch), :func:`ghost_gram` / :func:`mlp_ghost_gram`
(the Gram of dense layers without per-example gradients), :class:`UniquenessLearner` (a
shadow-engine learner that records GNQ per example and censors at a budget).

Example (GNQ of an example whose gradient is orthogonal to the others is ``‖g‖²/λ``):
    >>> import jax.numpy as jnp
    >>> from mis.uniqueness import gnq
    >>> g = jnp.array([[3.0, 0.0], [0.0, 1.0], [0.0, 2.0]])
    >>> round(float(gnq(g, ridge=0.5)[0]), 3)
    18.0
"""

from mis.uniqueness._config import DATASETS as DATASETS
from mis.uniqueness._config import UniquenessConfig as UniquenessConfig
from mis.uniqueness._gnq import batch_scores as batch_scores
from mis.uniqueness._gnq import disclosure as disclosure
from mis.uniqueness._gnq import flat_gradients as flat_gradients
from mis.uniqueness._gnq import ghost_gram as ghost_gram
from mis.uniqueness._gnq import gnq as gnq
from mis.uniqueness._gnq import gnq_from_gram as gnq_from_gram
from mis.uniqueness._gnq import gram as gram
from mis.uniqueness._gnq import mlp_batch_scores as mlp_batch_scores
from mis.uniqueness._gnq import mlp_ghost_gram as mlp_ghost_gram
from mis.uniqueness._gnq import pinv_from_gram as pinv_from_gram
from mis.uniqueness._learner import Records as Records
from mis.uniqueness._learner import Trace as Trace
from mis.uniqueness._learner import UniquenessLearner as UniquenessLearner
from mis.uniqueness._pipeline import CanaryRank as CanaryRank
from mis.uniqueness._pipeline import Correlation as Correlation
from mis.uniqueness._pipeline import DefenseRow as DefenseRow
from mis.uniqueness._pipeline import Match as Match
from mis.uniqueness._pipeline import UniquenessResult as UniquenessResult
from mis.uniqueness._pipeline import advantage_replicates as advantage_replicates
from mis.uniqueness._pipeline import crossed_spearman as crossed_spearman
from mis.uniqueness._pipeline import matched_leakage as matched_leakage
from mis.uniqueness._pipeline import pairwise_wins as pairwise_wins
from mis.uniqueness._pipeline import per_example_auc as per_example_auc
from mis.uniqueness._pipeline import run_uniqueness as run_uniqueness
from mis.uniqueness._pipeline import spearman as spearman
from mis.uniqueness._pipeline import study_data as study_data
from mis.uniqueness._pipeline import top_overlap as top_overlap
from mis.uniqueness._report import console_summary as console_summary
from mis.uniqueness._report import findings as findings
from mis.uniqueness._report import uniqueness_outputs as uniqueness_outputs
from mis.uniqueness._study import STUDY as STUDY

__all__ = ["STUDY", "DATASETS", "CanaryRank", "Correlation", "DefenseRow", "Match", "Records",
           "Trace", "UniquenessConfig", "UniquenessLearner", "UniquenessResult",
           "batch_scores", "console_summary", "disclosure", "flat_gradients", "ghost_gram",
           "gnq", "gnq_from_gram", "gram", "matched_leakage", "mlp_batch_scores",
           "pinv_from_gram", "mlp_ghost_gram", "advantage_replicates", "crossed_spearman",
           "pairwise_wins", "findings", "per_example_auc", "run_uniqueness", "spearman",
           "study_data", "top_overlap", "uniqueness_outputs"]
