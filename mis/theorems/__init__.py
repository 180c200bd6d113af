"""Numerical reproduction of the theory (docs/theory.md): every claim checked exactly.

Public: ``TheoremsConfig``, ``Claim``, ``TheoremsResult``, ``run_theorems``,
``save_theorems``, ``markdown_table``.
"""

from mis.theorems._claim import Claim as Claim
from mis.theorems._config import TheoremsConfig as TheoremsConfig
from mis.theorems._run import TheoremsResult as TheoremsResult
from mis.theorems._run import markdown_table as markdown_table
from mis.theorems._run import print_table as print_table
from mis.theorems._run import run_theorems as run_theorems
from mis.theorems._run import save_theorems as save_theorems
from mis.theorems._run import theorems_outputs as theorems_outputs

__all__ = ["Claim", "TheoremsConfig", "TheoremsResult", "markdown_table", "print_table",
           "run_theorems", "save_theorems", "theorems_outputs"]
