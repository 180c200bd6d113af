"""Configuration of ``mis rank`` and ``mis sweep``: defaults and validation (host).

Every field is a CLI flag (``--num-models 64``) and a TOML key (``num_models = 64`` in the
``[rank]`` / ``[sweep]`` table); unknown keys, out-of-range values and bad quantizer specs are
one-line ``UserError``s (merging and checks: :mod:`mis.config`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from mis.config import at_least, check_memory, check_specs, check_train_size, check_training
from mis.errors import UserError

TASKS = ("mixture", "gaussian-mean", "digits", "fashion-mnist", "adult")
ADULT_FEATURES = 108  # mis.data.load_adult: 6 numerical + 102 one-hot columns

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
    for ``grid:STEP``); ``task="digits"``: the 8x8 digits (``mis.data.load_digits``) with a
    ConvNet of widths ``channels`` (the pool is the first ``pool_size <= 1200`` training
    digits, the fresh examples are the first ``num_fresh`` of the 597 test digits: all of them
    when ``num_fresh`` is larger; ``d``, ``k_modes``, ``separation`` and ``hidden`` do not
    apply); ``task="fashion-mnist"``: the same on Fashion-MNIST's 28x28 images
    (``mis.data.load_fashion_mnist``, 60,000 training images); ``task="adult"``: UCI Adult
    (``mis.data.load_adult``, 108 encoded features, 32,561 training rows) with the MLP head
    of widths ``hidden``. ``quantizers=()`` takes the task's default zoo.
    ``accuracy_floor``: a release whose accuracy is below this fraction of the full-precision
    release's is broken (it leaks nothing because it learned nothing): reported apart, kept out
    of the rankings, tie groups, the Pareto front and the findings (0: no floor)."""

    task: str = "mixture"
    quantizers: tuple[str, ...] = ()
    d: int = 128
    k_modes: int = 4
    separation: float = 3.0
    pool_size: int = 1000
    num_fresh: int = 1000
    num_models: int = 64
    hidden: tuple[int, ...] = (32,)
    channels: tuple[int, ...] = (8, 16)
    steps: int = 300
    learning_rate: float = 0.01
    l2: float = 1e-4
    num_bootstrap: int = 200
    num_candidates: int = 32
    exact_samples: int = 100_000
    accuracy_floor: float = 0.9

    def __post_init__(self):
        object.__setattr__(self, "quantizers", tuple(self.quantizers))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        object.__setattr__(self, "channels", tuple(self.channels))
        if self.task not in TASKS:
            raise UserError(f"task={self.task!r} is unknown; use one of {', '.join(TASKS)}")
        check_specs(self.quantizers)
        if self.task == "gaussian-mean":
            from mis.quantizers import parse

            for spec in self.quantizers:
                if parse(spec).needs_calibration:
                    raise UserError(f"quantizer {spec!r} needs calibration inputs of a dense "
                                    "layer; the gaussian-mean task releases a mean vector "
                                    "(use a quantizer without calibration, e.g. uniform:4)")
        at_least(self, "d", 1)
        at_least(self, "k_modes", 2)
        at_least(self, "pool_size", 8)
        at_least(self, "num_fresh", 8)
        at_least(self, "exact_samples", 1000)
        if not self.separation > 0:
            raise UserError(f"separation={self.separation!r} must be > 0")
        if not self.channels or any(c < 1 for c in self.channels):
            raise UserError(f"channels={list(self.channels)} is not allowed; use positive "
                            "integers")
        check_train_size(self, "pool_size", dataset=self.task)
        if isinstance(self.accuracy_floor, bool) or not isinstance(self.accuracy_floor,
                                                                   int | float) \
                or not 0 <= self.accuracy_floor <= 1:
            raise UserError(f"accuracy_floor={self.accuracy_floor!r} is not allowed; use a "
                            "number in [0, 1] (0: no floor)")
        check_training(self)
        check_memory(self.memory_parts(), "lower --num-models, --pool-size, --num-fresh or --d")

    def num_params(self) -> int:
        """Parameters of one model (the released mean, the MLP head or the ConvNet)."""
        if self.task == "gaussian-mean":
            return self.d
        if self.task in ("digits", "fashion-mnist"):
            sizes, total, c_in, side = self.channels, 0, 1, 8 if self.task == "digits" else 28
            for c in sizes:
                total += 9 * c_in * c + c
                c_in, side = c, side // 2
            return total + side * side * c_in * 10 + 10
        widths = (ADULT_FEATURES if self.task == "adult" else self.d, *self.hidden, 2)
        return sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True))

    def memory_parts(self) -> dict[str, float]:
        """Estimated bytes (float32) of the largest arrays a run holds at once: the data, the
        models' parameters (full precision and one quantized copy), the per-(model, example)
        signals and scores of one release, and the indicator's per-sample terms ``[n, K]``
        (values and squares)."""
        d_in = {"digits": 64, "fashion-mnist": 784, "adult": ADULT_FEATURES}.get(self.task,
                                                                                self.d)
        params = self.num_params()
        return {"data": 4.0 * d_in * (self.pool_size + self.num_fresh),
                "model parameters": 4.0 * 2 * self.num_models * params,
                "signals and scores": 4.0 * 32 * self.num_models * (self.pool_size
                                                                     + self.num_fresh),
                "indicator terms": 4.0 * 2 * self.pool_size * params}

    @property
    def classifier(self) -> bool:
        """The task is a classification (accuracy is its utility; otherwise the test loss)."""
        return self.task != "gaussian-mean"

    @property
    def zoo(self) -> tuple[str, ...]:
        """The quantizer specs of this run (the task's default zoo when none are given)."""
        if self.quantizers:
            return self.quantizers
        return MEAN_ZOO if self.task == "gaussian-mean" else MIXTURE_ZOO

    @staticmethod
    def smoke_sizes(task: str = "mixture") -> dict:
        """The sizes (and a short zoo) of the smoke variant: the same code path, well under a
        minute. They override a config file's sizes; explicit flags override them."""
        if task == "gaussian-mean":
            return dict(quantizers=("none", "grid:0.1", "grid:0.5", "sign"), d=5,
                        pool_size=200, num_fresh=200, num_models=16, num_bootstrap=50,
                        num_candidates=8, exact_samples=5000)
        if task in ("digits", "fashion-mnist"):
            return dict(quantizers=SMOKE_ZOO, pool_size=200, num_fresh=200, num_models=16,
                        channels=(4, 8), steps=60, num_bootstrap=50, num_candidates=8,
                        exact_samples=5000)
        return dict(quantizers=SMOKE_ZOO, d=16, pool_size=200, num_fresh=200, num_models=16,
                    hidden=(8,), steps=100, num_bootstrap=50, num_candidates=8,
                    exact_samples=5000)

    @classmethod
    def smoke(cls, **overrides: Any) -> RankConfig:
        """The smoke variant of ``overrides["task"]`` with ``overrides`` applied on top."""
        return cls(**{**cls.smoke_sizes(overrides.get("task", "mixture")), **overrides})


