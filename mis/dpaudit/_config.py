"""Configuration of ``mis dpaudit``: defaults and validation (host).

Every field is a CLI flag (``--num-models 64``, ``--sigmas 0,1,2``) and a TOML key of the
``[dpaudit]`` table; bad values are one-line ``UserError``s naming the value and what is allowed.
"""

from __future__ import annotations

import dataclasses

from mis.config import (
    at_least,
    check_choice,
    check_design,
    check_fraction,
    check_number,
    check_train_size,
    check_widths,
)
from mis.errors import UserError
from mis.shadow import DPSGD

DATASETS = ("digits", "fashion-mnist", "adult", "mixture")
MODES = ("shadow", "one-run")
CANARIES = ("mislabeled", "input", "gradient")
OBSERVERS = ("black-box", "white-box", "every-step")
# canaries per mode when num_canaries is not given
DEFAULT_CANARIES = {"shadow": 16, "one-run": 1000}
DEFAULT_KIND = {"shadow": "mislabeled", "one-run": "gradient"}


@dataclasses.dataclass(frozen=True)
class DPAuditConfig:
    """One DP-SGD audit.

    Attributes:
        dataset: ``"digits"`` (ConvNet of widths ``channels`` on the 8x8 digits) or
            ``"mixture"`` (MLP of widths ``hidden`` on a 2-class Gaussian mixture in R^d).
        sigmas: the noise multipliers σ audited, each a separate set of shadow models (0 = no
            noise: the accountant's ε is infinite; the row shows what the attack reaches).
        clip_norm: the per-example clipping norm C.
        sample_rate: the Poisson sampling rate q of each member at each step.
        steps: DP-SGD steps (Adam on the noisy gradient, ``learning_rate``).
        num_models: shadow models per σ (even; each pool point is IN for half of them).
        pool_size: ordinary pool points (the first ``pool_size`` training digits, or draws of
            the mixture); ``num_canaries`` mislabeled points are added to the pool.
        num_canaries: canaries (0: the mode's default, 16 shadow, 1000 one-run).
        mode: ``"shadow"`` (``num_models`` shadow models per σ, every point IN for half of
            them, LiRA) or ``"one-run"`` (one DP-SGD run per σ, each canary IN with
            probability ½, Steinke et al.'s bound; :mod:`mis.dpaudit._one_run`).
        canary: ``""`` (the mode's default: mislabeled for shadow, gradient for one-run),
            ``"mislabeled"`` (training rows given a wrong label; the only kind of the
            shadow mode), ``"input"`` (out-of-distribution inputs: uniform noise, random
            label) or ``"gradient"`` (Dirac gradient canaries of norm C; one-run mode).
        observers: what the one-run attacker sees: ``"black-box"`` (the final model's loss;
            input-space canaries) or ``"white-box"`` (final parameters) and ``"every-step"``
            (every noisy update) for gradient canaries; empty = all of the canary's.
        train_sigma: ``-1`` (default): train each σ as accounted. ``>= 0``: train every σ with
            this noise multiplier instead while the accountant still reports σ's ε — a
            planted violation (``0``: noise off) that a working audit must catch.
        delta: the δ of (ε, δ), in (0, 1).
        fpr: the FPR at which the attack's threshold is chosen for the ε lower bound.
        confidence: the Clopper–Pearson confidence of the ε interval.
    """

    dataset: str = "digits"
    sigmas: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
    clip_norm: float = 1.0
    sample_rate: float = 0.25
    steps: int = 100
    learning_rate: float = 0.01
    num_models: int = 128
    pool_size: int = 256
    num_canaries: int = 0
    mode: str = "shadow"
    canary: str = ""
    observers: tuple[str, ...] = ()
    train_sigma: float = -1.0
    channels: tuple[int, ...] = (8, 16)
    hidden: tuple[int, ...] = (32,)
    d: int = 16
    delta: float = 1e-5
    fpr: float = 0.01
    confidence: float = 0.95

    def __post_init__(self):
        for name in ("sigmas", "channels", "hidden", "observers"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        check_choice(self, "dataset", DATASETS)
        check_choice(self, "mode", MODES)
        if self.canary == "":
            object.__setattr__(self, "canary", DEFAULT_KIND[self.mode])
        check_choice(self, "canary", CANARIES)
        if self.num_canaries == 0:
            object.__setattr__(self, "num_canaries", DEFAULT_CANARIES[self.mode])
        self._check_canaries()
        if not self.sigmas:
            raise UserError("sigmas is empty; give at least one noise multiplier >= 0")
        if len(set(self.sigmas)) != len(self.sigmas):
            raise UserError(f"sigmas {list(self.sigmas)} repeat a value")
        for sigma in self.sigmas:
            DPSGD(self.clip_norm, sigma, self.sample_rate)  # one-line errors for C, σ, q
        at_least(self, "steps", 1)
        check_design(self)
        if not (self.train_sigma == -1 or 0 <= self.train_sigma < float("inf")):
            raise UserError(f"train_sigma={self.train_sigma!r} is not allowed; use -1 (train "
                            "as accounted) or a finite number >= 0")
        at_least(self, "pool_size", 2)
        at_least(self, "num_canaries", 2)
        at_least(self, "d", 1)
        if self.canary == "mislabeled":  # the canaries are training rows after the pool
            check_train_size(self, "pool_size", "num_canaries")
        else:
            check_train_size(self, "pool_size")
        check_widths(self, "channels", "hidden")
        check_number(self, "learning_rate", lo=0.0, lo_open=True)
        check_fraction(self, "delta", "fpr", "confidence")

    @property
    def planted_sigma(self) -> float | None:
        """``train_sigma`` when a violation is planted, else ``None`` (train as accounted)."""
        return None if self.train_sigma < 0 else float(self.train_sigma)

    def _check_canaries(self) -> None:
        if self.mode == "shadow" and (self.canary != "mislabeled" or self.observers):
            raise UserError(f"canary={self.canary!r} / observers={list(self.observers)} need "
                            "mode='one-run'; the shadow mode audits mislabeled canaries with "
                            "LiRA")
        allowed = (("white-box", "every-step") if self.canary == "gradient" else
                   ("black-box",))
        for observer in self.observers:
            if observer not in allowed:
                raise UserError(f"observer {observer!r} is not allowed for {self.canary} "
                                f"canaries; use {' or '.join(allowed)}")
        if self.mode == "one-run" and not self.observers:
            object.__setattr__(self, "observers", allowed)

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """A run of well under a minute on the same code path."""
        del task
        return dict(sigmas=(0.0, 2.0), num_models=16, pool_size=48, num_canaries=8, steps=30,
                    channels=(4, 8))
