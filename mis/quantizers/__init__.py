"""The quantizer zoo: post-training compression applied to released weights (device, jnp).

Every quantizer is a frozen, hashable pytree dataclass used as ``q(w, *, key=None)`` on one
tensor; scales are per tensor or per output channel (the last axis). ``parse(spec)`` is the only
string registry. ``quantize_tree`` applies a quantizer to a parameter pytree (or a stack of
models); ``distance_to_threshold`` feeds the privacy indicator (THEORY §6).

=====================  ===========================================  =====================
spec                   procedure                                    class
=====================  ===========================================  =====================
``none``               full precision                               ``Identity``
``grid:STEP``          fixed grid ``STEP·round(w/STEP)``            ``FixedGrid``
``sign``               ``mean|w|·sign(w)``                          ``Sign``
``bitnet``             ternary absmean (BitNet b1.58)               ``BitNet``
``ternary:P``          ternary with sparsity P                      ``Ternary``
``uniform:B``          B-bit round-to-nearest (``:asym``)           ``Uniform``
``stochastic:B``       B-bit unbiased stochastic rounding           ``Stochastic``
``log2:B``             B-bit power-of-two                           ``Log2``
``fp8_e4m3`` …         minifloats fp8 e4m3 / e5m2, fp4 e2m1         ``MiniFloat``
``kmeans:K``           k-means weight sharing                       ``KMeans``
``prune:P``            magnitude pruning (``prune:P+<q>``)          ``Prune``, ``Pruned``
``gptq:B``             GPTQ with calibration inputs                 ``GPTQ``
=====================  ===========================================  =====================
"""

from mis.quantizers._base import Quantizer as Quantizer
from mis.quantizers._binary import BitNet as BitNet
from mis.quantizers._binary import Identity as Identity
from mis.quantizers._binary import Sign as Sign
from mis.quantizers._binary import Ternary as Ternary
from mis.quantizers._gptq import GPTQ as GPTQ
from mis.quantizers._kmeans import KMeans as KMeans
from mis.quantizers._minifloat import MiniFloat as MiniFloat
from mis.quantizers._parse import VALID_FORMS as VALID_FORMS
from mis.quantizers._parse import ZOO as ZOO
from mis.quantizers._parse import parse as parse
from mis.quantizers._prune import Prune as Prune
from mis.quantizers._prune import Pruned as Pruned
from mis.quantizers._stats import QuantizerSummary as QuantizerSummary
from mis.quantizers._stats import TreeStorage as TreeStorage
from mis.quantizers._stats import bits_per_weight as bits_per_weight
from mis.quantizers._stats import distance_to_threshold as distance_to_threshold
from mis.quantizers._stats import num_levels as num_levels
from mis.quantizers._stats import sparsity as sparsity
from mis.quantizers._stats import summarize as summarize
from mis.quantizers._stats import tree_storage as tree_storage
from mis.quantizers._tree import is_weight as is_weight
from mis.quantizers._tree import quantize_tree as quantize_tree
from mis.quantizers._tree import selected_leaves as selected_leaves
from mis.quantizers._uniform import FixedGrid as FixedGrid
from mis.quantizers._uniform import Log2 as Log2
from mis.quantizers._uniform import Stochastic as Stochastic
from mis.quantizers._uniform import Uniform as Uniform

__all__ = [
    "GPTQ", "BitNet", "FixedGrid",
    "Identity", "KMeans", "Log2", "MiniFloat", "Prune", "Pruned", "Quantizer",
    "QuantizerSummary", "Sign", "Stochastic", "Ternary", "Uniform", "VALID_FORMS",
    "bits_per_weight", "distance_to_threshold", "is_weight", "num_levels", "parse",
    "ZOO", "TreeStorage", "quantize_tree", "selected_leaves", "sparsity", "summarize",
    "tree_storage",
]
