"""The ``mis`` subcommands, one small module each: ``register(subparsers)`` adds the command's
parser and points it at its ``run(args)``, which turns flags into a validated config, runs the
study with progress bars, writes its files atomically and prints its summary. ``mis.cli`` only
assembles them."""

from mis.commands import (
    audit,
    compleak,
    condense,
    dpaudit,
    estimate,
    molecular,
    quantizers,
    rank,
    sweep,
    theorems,
    uniqueness,
)

COMMANDS = (theorems, quantizers, rank, sweep, audit, molecular, dpaudit, estimate,
            uniqueness, condense, compleak)

__all__ = ["COMMANDS"]
