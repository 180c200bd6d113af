"""Configuration of ``mis estimate``: defaults and validation (host).

Every field is a CLI flag (``--epochs 10,100``) and a TOML key of the ``[estimate]`` table;
bad values are one-line ``UserError``s naming the value and what is allowed.
"""

from __future__ import annotations

import dataclasses

from mis.config import at_least, check_fraction, check_number
from mis.data import DIGITS_TRAIN
from mis.errors import UserError
from mis.shadow import DPSGD


def _ints(config, name: str, lo: int) -> None:
    values = getattr(config, name)
    if not values or any(not isinstance(v, int) or isinstance(v, bool) or v < lo
                         for v in values):
        raise UserError(f"{name}={list(values)} is not allowed; use integers >= {lo}")
    if list(values) != sorted(set(values)):
        raise UserError(f"{name}={list(values)} must increase strictly")


@dataclasses.dataclass(frozen=True)
class EstimateConfig:
    """The generative-model study and the convergence check of ``mis estimate``.

    Attributes:
        sample_sizes: members (= non-members) per draw in the convergence check on the
            Gaussian mean and the discrete model, where Δ is known exactly.
        imbalance: non-members per member in the prior-free check (at the largest size).
        coverage_draws: repeated draws of the Gaussian mean per coverage cell (the two
            smallest balanced sizes and the smallest with ``imbalance`` non-members per
            member) that measure how often each interval covers the exact Δ (0 = skip).
        gaussian_n, gaussian_d: the Gaussian mean's training-set size and dimension.
        discrete_n, discrete_values: the discrete model's ``n`` and ``K`` (``p ∝ 1..K``).
        train_sizes: VAE / mixture training-set sizes (members: the first of a seeded
            permutation of the digits training split; non-members: the 597 test digits).
        epochs: full-batch Adam steps at which the VAE's queries are taken.
        components: mixture sizes fitted by EM (the mixture's overfitting knob).
        hidden, latent, learning_rate: the VAE.
        num_generated: generated images for the black-box nearest-sample distance query.
        elbo_samples: reparameterisation draws per image in the −ELBO query.
        dp_sigmas, dp_clip, dp_sample_rate, dp_steps, delta: the DP-SGD VAEs (largest
            training size; one per noise multiplier) and the δ of the accountant's (ε, δ).
        k: k-NN neighbours (0 = ``≈ √n``, :func:`mis.tv.default_k`).
        folds: cross-fitting folds of the classifier estimate.
        confidence: two-sided level of every interval.
    """

    sample_sizes: tuple[int, ...] = (250, 1000, 4000, 16000)
    imbalance: int = 10
    coverage_draws: int = 200
    gaussian_n: int = 1000
    gaussian_d: int = 1000
    discrete_n: int = 50
    discrete_values: int = 10
    train_sizes: tuple[int, ...] = (100, 400)
    epochs: tuple[int, ...] = (10, 100, 1000, 4000)
    components: tuple[int, ...] = (1, 10, 50)
    hidden: int = 128
    latent: int = 8
    learning_rate: float = 1e-3
    num_generated: int = 2000
    elbo_samples: int = 16
    dp_sigmas: tuple[float, ...] = (1.0, 8.0)
    dp_clip: float = 1.0
    dp_sample_rate: float = 0.1
    dp_steps: int = 4000
    delta: float = 1e-5
    k: int = 0
    folds: int = 5
    confidence: float = 0.95

    def __post_init__(self):
        for name in ("sample_sizes", "train_sizes", "epochs", "components", "dp_sigmas"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _ints(self, "sample_sizes", 20)
        _ints(self, "train_sizes", 10)
        _ints(self, "epochs", 1)
        _ints(self, "components", 1)
        if self.train_sizes[-1] > DIGITS_TRAIN:
            raise UserError(f"train_sizes={list(self.train_sizes)}: at most {DIGITS_TRAIN} "
                            "training digits exist")
        if self.components[-1] > self.train_sizes[0]:
            raise UserError(f"components={list(self.components)}: a mixture cannot have more "
                            f"components than its {self.train_sizes[0]} training images")
        for name, lo in (("imbalance", 1), ("coverage_draws", 0), ("gaussian_n", 2),
                         ("gaussian_d", 1), ("discrete_n", 2), ("discrete_values", 2),
                         ("hidden", 1), ("latent", 1), ("num_generated", 1),
                         ("elbo_samples", 1), ("dp_steps", 1), ("k", 0), ("folds", 2)):
            at_least(self, name, lo)
        if self.k and self.k >= self.sample_sizes[0]:
            raise UserError(f"k={self.k} neighbours needs samples larger than k; the smallest "
                            f"sample size is {self.sample_sizes[0]}")
        check_number(self, "learning_rate", lo=0.0, lo_open=True)
        if not self.dp_sigmas:
            raise UserError("dp_sigmas is empty; give at least one noise multiplier >= 0")
        for sigma in self.dp_sigmas:
            DPSGD(self.dp_clip, sigma, self.dp_sample_rate)  # one-line errors
        check_fraction(self, "delta", "confidence")

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """A run of well under a minute on the same code path."""
        del task
        return dict(sample_sizes=(100, 400), coverage_draws=20, gaussian_n=100,
                    gaussian_d=20, train_sizes=(50, 100), epochs=(5, 50),
                    components=(1, 10), hidden=32, num_generated=200, elbo_samples=4,
                    dp_sigmas=(1.0,), dp_steps=50)
