"""Shadow (reference) models: learners written for one model and the engine that trains
thousands of them at once (device, jnp).

Example (five lines: 256 shadow models of a logistic head, losses on the pool):
    >>> import jax
    >>> from mis.data import make_gaussian_mixture, sample_gaussian_mixture
    >>> from mis.shadow import softmax_regression, train_shadow_models
    >>> pool = sample_gaussian_mixture(jax.random.key(0), 100, task=make_gaussian_mixture(
    ...     jax.random.key(1), d=8))
    >>> res = train_shadow_models(jax.random.key(2), pool, learner=softmax_regression(steps=20),
    ...                           num_models=16, query=pool)
    >>> res.losses.shape, res.mask.shape
    ((16, 100), (16, 100))
"""

from mis.shadow._engine import DESIGNS as DESIGNS
from mis.shadow._engine import ShadowModels as ShadowModels
from mis.shadow._engine import auto_batch_size as auto_batch_size
from mis.shadow._engine import fit_keys as fit_keys
from mis.shadow._engine import membership_mask as membership_mask
from mis.shadow._engine import train_shadow_models as train_shadow_models
from mis.shadow._learners import MLP as MLP
from mis.shadow._learners import Learner as Learner
from mis.shadow._learners import MeanLearner as MeanLearner
from mis.shadow._learners import MLPLearner as MLPLearner
from mis.shadow._learners import RidgeLearner as RidgeLearner
from mis.shadow._learners import softmax_regression as softmax_regression

__all__ = ["DESIGNS", "MLP", "Learner", "MLPLearner", "MeanLearner", "RidgeLearner", "ShadowModels",
           "auto_batch_size", "fit_keys", "membership_mask", "softmax_regression",
           "train_shadow_models"]