SWEEP_FAMILIES = ("uniform", "kmeans", "sign", "ternary", "prune")


@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """The grid of ``mis sweep`` (the ``[sweep]`` table; the models come from the ``[rank]``
    table, a :class:`RankConfig`).

    Attributes:
        families: quantizer families (``mis.rank.FAMILIES``).
        bits: bit widths, integers in 1..8 (families defined at other widths skip them).
        sparsity: sparsities in [0, 1) for ``ternary`` and ``prune``.
        pool_sizes: training-pool sizes, each >= 8; empty = the rank config's ``pool_size``.
    """

    families: tuple[str, ...] = SWEEP_FAMILIES
    bits: tuple[int, ...] = tuple(range(1, 9))
    sparsity: tuple[float, ...] = (0.33, 0.5, 0.9)
    pool_sizes: tuple[int, ...] = ()

    def __post_init__(self):
        for name in ("families", "bits", "sparsity", "pool_sizes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for p in self.sparsity:
            if not (isinstance(p, int | float) and not isinstance(p, bool) and 0 <= p < 1):
                raise UserError(f"sparsity {p!r} is not allowed; use numbers in [0, 1)")
        for b in self.bits:
            if not (isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= 8):
                raise UserError(f"bits {b!r} is not allowed; use integers in 1..8")
        for n in self.pool_sizes:
            if not (isinstance(n, int) and not isinstance(n, bool) and n >= 8):
                raise UserError(f"pool size {n!r} is not allowed; use integers >= 8")

    def pools(self, rank: RankConfig) -> tuple[int, ...]:
        """The pool sizes of the sweep (``rank.pool_size`` when none are given)."""
        return self.pool_sizes or (rank.pool_size,)

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """``--smoke`` shrinks the grid to four cells (uniform:2, uniform:4, sign, prune:0.9)
        unless flags name it; the models shrink through the ``[rank]`` smoke sizes."""
        del task
        return dict(families=("uniform", "sign", "prune"), bits=(1, 2, 4), sparsity=(0.9,))
