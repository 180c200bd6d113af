"""Configuration of ``mis rank`` / ``mis sweep``: defaults, TOML loading and validation (host).

Every field is a CLI flag (``--num-models 64``) and a TOML key (``num_models = 64``); unknown
keys, out-of-range values and bad quantizer specs are one-line ``UserError``s.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from mis._errors import UserError
from mis.quantizers import parse

TASKS = ("mixture", "gaussian-mean")

MIXTURE_ZOO = ("none", "sign", "bitnet", "ternary:0.33", "ternary:0.9", "uniform:8", "uniform:4",
               "uniform:2", "stochastic:4", "fp8_e4m3", "kmeans:16", "kmeans:4", "prune:0.5",
               "prune:0.9", "gptq:4")
SMOKE_ZOO = ("none", "sign", "ternary:0.33", "ternary:0.9", "uniform:4", "stochastic:4",
             "prune:0.9", "gptq:4")
MEAN_ZOO = ("none", "grid:0.02", "grid:0.05", "grid:0.1", "grid:0.2", "grid:0.3", "grid:0.5",
            "sign", "ternary:0.33", "uniform:4")


@dataclasses.dataclass(frozen=True)
class RankConfig:
    """One ranking run. ``task="mixture"``: Gaussian-mixture classification in R^d with an MLP
    head; ``task="gaussian-mean"``: the per-coordinate-quantized Gaussian mean (exact MIS known
    for ``grid:STEP``). ``quantizers=()`` takes the task's default zoo."""

    task: str = "mixture"
    quantizers: tuple[str, ...] = ()
    d: int = 128
    k_modes: int = 4
    separation: float = 3.0
    pool_size: int = 1000
    num_fresh: int = 1000
    num_models: int = 64
    hidden: tuple[int, ...] = (32,)
    steps: int = 300
    learning_rate: float = 0.01
    l2: float = 1e-4
    num_bootstrap: int = 200
    num_candidates: int = 32
    exact_samples: int = 100_000

    def __post_init__(self):
        object.__setattr__(self, "quantizers", tuple(self.quantizers))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        if self.task not in TASKS:
            raise UserError(f"task={self.task!r} is unknown; use one of {', '.join(TASKS)}")
        for spec in self.quantizers:
            parse(spec)  # one-line UserError listing the valid forms
        if len(set(self.quantizers)) != len(self.quantizers):
            raise UserError(f"quantizers {list(self.quantizers)} repeat a spec")
        at_least(self, "d", 1)
        at_least(self, "k_modes", 2)
        at_least(self, "pool_size", 8)
        at_least(self, "num_fresh", 8)
        at_least(self, "exact_samples", 1000)
        if not self.separation > 0:
            raise UserError(f"separation={self.separation!r} must be > 0")
        check_training(self)

    @property
    def zoo(self) -> tuple[str, ...]:
        """The quantizer specs of this run (the task's default zoo when none are given)."""
        if self.quantizers:
            return self.quantizers
        return MIXTURE_ZOO if self.task == "mixture" else MEAN_ZOO

    @staticmethod
    def smoke_sizes(task: str = "mixture") -> dict:
        """The sizes (and a short zoo) of the smoke variant: the same code path, well under a
        minute. They override a config file's sizes; explicit flags override them."""
        if task == "gaussian-mean":
            return dict(quantizers=("none", "grid:0.1", "grid:0.5", "sign"), d=5,
                        pool_size=200, num_fresh=200, num_models=16, num_bootstrap=50,
                        num_candidates=8, exact_samples=5000)
        return dict(quantizers=SMOKE_ZOO, d=16, pool_size=200, num_fresh=200, num_models=16,
                    hidden=(8,), steps=100, num_bootstrap=50, num_candidates=8,
                    exact_samples=5000)

    @classmethod
    def smoke(cls, **overrides) -> RankConfig:
        """The smoke variant of ``overrides["task"]`` with ``overrides`` applied on top."""
        return cls(**{**cls.smoke_sizes(overrides.get("task", "mixture")), **overrides})


def at_least(config, name, lo):
    value = getattr(config, name)
    if not isinstance(value, int) or isinstance(value, bool) or value < lo:
        raise UserError(f"{name}={value!r} is not allowed; use an integer >= {lo}")


def check_training(config) -> None:
    """The fields every shadow-model study shares: ``num_models`` (even, >= 8), ``steps``,
    ``num_bootstrap``, ``num_candidates``, ``hidden``, ``learning_rate`` and ``l2``."""
    at_least(config, "num_models", 8)
    at_least(config, "steps", 1)
    at_least(config, "num_bootstrap", 10)
    at_least(config, "num_candidates", 1)
    if config.num_models % 2:
        raise UserError(f"num_models={config.num_models} must be even (balanced IN/OUT design)")
    if any(not isinstance(h, int) or h < 1 for h in config.hidden):
        raise UserError(f"hidden={list(config.hidden)} must hold positive integers")
    if not config.learning_rate > 0:
        raise UserError(f"learning_rate={config.learning_rate!r} must be > 0")
    if not config.l2 >= 0:
        raise UserError(f"l2={config.l2!r} must be >= 0")


FIELDS = {f.name: f for f in dataclasses.fields(RankConfig)}


def load_toml(path: str | Path) -> dict:
    """The ``[rank]`` table (or the top level) of a TOML file as a dict of fields.

    Raises:
        UserError: a missing or unparsable file, or an unknown key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"--config {str(path)!r} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"--config {str(path)!r} is not valid TOML: {err}") from None
    return data


def check_keys(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise UserError(f"unknown key(s) {', '.join(map(repr, unknown))} in {where}; "
                        f"allowed: {', '.join(sorted(allowed))}")


def make_config(values: dict, *, flags: dict | None = None, smoke: bool = False,
                cls=RankConfig, name: str = "rank"):
    """A validated config of class ``cls`` (default :class:`RankConfig`): ``values`` (a config
    file), then ``cls.smoke_sizes(task)`` when ``smoke``, then ``flags`` (explicit command-line
    options) on top. ``name`` is the section named in errors."""
    flags = dict(flags or {})
    fields = {f.name for f in dataclasses.fields(cls)}
    check_keys(values, fields, f"the {name} configuration")
    check_keys(flags, fields, f"the {name} options")
    merged = dict(values)
    if smoke:
        merged |= cls.smoke_sizes(flags.get("task", values.get("task", "mixture")))
    merged |= flags
    merged = {k: tuple(v) if isinstance(v, list) else v for k, v in merged.items()}
    try:
        return cls(**merged)
    except TypeError as err:  # e.g. a string where a number belongs
        raise UserError(f"bad configuration value: {err}") from None
