"""Configuration of ``mis compleak``: defaults and validation (host).

Every field is a CLI flag (``--versions prune:0.8,int8``) and a TOML key of the ``[compleak]``
table; bad values are one-line ``UserError``s naming the value and what is allowed, raised
before any training.
"""

from __future__ import annotations

import dataclasses

from mis.compleak._compress import Version, parse_version
from mis.compleak._models import COVARIANCES
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

DATASETS = ("digits", "fashion-mnist", "adult", "mixture", "molecular")
MIN_SHADOWS = 4
DEFAULT_VERSIONS = ("prune:0.6", "prune:0.7", "prune:0.8", "prune:0.9", "int8", "cluster:4",
                    "cluster:8", "cluster:16", "ptq:prune:0.8", "ptq:uniform:8:channel",
                    "ptq:kmeans:16")


@dataclasses.dataclass(frozen=True)
class CompleakConfig:
    """One study of attacks that combine several compressed releases of a model.

    Attributes:
        dataset: ``"digits"`` (ConvNet of widths ``channels`` on the 8x8 digits),
            ``"mixture"`` (MLP of widths ``hidden`` on a 2-class Gaussian mixture in R^d) or
            ``"molecular"`` (MLP head on the ``embedder`` features of the classification set
            ``molecules``, shipped with the package; features cached in ``cache_dir``).
        pool_size: audit points (digits: the first training digits); each is IN for half of
            the models. Half of them (a seeded split) are the shadow side, the other half the
            victim side.
        num_models: models trained with every version (even); the first ``num_victims`` are
            the victims, the rest the attacker's shadows (at least 4).
        versions: the compressed versions (``prune:S``, ``int8``, ``cluster:K`` fine-tuned on
            the members; ``ptq:<zoo spec>`` post-training only).
        steps, learning_rate: Adam training of the original, full batch.
        fine_tune_steps, fine_tune_learning_rate: Adam fine-tuning of every version.
        trees, max_shadow_rows: the random forests (CompLeak: 500 trees) and the shadow rows
            their attack models train on (a seeded subsample above it).
        mr_epochs, samia_epochs: epochs of CompLeak_MR's network and of SAMIA's Transformer
            (the kept epoch is chosen on a held-out shadow split).
        covariance: the multi-version LiRA's Gaussian (``diag`` or ``full``).
        fprs: the TPR columns (the first is the verdicts' low FPR).
        confidence: interval level (per interval; the verdicts widen it by Bonferroni).
        num_bootstrap: two-way resamples (victim models × victim points) behind every AUC /
            TPR interval and every paired difference.
    """

    dataset: str = "digits"
    pool_size: int = 400
    num_models: int = 32
    num_victims: int = 8
    versions: tuple[str, ...] = DEFAULT_VERSIONS
    steps: int = 300
    learning_rate: float = 0.01
    fine_tune_steps: int = 100
    fine_tune_learning_rate: float = 1e-2
    trees: int = 100
    max_shadow_rows: int = 8000
    mr_epochs: int = 40
    samia_epochs: int = 30
    covariance: str = "diag"
    channels: tuple[int, ...] = (8, 16)
    hidden: tuple[int, ...] = (32,)
    d: int = 16
    molecules: str = "solubility-class"
    embedder: str = "morgan"
    cache_dir: str = ""
    fprs: tuple[float, ...] = (0.001, 0.01)
    confidence: float = 0.95
    num_bootstrap: int = 400

    def __post_init__(self):
        for name in ("versions", "channels", "hidden", "fprs"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str)
                               else tuple(value))
        check_choice(self, "dataset", DATASETS)
        for name, lo in (("pool_size", 16), ("num_victims", 1),
                         ("steps", 1), ("fine_tune_steps", 1), ("trees", 1),
                         ("max_shadow_rows", 100), ("mr_epochs", 1), ("samia_epochs", 1),
                         ("d", 1), ("num_bootstrap", 20)):
            at_least(self, name, lo)
        check_design(self, min_models=2)
        shadows = self.num_models - self.num_victims
        if shadows < MIN_SHADOWS:
            raise UserError(f"num_models={self.num_models} with num_victims={self.num_victims}"
                            f" leaves {shadows} shadow models; the attacks need at least "
                            f"{MIN_SHADOWS} (use num_models >= {self.num_victims + MIN_SHADOWS})")
        check_number(self, "learning_rate", lo=0.0, lo_open=True)
        check_number(self, "fine_tune_learning_rate", lo=0.0, lo_open=True)
        check_train_size(self, "pool_size")
        if self.dataset == "molecular":
            self.check_molecules()
        if not self.versions:
            raise UserError("versions is empty; give at least one compressed version")
        parsed = self.parsed_versions()
        if len({v.spec for v in parsed}) != len(parsed):
            raise UserError(f"versions {list(self.versions)} repeat a version")
        if self.covariance not in COVARIANCES:
            raise UserError(f"covariance={self.covariance!r} is unknown; use one of "
                            f"{', '.join(COVARIANCES)}")
        check_widths(self, "channels", "hidden")
        check_fraction(self, "confidence")
        if not self.fprs or any(not isinstance(f, int | float) or isinstance(f, bool)
                                or not 0 < f < 1 for f in self.fprs):
            raise UserError(f"fprs {list(self.fprs)} are not allowed; use numbers in (0, 1)")

    def check_molecules(self) -> None:
        """The molecular set is a shipped classification set, the embedder known, the pool
        within its training split, the cache folder usable."""
        from mis.data import EMBEDDERS, check_cache_dir, dataset_names, load_dataset

        if self.molecules not in dataset_names():
            raise UserError(f"molecules={self.molecules!r} is unknown; use one of "
                            f"{', '.join(dataset_names())}")
        if self.embedder not in EMBEDDERS:
            raise UserError(f"embedder={self.embedder!r} is unknown; use one of "
                            f"{', '.join(EMBEDDERS)}")
        ds = load_dataset(self.molecules)
        if ds.task != "classification":
            raise UserError(f"molecules={self.molecules!r} is a regression set; use a "
                            "classification set (e.g. solubility-class)")
        if self.pool_size > int(ds.is_train.sum()):
            raise UserError(f"pool_size={self.pool_size} exceeds the {int(ds.is_train.sum())} "
                            f"training molecules of {self.molecules}")
        if self.cache_dir:
            check_cache_dir(self.cache_dir)

    def parsed_versions(self) -> tuple[Version, ...]:
        return tuple(parse_version(v) for v in self.versions)

    @property
    def num_classes(self) -> int:
        if self.dataset == "molecular":
            from mis.data import load_dataset

            return max(load_dataset(self.molecules).num_classes, 2)
        from mis.data import REAL_SETS

        return REAL_SETS[self.dataset].num_classes if self.dataset in REAL_SETS else 2

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """A run of well under a minute on the same code path."""
        del task
        return dict(dataset="mixture", pool_size=200, num_models=8, num_victims=2,
                    versions=("prune:0.5", "int8", "cluster:4", "ptq:prune:0.5"), steps=60,
                    fine_tune_steps=15, trees=20, max_shadow_rows=600, mr_epochs=5,
                    samia_epochs=3, num_bootstrap=100)
