"""Inference for shadow-model experiments: intervals over models and examples, paired
comparisons, rankings with ties, significant Pareto fronts, three-valued findings and audit
ceilings (host, NumPy/SciPy). Every study's verdicts go through this block.

- :mod:`~mis.inference` ``crossed_*``: the two-way (pigeonhole) bootstrap of stacked scores.
- :class:`Replicates`, :func:`difference`, :func:`bc_interval`: bootstrap intervals, paired.
- :func:`rank_with_ties`, :func:`significant_front`: orders that admit ties.
- :class:`Finding`: a claim decided by the interval of the quantity it is about.
- :func:`audit_ceiling`: the largest ε an audit's sample sizes can certify.
"""

from mis.inference._bootstrap import Replicates as Replicates
from mis.inference._bootstrap import bc_interval as bc_interval
from mis.inference._bootstrap import bonferroni_confidence as bonferroni_confidence
from mis.inference._bootstrap import difference as difference
from mis.inference._bootstrap import holm as holm
from mis.inference._bootstrap import p_value as p_value
from mis.inference._compare import Comparison as Comparison
from mis.inference._compare import Front as Front
from mis.inference._compare import RankedItem as RankedItem
from mis.inference._compare import compare as compare
from mis.inference._compare import rank_with_ties as rank_with_ties
from mis.inference._compare import significant_front as significant_front
from mis.inference._crossed import NUM_BOOTSTRAP as NUM_BOOTSTRAP
from mis.inference._crossed import CrossedMetrics as CrossedMetrics
from mis.inference._crossed import RateAtFpr as RateAtFpr
from mis.inference._crossed import StackedScores as StackedScores
from mis.inference._crossed import crossed_counts as crossed_counts
from mis.inference._crossed import crossed_mean as crossed_mean
from mis.inference._crossed import crossed_metrics as crossed_metrics
from mis.inference._crossed import pair_weights as pair_weights
from mis.inference._finding import DIRECTIONS as DIRECTIONS
from mis.inference._finding import OUTCOMES as OUTCOMES
from mis.inference._finding import Finding as Finding
from mis.inference._finding import decide as decide
from mis.inference._finding import family_note as family_note
from mis.inference._finding import grouped_lines as grouped_lines
from mis.inference._power import audit_ceiling as audit_ceiling
from mis.inference._power import held_out_ceiling as held_out_ceiling
from mis.inference._table import advantage_interval as advantage_interval
from mis.inference._table import stacked_metrics_table as stacked_metrics_table

__all__ = [
    "DIRECTIONS", "NUM_BOOTSTRAP", "OUTCOMES", "Comparison", "CrossedMetrics", "Finding",
    "Front", "RankedItem", "RateAtFpr", "Replicates", "StackedScores", "advantage_interval",
    "audit_ceiling",
    "bc_interval", "bonferroni_confidence", "compare", "crossed_counts", "crossed_mean",
    "crossed_metrics", "decide", "difference", "family_note", "grouped_lines",
    "held_out_ceiling", "holm",
    "p_value", "pair_weights", "rank_with_ties", "significant_front", "stacked_metrics_table",
]
