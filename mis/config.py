"""Study configuration shared by every command: TOML files, key checks, merging config files,
smoke sizes and flags, and the checks every shadow-model study applies (host).

A study's config is a frozen dataclass that validates itself in ``__post_init__`` (one-line
:class:`~mis.errors.UserError` naming the bad value) and may define ``smoke_sizes(task)``. Every
field is a TOML key of the study's table and a command-line flag; :func:`make_config` merges
them: the config file, then the smoke sizes (``--smoke``), then the flags on top.

Example:
    >>> import dataclasses
    >>> @dataclasses.dataclass(frozen=True)
    ... class Toy:
    ...     steps: int = 10
    ...     def __post_init__(self):
    ...         at_least(self, "steps", 1)
    >>> make_config(Toy, {"steps": 5}, flags={"steps": 7}).steps
    7
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from mis.errors import UserError


def load_toml(path: str | Path) -> dict:
    """The whole TOML file as a dict.

    Raises:
        UserError: a missing or unparsable file.
    """
    path = Path(path)
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"--config {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise UserError(f"--config {str(path)!r} is a directory, not a TOML file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"--config {str(path)!r} is not valid TOML: {err}") from None


def check_keys(table: dict, allowed: Iterable[str], where: str) -> None:
    """Refuses keys of ``table`` outside ``allowed`` (one line naming them and the allowed)."""
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise UserError(f"unknown key(s) {', '.join(map(repr, unknown))} in {where}; "
                        f"allowed: {', '.join(sorted(allowed))}")


class ConfigFile(NamedTuple):
    """What a ``--config`` file holds for one study.

    Attributes:
        values: the study's table (``[rank]``, ``[molecular]`` ...).
        seed: the top-level ``seed`` (0 when absent).
        smoke: the top-level ``smoke`` flag.
        extra: the other tables the study accepts, by name.
    """

    values: dict
    seed: int
    smoke: bool
    extra: dict


def read_config_file(path: str | Path | None, section: str,
                     extras: tuple[str, ...] = ()) -> ConfigFile:
    """The ``[section]`` table, ``seed``, ``smoke`` and the ``extras`` tables of a TOML config
    (all empty for ``path=None``). Any other top-level key is an error."""
    if path is None:
        return ConfigFile({}, 0, False, {name: {} for name in extras})
    data = load_toml(path)
    check_keys(data, {section, *extras, "seed", "smoke"}, f"--config {str(path)!r}")
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise UserError(f"seed={seed!r} must be an integer >= 0")
    tables = {name: data.get(name, {}) for name in (section, *extras)}
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise UserError(f"{name} in --config {str(path)!r} must be a table ([{name}])")
    return ConfigFile(dict(tables[section]), seed, bool(data.get("smoke", False)),
                      {name: dict(tables[name]) for name in extras})


# What a config file or a flag chooses, as opposed to a size: the data, the task and the things
# compared. The one --smoke rule of every command: smoke shrinks sizes (models, points, steps,
# iterations, resamples, grids of sizes) and keeps every one of these that the file or a flag
# gives; where neither gives one, the smoke run uses its own (a short zoo, a small data set).
KEPT_UNDER_SMOKE = ("task", "dataset", "datasets", "molecules", "embedder", "embedders",
                    "recipes", "quantizers", "versions", "families", "sigmas", "dp_sigmas",
                    "budgets", "inits", "covariance", "optimizer")


def make_config(cls: Any, values: dict, *, flags: dict | None = None, smoke: bool = False,
                name: str | None = None) -> Any:
    """A validated config of class ``cls``: ``values`` (a config file), then
    ``cls.smoke_sizes(task)`` when ``smoke``, then ``flags`` (explicit command-line options).
    Lists become tuples. The file and flags are validated before any smoke shrinking, so a bad
    value fails with ``--smoke`` too; what the file or a flag chooses (the data, the task, the
    things compared: :data:`KEPT_UNDER_SMOKE`) is kept under ``--smoke``, which shrinks sizes
    only; a single value where a tuple belongs becomes a 1-tuple. ``name`` is the section named
    in errors (default: the class name)."""
    name = name or cls.__name__
    flags = dict(flags or {})
    fields = {f.name for f in dataclasses.fields(cls)}
    check_keys(values, fields, f"the {name} configuration")
    check_keys(flags, fields, f"the {name} options")
    hints = typing.get_type_hints(cls)

    def tuples(d: dict) -> dict:  # lists become tuples; one value where a list belongs, (value,)
        out = {}
        for k, v in d.items():
            if isinstance(v, list):
                v = tuple(v)
            elif typing.get_origin(hints.get(k)) is tuple and not isinstance(v, tuple):
                v = (v,)
            out[k] = v
        return out

    given = tuples(dict(values) | flags)
    if not smoke:
        return _build(cls, given)
    sizes = tuples(cls.smoke_sizes(given.get("task", "mixture")))
    # the file and flags are validated as given, smoke or not, in the context the run has:
    # the smoke sizes fill what they leave unset (so --scaling-sizes fits the smoke pool)
    _build(cls, sizes | given)
    smoke_values = {k: v for k, v in sizes.items()
                    if k not in KEPT_UNDER_SMOKE or k not in given}
    merged = tuples(dict(values) | smoke_values | flags)
    return _build(cls, merged)


def _build(cls, values: dict):
    try:
        return cls(**values)
    except TypeError as err:  # e.g. a string where a number belongs
        raise UserError(f"bad configuration value: {err}") from None


def at_least(config: Any, name: str, lo: int) -> None:
    """Refuses ``config.<name>`` unless it is an integer ``>= lo``."""
    value = getattr(config, name)
    if not isinstance(value, int) or isinstance(value, bool) or value < lo:
        raise UserError(f"{name}={value!r} is not allowed; use an integer >= {lo}")


def check_training(config: Any) -> None:
    """The fields every shadow-model study shares: ``num_models`` (even, >= 8), ``steps``,
    ``num_bootstrap``, ``num_candidates``, ``hidden``, ``learning_rate`` and ``l2``."""
    check_design(config)
    at_least(config, "steps", 1)
    at_least(config, "num_bootstrap", 10)
    at_least(config, "num_candidates", 1)
    if any(not isinstance(h, int) or h < 1 for h in config.hidden):
        raise UserError(f"hidden={list(config.hidden)} must hold positive integers")
    check_number(config, "learning_rate", lo=0.0, lo_open=True)
    check_number(config, "l2", lo=0.0)


def check_choice(config: Any, name: str, allowed: tuple[str, ...]) -> None:
    """Refuses ``config.<name>`` unless it is one of ``allowed`` (a dataset, a task)."""
    value = getattr(config, name)
    if value not in allowed:
        raise UserError(f"{name}={value!r} is unknown; use one of {', '.join(allowed)}")


def check_design(config: Any, *, min_models: int = 8) -> None:
    """The balanced IN/OUT design of every shadow-model study: ``num_models`` an even integer
    ``>= min_models`` (each example is IN for exactly half the models)."""
    at_least(config, "num_models", min_models)
    if config.num_models % 2:
        raise UserError(f"num_models={config.num_models} must be even (balanced IN/OUT design)")


def check_train_size(config: Any, *names: str, dataset: str | None = None) -> None:
    """On a real data set (``config.dataset``, or ``dataset``: digits, fashion-mnist, adult),
    refuses sizes whose sum (the training rows the study takes from the front of the published
    split) exceeds the split."""
    from mis.data import REAL_SETS

    real = REAL_SETS.get(dataset or config.dataset)
    total = sum(getattr(config, n) for n in names)
    if real is not None and total > real.train_size:
        what = f"{names[0]}={total}" if len(names) == 1 else f"{' + '.join(names)} = {total}"
        raise UserError(f"{what} exceeds the {real.train_size} {real.train_words}; use at most "
                        f"{real.train_size}")


def check_number(config: Any, name: str, *, lo: float, lo_open: bool = False) -> None:
    """Refuses ``config.<name>`` unless it is a finite number ``> lo`` (``lo_open``) or
    ``>= lo`` (``inf`` and ``nan`` would train and then fail on NaN scores)."""
    value = getattr(config, name)
    ok = (isinstance(value, int | float) and not isinstance(value, bool)
          and math.isfinite(value) and (value > lo if lo_open else value >= lo))
    if not ok:
        raise UserError(f"{name}={value!r} is not allowed; use a finite number "
                        f"{'>' if lo_open else '>='} {lo:g}")


def check_fraction(config: Any, *names: str) -> None:
    """Refuses ``config.<name>`` unless it is a number in the open interval (0, 1)."""
    for name in names:
        value = getattr(config, name)
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or math.isnan(value) or not 0 < value < 1:
            raise UserError(f"{name}={value!r} is not allowed; use a number in (0, 1)")


def check_widths(config: Any, *names: str) -> None:
    """Refuses ``config.<name>`` (layer widths) unless it is a non-empty tuple of positive
    integers."""
    for name in names:
        widths = getattr(config, name)
        if not widths or any(not isinstance(w, int) or isinstance(w, bool) or w < 1
                             for w in widths):
            raise UserError(f"{name}={list(widths)} is not allowed; use positive integers")


def check_specs(specs: Sequence[str], name: str = "quantizers", *, unique: bool = True) -> None:
    """Every spec of ``specs`` parses (one-line error listing the valid forms); with ``unique``
    none may repeat."""
    from mis.quantizers import parse

    for spec in specs:
        parse(spec)
    if unique and len(set(specs)) != len(specs):
        raise UserError(f"{name} {list(specs)} repeat a spec")


def available_memory() -> int:
    """Bytes of memory available to a new allocation (``MemAvailable`` of /proc/meminfo, else
    the physical memory)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_memory(parts: dict[str, float], advice: str, *, available: int | None = None) -> None:
    """Refuses a run whose estimated memory (``parts``: name -> bytes) exceeds what is
    available, before any work, with one line naming the estimate, its largest parts and
    ``advice``."""
    need = sum(parts.values())
    have = available_memory() if available is None else available
    if need > have:
        gib = lambda b: f"{b / 2**30:.1f} GiB"
        big = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
        raise UserError(f"this run needs about {gib(need)} of memory ("
                        + ", ".join(f"{k} {gib(v)}" for k, v in big)
                        + f") but {gib(have)} are available; {advice}")


__all__ = ["KEPT_UNDER_SMOKE", "ConfigFile", "at_least", "available_memory", "check_choice",
           "check_design", "check_train_size", "check_fraction", "check_keys", "check_memory",
           "check_number", "check_specs", "check_training", "check_widths", "load_toml",
           "make_config", "read_config_file"]
