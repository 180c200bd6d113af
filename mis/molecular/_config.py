"""Configuration of ``mis molecular`` (host): every field is a flag and a TOML key."""

from __future__ import annotations

import dataclasses

from mis.config import at_least, check_fraction, check_specs, check_training
from mis.data import EMBEDDERS
from mis.errors import UserError

MOLECULAR_ZOO = ("none", "uniform:8", "uniform:4", "uniform:2", "sign", "bitnet", "ternary:0.33",
                 "ternary:0.9", "prune:0.5", "prune:0.9")
DEFAULT_DATASETS = ("solubility", "solubility-class", "CHEMBL2147_Ki", "CHEMBL2147_Ki-cliff")
RECIPES = ("tuned", "fixed")


@dataclasses.dataclass(frozen=True)
class MolecularConfig:
    """The molecular study: every dataset × embedder × quantizer.

    Attributes:
        datasets: dataset names (``mis.data.dataset_names()``).
        embedders: RDKit embedders (``morgan``, ``descriptors``, ``maccs``, ``atompair``).
        quantizers: quantizer specs applied to the trained heads.
        fp_size: bins of the Morgan and atom-pair count fingerprints.
        radius: Morgan radius.
        num_models: quantization-aware shadow heads per dataset × embedder, each trained on a
            random half of the training split (balanced design).
        hidden, steps, learning_rate, l2: the MLP property head (Adam, full batch); the
            ``fixed`` recipe trains ``steps`` steps with ``l2``.
        recipes: the training recipes, the first one primary (main tables, findings,
            figures), all of them side by side in the report. ``tuned``: a seeded validation
            split of ``val_fraction`` of the training split is held out, the L2 strength is
            chosen from ``l2_grid`` and the step count (at most ``steps``) by early stopping on
            the validation loss; the released head and every shadow head use the selected
            values (the attacker knows the recipe) and never see the validation molecules.
            ``fixed``: ``steps`` steps with ``l2`` on the whole training split.
        num_bootstrap, num_candidates: indicator settings (as in ``mis rank``).
        cache_dir: feature cache ("" = ``$MIS_CACHE_DIR`` or ``~/.cache/mis``).
    """

    datasets: tuple[str, ...] = DEFAULT_DATASETS
    embedders: tuple[str, ...] = EMBEDDERS
    quantizers: tuple[str, ...] = MOLECULAR_ZOO
    fp_size: int = 1024
    radius: int = 2
    num_models: int = 16
    hidden: tuple[int, ...] = (32,)
    steps: int = 300
    learning_rate: float = 0.003
    l2: float = 1e-3
    recipes: tuple[str, ...] = RECIPES
    val_fraction: float = 0.2
    l2_grid: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 1e-1)
    num_bootstrap: int = 200
    num_candidates: int = 32
    cache_dir: str = ""

    def __post_init__(self):
        from mis.data import dataset_names

        for name in ("datasets", "embedders", "quantizers", "hidden", "recipes", "l2_grid"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.cache_dir:  # before any work
            from mis.data import check_cache_dir

            check_cache_dir(self.cache_dir)
        known = dataset_names()
        for ds in self.datasets:
            if ds not in known:
                raise UserError(f"dataset {ds!r} is unknown; use solubility, solubility-class, "
                                "freesolv, CHEMBL<id>_<Ki|EC50>[-cliff] (`mis molecular "
                                "--list` shows all)")
        for emb in self.embedders:
            if emb not in EMBEDDERS:
                raise UserError(f"embedder {emb!r} is unknown; use any of {', '.join(EMBEDDERS)}")
        check_specs(self.quantizers, unique=False)  # repeats: the loop below
        for recipe in self.recipes:
            if recipe not in RECIPES:
                raise UserError(f"recipe {recipe!r} is unknown; use any of {', '.join(RECIPES)}")
        for l2 in self.l2_grid:
            if not isinstance(l2, int | float) or isinstance(l2, bool) or not l2 >= 0 \
                    or l2 == float("inf"):
                raise UserError(f"l2_grid value {l2!r} is not allowed; use finite numbers >= 0")
        check_fraction(self, "val_fraction")
        for name in ("datasets", "embedders", "quantizers", "recipes", "l2_grid"):
            values = getattr(self, name)
            if not values or len(set(values)) != len(values):
                raise UserError(f"{name}={list(values)} must be non-empty without repeats")
        at_least(self, "fp_size", 8)
        at_least(self, "radius", 1)
        check_training(self)

    def embedder_params(self, name: str) -> dict:
        """Parameters passed to the embedder ``name``."""
        return {"morgan": {"radius": self.radius, "size": self.fp_size},
                "atompair": {"size": self.fp_size}}.get(name, {})

    @staticmethod
    def smoke_sizes(task: str | None = None) -> dict:
        """One regression and one classification set, two embedders, four quantizers, small
        heads: the same code path in well under a minute."""
        del task
        return dict(datasets=("freesolv", "solubility-class"), embedders=("morgan", "maccs"),
                    quantizers=("none", "uniform:4", "sign", "ternary:0.9"), fp_size=256,
                    num_models=8, hidden=(8,), steps=100, num_bootstrap=30, num_candidates=8)
