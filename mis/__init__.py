"""mis: membership inference security of (quantized) machine-learning models.

Subpackages: ``mis.theorems`` (numerical reproduction of the theory), ``mis.audit``
(attack metrics and intervals). The mathematics lives in the ``theory`` package.
"""

from theory import Estimate as Estimate

__version__ = "0.1.0"

__all__ = ["Estimate", "__version__"]
