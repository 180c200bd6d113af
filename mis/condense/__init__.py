"""Is dataset condensation private? Distribution matching (DM) in JAX, whole pipelines
(condense, then train) as shadow-engine learners, and the privacy audit of ``mis condense``
against the baselines of the "no free lunch" rebuttal (random subset, whole pool, DP-SGD).

Blocks: :func:`condense` / :func:`dm_loss` / :func:`class_means` (DM for one pipeline, weighted
by a shadow's membership), :func:`sample_augment` / :func:`augment_image` (Siamese
augmentation), :class:`CondensedLearner` and :class:`SubsetLearner` (pipelines the engine
vmaps).

Example (with a linear embedding DM's optimum is the class mean of the members):
    >>> import jax, jax.numpy as jnp
    >>> from mis.condense import condense, random_embedding
    >>> from mis.data import Dataset
    >>> x = jnp.array([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0], [6.0, 2.0]])
    >>> pool = Dataset(x, jnp.array([0, 0, 1, 1]))
    >>> s = condense(jax.random.key(0), pool, jnp.ones(4), ipc=1, num_classes=2,
    ...              iterations=300, embedding=random_embedding("linear", None, width=8),
    ...              learning_rate=0.2, augment=False)
    >>> [round(float(v), 2) for v in s.x.ravel()]
    [1.0, 1.0, 5.0, 1.0]
"""

from mis.condense._augment import OPS as OPS
from mis.condense._augment import Augment as Augment
from mis.condense._augment import augment_by_class as augment_by_class
from mis.condense._augment import augment_image as augment_image
from mis.condense._augment import identity as identity
from mis.condense._augment import sample_augment as sample_augment
from mis.condense._config import DATASETS as DATASETS
from mis.condense._config import INITS as INITS
from mis.condense._config import CondenseConfig as CondenseConfig
from mis.condense._dm import EMBEDDINGS as EMBEDDINGS
from mis.condense._dm import Condensed as Condensed
from mis.condense._dm import Embedding as Embedding
from mis.condense._dm import class_means as class_means
from mis.condense._dm import condense as condense
from mis.condense._dm import dm_loss as dm_loss
from mis.condense._dm import initial_synthetic as initial_synthetic
from mis.condense._dm import random_embedding as random_embedding
from mis.condense._dm import sample_per_class as sample_per_class
from mis.condense._dm import select_per_class as select_per_class
from mis.condense._dm import synthetic_labels as synthetic_labels
from mis.condense._learner import CondensedLearner as CondensedLearner
from mis.condense._learner import PipelineAux as PipelineAux
from mis.condense._learner import SubsetLearner as SubsetLearner
from mis.condense._pipeline import CondenseResult as CondenseResult
from mis.condense._pipeline import GroupRow as GroupRow
from mis.condense._pipeline import Method as Method
from mis.condense._pipeline import MethodResult as MethodResult
from mis.condense._pipeline import expected_members as expected_members
from mis.condense._pipeline import fit_slope as fit_slope
from mis.condense._pipeline import group_pairs as group_pairs
from mis.condense._pipeline import leakage_per_point as leakage_per_point
from mis.condense._pipeline import methods as methods
from mis.condense._pipeline import nearest_members as nearest_members
from mis.condense._pipeline import private_pool as private_pool
from mis.condense._pipeline import run_condense as run_condense
from mis.condense._pipeline import study_data as study_data
from mis.condense._pipeline import used_mask as used_mask
from mis.condense._pipeline import weighted_leakage as weighted_leakage
from mis.condense._report import condense_outputs as condense_outputs
from mis.condense._report import console_summary as console_summary
from mis.condense._report import convergence as convergence
from mis.condense._report import findings as findings
from mis.condense._study import STUDY as STUDY

__all__ = ["STUDY", "DATASETS", "EMBEDDINGS", "INITS", "OPS", "Augment", "CondenseConfig",
           "CondenseResult", "Condensed", "CondensedLearner", "Embedding", "GroupRow", "Method",
           "MethodResult", "PipelineAux", "SubsetLearner", "augment_by_class", "augment_image",
           "class_means", "condense", "condense_outputs", "console_summary", "convergence",
           "dm_loss",
           "expected_members", "findings", "fit_slope", "group_pairs", "identity",
           "initial_synthetic", "leakage_per_point",
           "methods", "nearest_members", "private_pool", "random_embedding", "run_condense",
           "sample_augment", "sample_per_class", "select_per_class", "study_data",
           "synthetic_labels", "used_mask", "weighted_leakage"]
