"""Configuration of ``mis condense``: defaults and validation (host).

Every field is a CLI flag (``--ipcs 1,5,10``) and a TOML key of the ``[condense]`` table; bad
values are one-line ``UserError``s naming the value and what is allowed, raised before any
training.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from mis.config import (
    at_least,
    check_choice,
    check_design,
    check_fraction,
    check_number,
    check_train_size,
    check_widths,
)
from mis.data import REAL_SETS
from mis.errors import UserError
from mis.shadow import DPSGD

DATASETS = ("digits", "fashion-mnist", "adult", "mixture")
INITS = ("noise", "real")


@dataclasses.dataclass(frozen=True)
class CondenseConfig:
    """One dataset-condensation privacy study.

    Attributes:
        dataset: ``"digits"`` (ConvNet of widths ``channels`` on the 8x8 digits; the DM
            embedding is the same ConvNet at a random initialisation) or ``"mixture"`` (MLP of
            widths ``hidden`` on a 2-class Gaussian mixture in R^d, MLP embedding).
        pool_size: ordinary audit points; ``num_mislabeled`` points with a wrong label and
            ``num_ood`` out-of-distribution points (uniform-noise images / far-out draws) are
            added as canaries. Every audit point is IN for half of the pipelines.
        filler_size: always-IN points added to every pipeline's private set (the training
            rows after the audit set), so a pipeline has ``filler_size + audit / 2`` members in
            expectation and the audit runs at n ≫ m ("Privacy for Free" condenses 5,000
            images per class); 0 = the audit set alone.
        num_models: pipelines per method (even; each vmapped like a shadow model).
        ipcs: images per class of the condensed sets and of the random-subset baseline.
        inits: DM initialisations (``noise``, ``real``).
        iterations, dm_learning_rate, momentum: DM's SGD on the synthetic pixels.
        real_batch: members per class drawn for DM's real side at every iteration (DM's
            ``batch_real``); 0 = every member (cost grows with the pool).
        steps, learning_rate: Adam training of the released model (on the synthetic set, the
            subset or the whole pool), full batch on a synthetic set or subset.
        batch_size: mini-batch of the whole-pool baseline's Adam steps (uniform draws); 0 =
            full batch.
        sigmas, clip_norm, sample_rate, delta: the DP-SGD baseline on the whole pool (noise
            multipliers; Poisson rate; accountant ε at ``delta``).
        scaling_sizes: pool sizes ``n`` of the O(m/n) check (DM from noise at the largest ipc
            and whole-pool training): the audit set plus always-IN filler points; each size is
            at least the audit set.
        fprs: the FPRs of the TPR columns (the first is the verdicts' low FPR, the last the
            trade-off figure's).
        num_bootstrap, confidence: intervals (bootstrap for the scaling slope).
    """

    dataset: str = "digits"
    pool_size: int = 256
    filler_size: int = 0
    num_mislabeled: int = 8
    num_ood: int = 8
    num_models: int = 64
    ipcs: tuple[int, ...] = (1, 5, 10)
    inits: tuple[str, ...] = ("noise", "real")
    iterations: int = 200
    dm_learning_rate: float = 0.1
    momentum: float = 0.5
    real_batch: int = 0
    steps: int = 200
    learning_rate: float = 0.01
    batch_size: int = 0
    sigmas: tuple[float, ...] = (1.0, 4.0)
    clip_norm: float = 1.0
    sample_rate: float = 0.25
    delta: float = 1e-5
    scaling_sizes: tuple[int, ...] = (272, 544, 1088)
    channels: tuple[int, ...] = (8, 16)
    hidden: tuple[int, ...] = (32,)
    d: int = 16
    fprs: tuple[float, ...] = (0.001, 0.01)
    num_bootstrap: int = 1000
    confidence: float = 0.95

    def __post_init__(self):
        for name in ("ipcs", "inits", "sigmas", "scaling_sizes", "channels", "hidden", "fprs"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        check_choice(self, "dataset", DATASETS)
        for name, lo in (("pool_size", 8), ("num_mislabeled", 1), ("num_ood", 1),
                         ("iterations", 1), ("steps", 1), ("filler_size", 0),
                         ("real_batch", 0), ("batch_size", 0),
                         ("num_bootstrap", 10), ("d", 1)):
            at_least(self, name, lo)
        check_design(self)
        check_number(self, "dm_learning_rate", lo=0.0, lo_open=True)
        check_number(self, "learning_rate", lo=0.0, lo_open=True)
        check_number(self, "momentum", lo=0.0)
        check_number(self, "clip_norm", lo=0.0, lo_open=True)
        if not self.momentum < 1:
            raise UserError(f"momentum={self.momentum!r} is not allowed; use a number in [0, 1)")
        bad = [i for i in self.inits if i not in INITS]
        if bad or not self.inits or len(set(self.inits)) != len(self.inits):
            raise UserError(f"inits {list(self.inits)} are not allowed; use distinct values "
                            f"among {', '.join(INITS)}")
        if not self.ipcs or any(not isinstance(v, int) or isinstance(v, bool) or v < 1
                                for v in self.ipcs) or len(set(self.ipcs)) != len(self.ipcs):
            raise UserError(f"ipcs {list(self.ipcs)} are not allowed; use distinct integers "
                            ">= 1")
        smallest = self.smallest_class()
        if max(self.ipcs) > smallest:
            raise UserError(f"ipc {max(self.ipcs)} is larger than the smallest class of the "
                            f"pool ({smallest} examples); use ipcs <= {smallest}")
        for sigma in self.sigmas:
            DPSGD(self.clip_norm, sigma, self.sample_rate)  # one-line errors for σ, q
        if any(not isinstance(v, int) or isinstance(v, bool) for v in self.scaling_sizes) \
                or len(set(self.scaling_sizes)) != len(self.scaling_sizes):
            raise UserError(f"scaling_sizes {list(self.scaling_sizes)} are not allowed; use "
                            "distinct integers")
        if len(self.scaling_sizes) < 2:
            raise UserError(f"scaling_sizes {list(self.scaling_sizes)} are not allowed: the "
                            "O(m/n) slope needs at least 2 pool sizes")
        for name in ("ipcs", "inits", "sigmas"):
            if not getattr(self, name):
                raise UserError(f"{name} is empty; the study compares DM, the subset and "
                                "DP-SGD: give at least one value")
        audit = self.audit_size
        real = REAL_SETS.get(self.dataset)
        limit = (real.train_size - self.pool_size - self.num_mislabeled + audit
                 if real is not None else None)
        if limit is not None and self.private_size > limit:
            raise UserError(f"filler_size={self.filler_size} is not allowed; use at most "
                            f"{limit - audit} (the {real.train_words} after the audit set)")
        for n in self.scaling_sizes:
            if n < audit or (limit is not None and n > limit):
                raise UserError(f"scaling size {n} is not allowed; use sizes from the audit set "
                                f"({audit})" + (f" to {limit} (the {real.train_words})"
                                                if real is not None else " upward"))
        check_train_size(self, "pool_size", "num_mislabeled")
        check_widths(self, "channels", "hidden")
        check_fraction(self, "delta", "confidence")
        if not self.fprs or any(not isinstance(f, int | float) or isinstance(f, bool)
                                or not 0 < f < 1 for f in self.fprs):
            raise UserError(f"fprs {list(self.fprs)} are not allowed; use numbers in (0, 1)")

    @property
    def audit_size(self) -> int:
        """Audit points: ordinary ones and canaries."""
        return self.pool_size + self.num_mislabeled + self.num_ood

    @property
    def private_size(self) -> int:
        """The pool every method's pipelines draw their private sets from: the audit set plus
        the always-IN filler."""
        return self.audit_size + self.filler_size

    @property
    def num_classes(self) -> int:
        return REAL_SETS[self.dataset].num_classes if self.dataset in REAL_SETS else 2

    def smallest_class(self) -> int:
        """The smallest class among the ordinary audit points (digits: counted; mixture: a
        lower bound, the pool's expected class size minus four standard deviations)."""
        if self.dataset in REAL_SETS:
            real = REAL_SETS[self.dataset]
            y = np.asarray(real.load("train").y[: self.pool_size])
            return int(np.bincount(y, minlength=real.num_classes).min())
        n = self.pool_size
        return max(int(n / 2 - 4 * (n / 4) ** 0.5), 0)

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """A run of well under a minute on the same code path."""
        del task
        return dict(dataset="mixture", pool_size=48, num_mislabeled=4, num_ood=4,
                    num_models=8, ipcs=(2,), iterations=20, steps=30, sigmas=(2.0,),
                    scaling_sizes=(56, 112), num_bootstrap=50, filler_size=0, real_batch=0,
                    batch_size=0)
