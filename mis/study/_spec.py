"""One description of a study, from which ``mis.commands`` registers its subcommand (host)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple


class Study(NamedTuple):
    """A study as the command line sees it.

    ``mis <name>`` gets one flag per field of ``config`` (``choices`` restricts a field to a
    list, ``helps`` overrides a flag's help text), plus ``--config``, ``--smoke``, ``--seed``
    and ``--out`` (default ``results/<name>``). Running it validates the config, announces
    ``mis <name>: header(config), seed N``, calls ``run(config, key, progress=bars)``, writes
    ``outputs(result, provenance, command)`` (a dict ``file name -> bytes``)
    atomically into ``--out``, and prints ``summary(result)`` and ``seconds(result)``.

    Attributes:
        name: the subcommand and the config file's table (``[name]``).
        help: one line for ``mis --help``.
        config: the frozen config dataclass (validates itself in ``__post_init__``).
        run: ``run(config, key, *, progress) -> result``.
        outputs: ``outputs(result, provenance, command) -> {file: contents}``.
        summary: ``summary(result) -> str`` printed to stdout.
        header: ``header(config) -> str``, the one-line announcement.
        seconds: ``seconds(result) -> float``, the compute time reported.
        choices: ``{field: allowed values}`` for fields with a closed list.
        helps: ``{field: help text}``.
        extra_sections: other tables the config file may hold (``("sweep",)``).
    """

    name: str
    help: str
    config: type
    run: Callable[..., Any]
    outputs: Callable[[Any, dict, str], Mapping[str, bytes]]
    summary: Callable[[Any], str]
    header: Callable[[Any], str]
    seconds: Callable[[Any], float]
    choices: Mapping[str, tuple] = {}
    helps: Mapping[str, str] = {}
    extra_sections: tuple[str, ...] = ()


__all__ = ["Study"]
