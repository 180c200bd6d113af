"""Molecular embedders computed locally with RDKit, and their on-disk cache (host).

Embedders (``featurize(mols, name, **params)``; raw features, one row per molecule):

- ``morgan``: Morgan/ECFP count fingerprint, ``radius`` (2) and ``size`` (1024) bins
  (``rdFingerprintGenerator.GetMorganGenerator``).
- ``descriptors``: the RDKit 2-D descriptors of ``Descriptors.descList`` (217 on RDKit 2026.9);
  a descriptor that fails or is not finite is ``nan`` here and is imputed and standardised by
  :func:`standardize`.
- ``maccs``: the 167 MACCS structural keys (0/1).
- ``atompair``: atom-pair count fingerprint, ``size`` (1024) bins.

The cache key is a SHA-256 of the dataset's source digest (file bytes and target), the embedder,
its parameters and the RDKit version, so changing any of them recomputes; files are written
through ``os.replace`` of a finished temporary file (a killed run leaves no partial entry).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mis.errors import UserError
from mis.io import write_file

EMBEDDERS = ("morgan", "descriptors", "maccs", "atompair")
DEFAULT_PARAMS = {"morgan": {"radius": 2, "size": 1024}, "descriptors": {}, "maccs": {},
                  "atompair": {"size": 1024}}
CLIP = 6.0


def embedder_params(name: str, **overrides: Any) -> dict:
    """The embedder's parameters: defaults updated by ``overrides`` (unknown keys rejected)."""
    if name not in EMBEDDERS:
        raise UserError(f"embedder {name!r} is unknown; use one of {', '.join(EMBEDDERS)}")
    params = dict(DEFAULT_PARAMS[name])
    bad = sorted(set(overrides) - set(params))
    if bad:
        raise UserError(f"embedder {name!r} has no parameter {bad[0]!r}; "
                        f"it takes {sorted(params) or 'none'}")
    params.update(overrides)
    for k, v in params.items():
        if not isinstance(v, int) or v < 1:
            raise UserError(f"{name} {k}={v!r} must be a positive integer")
    return params


def _descriptor(fn, mol) -> float:
    try:
        value = float(fn(mol))
    except Exception:  # RDKit descriptors raise on odd molecules; recorded as missing
        return float("nan")
    return value if np.isfinite(value) else float("nan")


def featurize(mols: Sequence[Any], name: str, **params: Any) -> np.ndarray:
    """``[n, k]`` float32 raw features of ``mols`` with embedder ``name`` (module docstring)."""
    from rdkit.Chem import Descriptors, MACCSkeys, rdFingerprintGenerator

    params = embedder_params(name, **params)
    if name == "morgan":
        gen = rdFingerprintGenerator.GetMorganGenerator(radius=params["radius"],
                                                        fpSize=params["size"])
        rows = [gen.GetCountFingerprintAsNumPy(m) for m in mols]
    elif name == "atompair":
        gen = rdFingerprintGenerator.GetAtomPairGenerator(fpSize=params["size"])
        rows = [gen.GetCountFingerprintAsNumPy(m) for m in mols]
    elif name == "maccs":
        keys = MACCSkeys.GenMACCSKeys  # type: ignore[attr-defined]  # missing from its stubs
        rows = [np.frombuffer(keys(m).ToBitString().encode(), np.uint8) - 48
                for m in mols]
    else:
        rows = [[_descriptor(fn, m) for _, fn in Descriptors.descList] for m in mols]
    width = len(rows[0]) if rows else 0
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), width)


def standardize(train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Impute, standardise and clip with training statistics only.

    Missing values (``nan``) become the training median of their column (0 when the whole
    column is missing); columns are centred and scaled by the training mean and standard
    deviation (scale 1 for constant columns) and clipped to ``±6`` (descriptors such as
    ``Ipc`` span many orders of magnitude). Returns the transformed ``train`` and ``others``.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan columns
        median = np.nan_to_num(np.nanmedian(train, axis=0), nan=0.0)
    fill = lambda a: np.where(np.isnan(a), median, a)
    t = fill(train).astype(np.float64)
    mean, std = t.mean(0), t.std(0)
    std = np.where(std > 0, std, 1.0)
    scale = lambda a: np.clip((fill(a) - mean) / std, -CLIP, CLIP).astype(np.float32)
    return (scale(train), *(scale(o) for o in others))


def cache_key(source_digest: str, name: str, params: dict) -> str:
    """SHA-256 of (data source, embedder, parameters, RDKit version)."""
    import rdkit

    blob = json.dumps({"data": source_digest, "embedder": name, "params": params,
                       "rdkit": rdkit.__version__}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def default_cache_dir() -> Path:
    """``$MIS_CACHE_DIR``, else ``$XDG_CACHE_HOME/mis``, else ``~/.cache/mis``."""
    if os.environ.get("MIS_CACHE_DIR"):
        return Path(os.environ["MIS_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mis"


def check_cache_dir(folder: str | Path) -> None:
    """``UserError`` when the feature cache folder (or its ``features`` sub-folder) exists and
    is not a directory."""
    from mis.errors import UserError

    for p in (Path(folder), Path(folder) / "features"):
        if p.exists() and not p.is_dir():
            raise UserError(f"cache dir {str(p)!r} exists and is not a directory; name a "
                            "folder (--cache-dir) or remove the file")


def cached_features(dataset: Any, name: str, *, cache_dir: str | Path | None = None,
                    **params: Any) -> tuple[np.ndarray, bool]:
    """Features of ``dataset`` (a :class:`MoleculeSet`) with embedder ``name``, from the cache
    when present. Returns ``(features, hit)``; a miss computes and stores them atomically; an
    unreadable (e.g. truncated) cache file is recomputed and replaced."""
    params = embedder_params(name, **params)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    check_cache_dir(folder)
    path = folder / "features" / f"{cache_key(dataset.source_digest, name, params)}.npy"
    if path.is_file():
        try:
            feats = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError):  # truncated or foreign file: recompute
            feats = None
        if feats is not None and feats.ndim == 2 and feats.shape[0] == len(dataset.mols):
            return feats, True
    feats = featurize(dataset.mols, name, **params)
    buf = io.BytesIO()
    np.save(buf, feats)
    try:
        write_file(path, buf.getvalue())
    except UserError:  # a full or read-only cache disk: the features are still computed
        pass
    return feats, False
