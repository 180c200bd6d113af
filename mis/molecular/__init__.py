"""The privacy–performance study of quantized property heads (``mis molecular``) on the real
molecular sets and RDKit embedders of :mod:`mis.data`."""

from mis.molecular._config import MOLECULAR_ZOO as MOLECULAR_ZOO
from mis.molecular._config import RECIPES as RECIPES
from mis.molecular._config import MolecularConfig as MolecularConfig
from mis.molecular._metrics import classification_metrics as classification_metrics
from mis.molecular._metrics import regression_metrics as regression_metrics
from mis.molecular._pipeline import MolecularResult as MolecularResult
from mis.molecular._pipeline import PairResult as PairResult
from mis.molecular._pipeline import recipe_split as recipe_split
from mis.molecular._pipeline import run_molecular as run_molecular
from mis.molecular._pipeline import run_pair as run_pair
from mis.molecular._report import TradeoffPoint as TradeoffPoint
from mis.molecular._report import console_summary as console_summary
from mis.molecular._report import findings as findings
from mis.molecular._report import indicator_agreement as indicator_agreement
from mis.molecular._report import indicator_diagnostics as indicator_diagnostics
from mis.molecular._report import molecular_outputs as molecular_outputs
from mis.molecular._report import table_rows as tradeoff_rows
from mis.molecular._report import tradeoff_points as tradeoff_points
from mis.molecular._study import STUDY as STUDY

__all__ = ["STUDY", "MOLECULAR_ZOO", "RECIPES", "MolecularConfig", "MolecularResult",
           "PairResult", "TradeoffPoint", "classification_metrics", "console_summary",
           "findings", "indicator_agreement", "indicator_diagnostics", "molecular_outputs",
           "recipe_split", "regression_metrics", "run_molecular", "run_pair",
           "tradeoff_points", "tradeoff_rows"]
