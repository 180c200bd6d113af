"""Shadow (reference) models: learners written for one model (MLP, ConvNet, closed forms;
any gradient learner with a DP-SGD option) and the engine that trains thousands of them at once
(device, jnp).

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

from mis.shadow._accounting import dp_epsilon as dp_epsilon
from mis.shadow._accounting import dp_epsilon_rdp as dp_epsilon_rdp
from mis.shadow._accounting import log_a as log_a
from mis.shadow._conv import ConvLearner as ConvLearner
from mis.shadow._conv import ConvNet as ConvNet
from mis.shadow._conv import conv2d as conv2d
from mis.shadow._conv import conv_relu_pool as conv_relu_pool
from mis.shadow._conv import image_patches as image_patches
from mis.shadow._conv import max_pool as max_pool
from mis.shadow._dpsgd import DP_BLOCK as DP_BLOCK
from mis.shadow._dpsgd import DPSGD as DPSGD
from mis.shadow._dpsgd import GradientCanaries as GradientCanaries
from mis.shadow._dpsgd import add_gradient_canaries as add_gradient_canaries
from mis.shadow._dpsgd import clip_gradients as clip_gradients
from mis.shadow._dpsgd import dp_gradient as dp_gradient
from mis.shadow._dpsgd import per_example_gradients as per_example_gradients
from mis.shadow._dpsgd import quiet_coordinates as quiet_coordinates
from mis.shadow._engine import DESIGNS as DESIGNS
from mis.shadow._engine import ShadowModels as ShadowModels
from mis.shadow._engine import auto_batch_size as auto_batch_size
from mis.shadow._engine import fit_keys as fit_keys
from mis.shadow._engine import membership_mask as membership_mask
from mis.shadow._engine import train_shadow_models as train_shadow_models
from mis.shadow._learners import MLP as MLP
from mis.shadow._learners import CanaryRun as CanaryRun
from mis.shadow._learners import GradientLearner as GradientLearner
from mis.shadow._learners import Learner as Learner
from mis.shadow._learners import LearnerBase as LearnerBase
from mis.shadow._learners import MeanLearner as MeanLearner
from mis.shadow._learners import MLPLearner as MLPLearner
from mis.shadow._learners import RidgeLearner as RidgeLearner
from mis.shadow._learners import WrappedLearner as WrappedLearner
from mis.shadow._learners import example_shape as example_shape
from mis.shadow._learners import fit_by_gradient as fit_by_gradient
from mis.shadow._learners import fit_with_curve as fit_with_curve
from mis.shadow._learners import softmax_regression as softmax_regression
from mis.shadow._learners import train_with_gradient_canaries as train_with_gradient_canaries
from mis.shadow._stacked import stacked_loss as stacked_loss
from mis.shadow._stacked import stacked_predict as stacked_predict
from mis.shadow._tuning import Tuning as Tuning
from mis.shadow._tuning import early_stopping_step as early_stopping_step
from mis.shadow._tuning import tune_l2 as tune_l2
from mis.shadow._tuning import tuned_learner as tuned_learner
from mis.shadow._tuning import validation_split as validation_split

__all__ = ["DESIGNS", "DPSGD", "DP_BLOCK", "MLP", "CanaryRun", "ConvLearner", "ConvNet",
           "GradientCanaries", "GradientLearner", "add_gradient_canaries", "quiet_coordinates",
           "train_with_gradient_canaries",
           "Learner", "LearnerBase", "MLPLearner", "MeanLearner", "RidgeLearner", "ShadowModels",
           "Tuning",
           "auto_batch_size", "clip_gradients", "conv2d", "conv_relu_pool", "dp_epsilon",
           "dp_epsilon_rdp", "log_a",
           "dp_gradient", "early_stopping_step", "example_shape", "fit_by_gradient", "fit_keys",
           "fit_with_curve",
           "image_patches",
           "max_pool", "membership_mask",
           "per_example_gradients", "softmax_regression", "stacked_loss", "stacked_predict",
           "train_shadow_models", "tune_l2",
           "tuned_learner", "validation_split", "WrappedLearner"]
