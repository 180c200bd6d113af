"""Real molecular property data (shipped in packages), RDKit embedders, and the
privacy–performance study of quantized property heads (``mis molecular``)."""

from mis.molecules._config import MOLECULAR_ZOO as MOLECULAR_ZOO
from mis.molecules._config import RECIPES as RECIPES
from mis.molecules._config import MolecularConfig as MolecularConfig
from mis.molecules._datasets import MoleculeSet as MoleculeSet
from mis.molecules._datasets import chembl_names as chembl_names
from mis.molecules._datasets import dataset_names as dataset_names
from mis.molecules._datasets import load_dataset as load_dataset
from mis.molecules._datasets import read_csv_set as read_csv_set
from mis.molecules._datasets import read_sdf_set as read_sdf_set
from mis.molecules._features import EMBEDDERS as EMBEDDERS
from mis.molecules._features import cached_features as cached_features
from mis.molecules._features import check_cache_dir as check_cache_dir
from mis.molecules._features import featurize as featurize
from mis.molecules._features import standardize as standardize
from mis.molecules._metrics import classification_metrics as classification_metrics
from mis.molecules._metrics import regression_metrics as regression_metrics
from mis.molecules._pipeline import MolecularResult as MolecularResult
from mis.molecules._pipeline import PairResult as PairResult
from mis.molecules._pipeline import recipe_split as recipe_split
from mis.molecules._pipeline import run_molecular as run_molecular
from mis.molecules._pipeline import run_pair as run_pair
from mis.molecules._report import Finding as Finding
from mis.molecules._report import TradeoffPoint as TradeoffPoint
from mis.molecules._report import console_summary as console_summary
from mis.molecules._report import findings as findings
from mis.molecules._report import indicator_agreement as indicator_agreement
from mis.molecules._report import indicator_diagnostics as indicator_diagnostics
from mis.molecules._report import molecular_outputs as molecular_outputs
from mis.molecules._report import table_rows as tradeoff_rows
from mis.molecules._report import tradeoff_points as tradeoff_points

__all__ = ["EMBEDDERS", "MOLECULAR_ZOO", "RECIPES", "Finding", "MoleculeSet", "MolecularConfig",
           "MolecularResult", "PairResult", "TradeoffPoint", "cached_features",
           "check_cache_dir", "chembl_names",
           "classification_metrics", "console_summary", "dataset_names", "featurize",
           "findings", "indicator_agreement", "indicator_diagnostics", "load_dataset",
           "molecular_outputs",
           "read_csv_set", "read_sdf_set", "recipe_split", "regression_metrics", "run_molecular",
           "run_pair",
           "standardize", "tradeoff_points", "tradeoff_rows"]
