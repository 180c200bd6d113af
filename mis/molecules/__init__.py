"""The privacy–performance study of quantized property heads (``mis molecular``) on the real
molecular sets and RDKit embedders of :mod:`mis.data`."""

from mis.molecules._config import MOLECULAR_ZOO as MOLECULAR_ZOO
from mis.molecules._config import RECIPES as RECIPES
from mis.molecules._config import MolecularConfig as MolecularConfig
from mis.molecules._metrics import classification_metrics as classification_metrics
from mis.molecules._metrics import regression_metrics as regression_metrics
from mis.molecules._pipeline import MolecularResult as MolecularResult
from mis.molecules._pipeline import PairResult as PairResult
from mis.molecules._pipeline import recipe_split as recipe_split
from mis.molecules._pipeline import run_molecular as run_molecular
from mis.molecules._pipeline import run_pair as run_pair
from mis.molecules._report import TradeoffPoint as TradeoffPoint
from mis.molecules._report import console_summary as console_summary
from mis.molecules._report import findings as findings
from mis.molecules._report import indicator_agreement as indicator_agreement
from mis.molecules._report import indicator_diagnostics as indicator_diagnostics
from mis.molecules._report import molecular_outputs as molecular_outputs
from mis.molecules._report import table_rows as tradeoff_rows
from mis.molecules._report import tradeoff_points as tradeoff_points
from mis.molecules._study import STUDY as STUDY

__all__ = ["STUDY", "MOLECULAR_ZOO", "RECIPES", "MolecularConfig", "MolecularResult",
           "PairResult", "TradeoffPoint", "classification_metrics", "console_summary",
           "findings", "indicator_agreement", "indicator_diagnostics", "molecular_outputs",
           "recipe_split", "regression_metrics", "run_molecular", "run_pair",
           "tradeoff_points", "tradeoff_rows"]
