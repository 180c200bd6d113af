"""The ``mis`` subcommands. A study that needs nothing beyond its config is registered from
its :class:`mis.study.Study` description (:data:`STUDIES`, table-driven:
``mis.commands._common.register_study``); a command with flags of its own (``rank``,
``molecular``) or that is not a study run (``theorems``, ``quantizers``, ``sweep``, ``audit``,
``estimate``) is a small module with ``register(subparsers)`` pointing at its ``run(args)``.
``mis.cli`` only assembles them, in the order of :data:`COMMANDS`."""

from mis.commands import (
    audit,
    estimate,
    molecular,
    quantizers,
    rank,
    sweep,
    theorems,
)
from mis.commands._common import Subparsers

# Studies registered from their description alone: command name -> the package whose
# ``STUDY`` describes it.
STUDIES = {"dpaudit": "mis.dpaudit", "uniqueness": "mis.uniqueness",
           "condense": "mis.condense", "compleak": "mis.compleak"}

# ``mis --help`` order: a command module, or the name of a study of STUDIES.
COMMANDS = (theorems, quantizers, rank, sweep, audit, molecular, "dpaudit", estimate,
            "uniqueness", "condense", "compleak")


def register_all(sub: Subparsers) -> None:
    """Add every command of :data:`COMMANDS` to the subparsers ``sub``."""
    import importlib

    from mis.commands._common import register_study

    for command in COMMANDS:
        if isinstance(command, str):
            register_study(sub, importlib.import_module(STUDIES[command]).STUDY)
        else:
            command.register(sub)


__all__ = ["COMMANDS", "STUDIES", "register_all"]
