"""The privacy indicator ``r_Q^n`` of a quantizer, estimated from one training run (THEORY §6).

Larger ``r̂`` = more private; ``MIS ≈ 1 − exp(−n r̂)``. Variant A
(:func:`threshold_indicator`): distances of the weights to the quantizer's thresholds over the
per-sample-gradient variance of the weights. Variant B (:func:`loss_gap_indicator`):
training-loss gaps between the release and its quantized neighbours over their per-sample
variance. Both return an :class:`Indicator` with bootstrap intervals, the ``"lse"`` aggregate
(used to rank) and the ``"min"`` aggregate (THEORY's literal formula).
"""

from mis.indicator._aggregate import AGGREGATES as AGGREGATES
from mis.indicator._aggregate import Indicator as Indicator
from mis.indicator._aggregate import aggregate_rates as aggregate_rates
from mis.indicator._aggregate import bootstrap_counts as bootstrap_counts
from mis.indicator._loss_gap import loss_gap_indicator as loss_gap_indicator
from mis.indicator._threshold import SampleTerms as SampleTerms
from mis.indicator._threshold import bootstrap_variances as bootstrap_variances
from mis.indicator._threshold import sample_terms as sample_terms
from mis.indicator._threshold import threshold_distances as threshold_distances
from mis.indicator._threshold import threshold_indicator as threshold_indicator

__all__ = ["AGGREGATES", "Indicator", "SampleTerms", "aggregate_rates", "loss_gap_indicator",
           "bootstrap_counts", "bootstrap_variances", "sample_terms", "threshold_distances",
           "threshold_indicator"]
