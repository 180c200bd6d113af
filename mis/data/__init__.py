"""Synthetic data with exact likelihoods (numpyro) for shadow models and attacks, real data
that ships inside installed packages (``load_digits``, ``load_fashion_mnist`` from the IDX
files of Debian's ``dataset-fashion-mnist``, ``load_adult``; by name: ``real_set``), and real
molecular property
sets shipped in packages with their RDKit embedders (``load_dataset``, ``cached_features``;
RDKit imported only when a set is parsed or embedded).

``sample_<family>(key, n, *, ...) -> Dataset(x, y)``; tasks (mixture means, regression
coefficients) are NamedTuples with an exact ``*_log_prob``.
"""

from mis.data._adult import ADULT_SIZES as ADULT_SIZES
from mis.data._adult import encode_adult as encode_adult
from mis.data._adult import load_adult as load_adult
from mis.data._adult import read_adult_rows as read_adult_rows
from mis.data._canaries import KINDS as KINDS
from mis.data._canaries import canary_pool as canary_pool
from mis.data._embedders import EMBEDDERS as EMBEDDERS
from mis.data._embedders import cached_features as cached_features
from mis.data._embedders import check_cache_dir as check_cache_dir
from mis.data._embedders import featurize as featurize
from mis.data._embedders import standardize as standardize
from mis.data._fashion import FASHION_DIR as FASHION_DIR
from mis.data._fashion import FASHION_ENV as FASHION_ENV
from mis.data._fashion import FASHION_SIZES as FASHION_SIZES
from mis.data._fashion import load_fashion_mnist as load_fashion_mnist
from mis.data._fashion import read_idx as read_idx
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
from mis.data._molecules import MoleculeSet as MoleculeSet
from mis.data._molecules import chembl_names as chembl_names
from mis.data._molecules import dataset_names as dataset_names
from mis.data._molecules import load_dataset as load_dataset
from mis.data._molecules import read_csv_set as read_csv_set
from mis.data._molecules import read_sdf_set as read_sdf_set
from mis.data._real import REAL_SETS as REAL_SETS
from mis.data._real import RealSet as RealSet
from mis.data._real import real_set as real_set

__all__ = [
    "ADULT_SIZES", "FASHION_DIR", "FASHION_ENV", "FASHION_SIZES", "REAL_SETS", "RealSet",
    "encode_adult", "load_adult", "load_fashion_mnist", "read_adult_rows", "read_idx",
    "real_set",
    "DIGITS_CLASSES", "DIGITS_TRAIN", "EMBEDDERS", "KINDS", "Dataset", "MoleculeSet",
    "cached_features", "check_cache_dir", "chembl_names", "dataset_names", "featurize",
    "load_dataset", "read_csv_set", "read_sdf_set", "standardize", "GaussianTask", "LinearTask",
    "LogisticTask", "MixtureTask", "canary_pool", "digits_split_indices",
    "gaussian_distribution", "linear_log_prob", "load_digits",
    "logistic_log_prob", "make_gaussian_mixture", "mixture_distribution", "mixture_log_prob",
    "sample_categorical", "sample_gaussian", "sample_gaussian_mixture", "sample_linear_regression",
    "sample_logistic", "sample_sphere_regression",
]
