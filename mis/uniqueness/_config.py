"""Configuration of ``mis uniqueness``: defaults and validation (host).

Every field is a CLI flag (``--budgets 20,40``) and a TOML key of the ``[uniqueness]`` table;
bad values are one-line ``UserError``s naming the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math

from mis.config import (
    at_least,
    check_choice,
    check_design,
    check_fraction,
    check_number,
    check_specs,
    check_train_size,
    check_widths,
)
from mis.errors import UserError
from mis.shadow import DPSGD

DATASETS = ("digits", "fashion-mnist", "adult", "mixture")


@dataclasses.dataclass(frozen=True)
class UniquenessConfig:
    """One gradient-uniqueness study.

    Attributes:
        dataset: ``"digits"`` (ConvNet of widths ``channels`` on the 8x8 digits) or
            ``"mixture"`` (MLP of widths ``hidden`` on a 2-class Gaussian mixture in R^d).
        pool_size: ordinary pool points; ``num_mislabeled`` points with a wrong label and
            ``num_ood`` out-of-distribution points (uniform-noise images / far-out mixture
            draws, random labels) are added as canaries.
        num_models: shadow models per training recipe (even; each pool point IN for half).
        steps, batch_size, learning_rate, optimizer: the mini-batch recipe (``batch_size``
            distinct members per step) shared by every run.
        ridge: the ridge ``λ`` of GNQ.
        budgets: censoring budgets ``τ`` on the cumulative disclosure ``Σ ½ log(1 + GNQ)``.
        sigmas: DP-SGD noise multipliers of the comparison (clip ``clip_norm``, Poisson rate
            ``batch_size / expected members``, the same steps), accountant ε at ``delta``.
        quantizers: zoo specs applied after training to the uncensored shadows (the link to
            quantization).
        fpr: the FPR of the TPR columns; top_fraction: the share of examples in the top-k
            overlap; num_bootstrap, confidence: the intervals of Spearman's ρ.
    """

    dataset: str = "digits"
    pool_size: int = 256
    num_mislabeled: int = 8
    num_ood: int = 8
    num_models: int = 64
    steps: int = 200
    batch_size: int = 32
    learning_rate: float = 0.01
    optimizer: str = "adam"
    ridge: float = 0.01
    budgets: tuple[float, ...] = (20.0, 28.0, 34.0, 40.0, 60.0)
    sigmas: tuple[float, ...] = (0.5, 1.0, 2.0)
    clip_norm: float = 1.0
    delta: float = 1e-5
    quantizers: tuple[str, ...] = ("uniform:4", "uniform:3", "kmeans:4")
    channels: tuple[int, ...] = (8, 16)
    hidden: tuple[int, ...] = (32,)
    d: int = 16
    fpr: float = 0.01
    top_fraction: float = 0.05
    num_bootstrap: int = 1000
    confidence: float = 0.95

    def __post_init__(self):
        for name in ("budgets", "sigmas", "quantizers", "channels", "hidden"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        check_choice(self, "dataset", DATASETS)
        at_least(self, "pool_size", 8)
        at_least(self, "num_mislabeled", 1)
        at_least(self, "num_ood", 1)
        check_design(self)
        at_least(self, "steps", 1)
        at_least(self, "batch_size", 2)
        at_least(self, "num_bootstrap", 10)
        at_least(self, "d", 1)
        members = (self.pool_size + self.num_mislabeled + self.num_ood) // 2
        if self.batch_size > members:
            raise UserError(f"batch_size={self.batch_size} exceeds the ~{members} members of a "
                            "shadow model; use a smaller batch or a larger pool")
        check_train_size(self, "pool_size", "num_mislabeled")
        if self.optimizer not in ("adam", "sgd"):
            raise UserError(f"optimizer={self.optimizer!r} is unknown; use adam or sgd")
        check_number(self, "learning_rate", lo=0.0, lo_open=True)
        check_number(self, "ridge", lo=0.0, lo_open=True)
        check_number(self, "clip_norm", lo=0.0, lo_open=True)
        for name in ("budgets", "sigmas"):
            values = getattr(self, name)
            if not values:
                raise UserError(f"{name} is empty; the study compares GNQ censoring with "
                                "DP-SGD: give at least one value")
            if len(set(values)) != len(values):
                raise UserError(f"{name} {list(values)} repeat a value")
        for tau in self.budgets:
            if not isinstance(tau, int | float) or isinstance(tau, bool) \
                    or not math.isfinite(tau) or tau <= 0:
                raise UserError(f"budget {tau!r} is not allowed; use finite numbers > 0")
        for sigma in self.sigmas:
            DPSGD(self.clip_norm, sigma, 0.5)  # one-line errors for σ
        check_specs(self.quantizers)
        from mis.quantizers import parse

        for spec in self.quantizers:
            if parse(spec).needs_calibration:
                raise UserError(f"quantizer {spec!r} needs calibration inputs; use a zoo spec "
                                "without calibration (e.g. uniform:4, kmeans:4)")
        check_widths(self, "channels", "hidden")
        check_fraction(self, "delta", "fpr", "top_fraction", "confidence")

    @property
    def sample_rate(self) -> float:
        """DP-SGD's Poisson rate: ``batch_size`` over the expected members."""
        return min(1.0, self.batch_size / ((self.pool_size + self.num_mislabeled
                                             + self.num_ood) / 2))

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """A run of well under a minute on the same code path."""
        del task
        return dict(dataset="mixture", pool_size=48, num_mislabeled=4, num_ood=4,
                    num_models=8, steps=30, batch_size=8, budgets=(10.0,), sigmas=(1.0,),
                    quantizers=("uniform:4",), num_bootstrap=50)
