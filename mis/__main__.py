"""``python -m mis``."""

from mis.cli import entry

entry()
