"""mis: membership inference security of (quantized) machine-learning models.

Subpackages: ``mis.theorems`` (numerical reproduction of the theory), ``mis.audit``
(attack metrics and intervals). The mathematics lives in the ``theory`` package.

Importing ``mis`` itself loads nothing heavy (``mis.Estimate`` is ``theory.Estimate``, read on
first use): the command line installs its interrupt handling before JAX is imported.
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["Estimate", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Estimate":
        from theory import Estimate

        return Estimate
    raise AttributeError(f"module 'mis' has no attribute {name!r}")
