"""``mis sweep``: quantizer family × bits × sparsity × training-set size, one cell at a time,
each cell written atomically and skipped when re-run (host bookkeeping over ``run_rank``).

A cell is one (quantizer, pool size) pair and lands in ``cells/pool<N>/<spec>.json`` through
``os.replace`` of a finished temporary file: killing the process loses at most the cell in
progress and never leaves a partial file. Models for one pool size are trained only if one of
its cells is missing; keys depend on (seed, pool size, spec) only, so a resumed sweep equals an
uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from pathlib import Path

import jax
import numpy as np

from mis._errors import UserError
from mis.rank._config import RankConfig
from mis.rank._pipeline import run_rank

FAMILIES = ("uniform", "stochastic", "log2", "kmeans", "gptq", "minifloat", "sign", "bitnet",
            "ternary", "prune")
_BITS = {"uniform": range(2, 9), "stochastic": range(2, 9), "log2": range(2, 9),
         "gptq": range(2, 9), "kmeans": range(1, 9)}


def sweep_specs(families, bits, sparsities) -> list[tuple[str, str, float]]:
    """``(spec, family, bits-or-sparsity)`` for every defined combination: ``uniform``,
    ``stochastic``, ``log2``, ``gptq`` at 2..8 bits, ``kmeans`` with ``2^b`` centroids, ``sign``
    at 1 bit, ``bitnet`` at 2, ``minifloat`` (fp4_e2m1 at 4, fp8_e4m3 at 8), ``ternary:P`` and
    ``prune:P`` for each sparsity."""
    out = []
    for fam in families:
        if fam not in FAMILIES:
            raise UserError(f"family {fam!r} is unknown; use any of {', '.join(FAMILIES)}")
        if fam in _BITS:
            for b in bits:
                if b in _BITS[fam]:
                    spec = f"kmeans:{2 ** b}" if fam == "kmeans" else f"{fam}:{b}"
                    out.append((spec, fam, float(b)))
        elif fam == "sign" and 1 in bits:
            out.append(("sign", fam, 1.0))
        elif fam == "bitnet" and 2 in bits:
            out.append(("bitnet", fam, 1.58))
        elif fam == "minifloat":
            out += [(s, fam, float(b)) for s, b in (("fp4_e2m1", 4), ("fp8_e4m3", 8))
                    if b in bits]
        elif fam in ("ternary", "prune"):
            out += [(f"{fam}:{p:g}", fam, float(p)) for p in sparsities]
    if not out:
        raise UserError("the sweep is empty: no family is defined at the requested bits")
    return out


def cell_path(out: Path, pool_size: int, spec: str) -> Path:
    return out / "cells" / f"pool{pool_size}" / (re.sub(r"[^A-Za-z0-9_.+-]", "_", spec) + ".json")


def write_atomic(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a temporary file beside ``path``, fsync, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_sweep(config: RankConfig, seed: int, out: Path, *, families, bits, sparsities,
              pool_sizes, progress=None) -> list[dict]:
    """Run every missing cell and return all cells (as stored). See the module docstring."""
    from mis.rank._report import flat_row

    specs = sweep_specs(families, bits, sparsities)
    family_of = {s: (f, x) for s, f, x in specs}
    cells = []
    for pool_size in pool_sizes:
        cfg = dataclasses.replace(config, pool_size=int(pool_size))
        todo = tuple(s for s, _, _ in specs if not cell_path(out, pool_size, s).exists())
        if progress and len(todo) < len(specs):
            progress(f"pool {pool_size}: {len(specs) - len(todo)} of {len(specs)} cells "
                     "already done, skipped")

        def save(row, n, pool_size=pool_size):  # called as soon as a cell is finished
            cell = flat_row(row)
            fam, x = family_of[row.spec]
            cell.update(family=fam, bits_or_sparsity=x, pool_size=int(pool_size), n=n)
            write_atomic(cell_path(out, pool_size, row.spec),
                         json.dumps(cell, indent=1, sort_keys=True).encode())

        if todo:
            key = jax.random.fold_in(jax.random.key(seed), int(pool_size))
            run_rank(cfg, key, progress=progress, specs=todo, on_row=save)
        for spec, _, _ in specs:
            cells.append(json.loads(cell_path(out, pool_size, spec).read_text()))
    return cells


def sweep_outputs(cells: list[dict]) -> dict[str, bytes]:
    """``sweep.csv`` (all cells) and ``leakage_vs_bits.png`` (LiRA AUC against bits per
    weight, one line per family and pool size, Pareto front of accuracy vs AUC marked)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mis.rank._ranking import pareto_front
    from mis.rank._report import to_csv

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    groups = sorted({(c["family"], c["pool_size"]) for c in cells})
    for fam, pool in groups:
        pts = sorted((c["bits_per_weight"], c["LiRA_auc"]) for c in cells
                     if c["family"] == fam and c["pool_size"] == pool)
        ax.plot(*zip(*pts, strict=True), "o-", ms=3, label=f"{fam} (pool {pool})")
    util = [c["accuracy"] if c["accuracy"] != "" else np.nan for c in cells]
    front = pareto_front(util, [c["LiRA_auc"] for c in cells])
    ax.scatter([cells[i]["bits_per_weight"] for i in front],
               [cells[i]["LiRA_auc"] for i in front], s=60, facecolors="none", edgecolors="k",
               label="Pareto (accuracy vs AUC)")
    ax.set(xscale="log", xlabel="bits per weight", ylabel="LiRA AUC", title="leakage vs bits")
    ax.legend(fontsize=7)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return {"sweep.csv": to_csv(cells), "leakage_vs_bits.png": buf.getvalue()}
