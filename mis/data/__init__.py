"""Synthetic data with exact likelihoods (numpyro) for shadow models and attacks, and real
images that ship inside an installed package (``load_digits``).

``sample_<family>(key, n, *, ...) -> Dataset(x, y)``; tasks (mixture means, regression
coefficients) are NamedTuples with an exact ``*_log_prob``.
"""

from mis.data._canaries import KINDS as KINDS
from mis.data._canaries import canary_pool as canary_pool
from mis.data._generators import Dataset as Dataset
from mis.data._generators import GaussianTask as GaussianTask
from mis.data._generators import LinearTask as LinearTask
from mis.data._generators import LogisticTask as LogisticTask
from mis.data._generators import MixtureTask as MixtureTask
from mis.data._generators import gaussian_distribution as gaussian_distribution
from mis.data._generators import linear_log_prob as linear_log_prob
from mis.data._generators import logistic_log_prob as logistic_log_prob
from mis.data._generators import make_gaussian_mixture as make_gaussian_mixture
from mis.data._generators import mixture_distribution as mixture_distribution
from mis.data._generators import mixture_log_prob as mixture_log_prob
from mis.data._generators import sample_categorical as sample_categorical
from mis.data._generators import sample_gaussian as sample_gaussian
from mis.data._generators import sample_gaussian_mixture as sample_gaussian_mixture
from mis.data._generators import sample_linear_regression as sample_linear_regression
from mis.data._generators import sample_logistic as sample_logistic
from mis.data._generators import sample_sphere_regression as sample_sphere_regression
from mis.data._images import DIGITS_CLASSES as DIGITS_CLASSES
from mis.data._images import DIGITS_TRAIN as DIGITS_TRAIN
from mis.data._images import digits_split_indices as digits_split_indices
from mis.data._images import load_digits as load_digits

__all__ = [
    "DIGITS_CLASSES", "DIGITS_TRAIN", "KINDS", "Dataset", "GaussianTask", "LinearTask",
    "LogisticTask", "MixtureTask", "canary_pool", "digits_split_indices",
    "gaussian_distribution", "linear_log_prob", "load_digits",
    "logistic_log_prob", "make_gaussian_mixture", "mixture_distribution", "mixture_log_prob",
    "sample_categorical", "sample_gaussian", "sample_gaussian_mixture", "sample_linear_regression",
    "sample_logistic", "sample_sphere_regression",
]
