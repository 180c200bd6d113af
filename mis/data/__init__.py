"""Synthetic data with exact likelihoods (numpyro) for shadow models and attacks.

``sample_<family>(key, n, *, ...) -> Dataset(x, y)``; tasks (mixture means, regression
coefficients) are NamedTuples with an exact ``*_log_prob``.
"""

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

__all__ = [
    "Dataset", "GaussianTask", "LinearTask", "LogisticTask", "MixtureTask",
    "gaussian_distribution", "linear_log_prob", "logistic_log_prob", "make_gaussian_mixture",
    "mixture_distribution", "mixture_log_prob", "sample_categorical", "sample_gaussian",
    "sample_gaussian_mixture", "sample_linear_regression", "sample_logistic",
    "sample_sphere_regression",
]
