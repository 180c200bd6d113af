"""``mis sweep``: quantizer family × bits × sparsity × training-set size, one cell at a time,
each cell written atomically and skipped when re-run (host bookkeeping over ``run_rank``).

A cell is one (quantizer, pool size) pair and lands in ``cells/pool<N>/<spec>.json`` through
:func:`mis.io.write_file`: killing the process loses at most the cell in progress and never
leaves a partial file. Models for one pool size are trained only if one of its cells is
missing; keys depend on (seed, pool size, spec) only, so a resumed sweep equals an uninterrupted
one. A stored cell is the flat record of :func:`mis.release.release_columns` plus ``family``,
``bits_or_sparsity``, ``pool_size`` and ``n``; it is read back as a typed :class:`SweepCell`.

Each cell also stores the :func:`cell_fingerprint` of the config and seed that produced it; a
re-run reuses only cells with its own fingerprint (others are refused before any work, or
recomputed with ``--on-mismatch recompute``), so ``summary.json`` never records one config
beside another's numbers. ``sweep.csv`` lists the identifying columns first.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import jax
import numpy as np

from mis.errors import UserError
from mis.io import png_bytes, to_csv, write_file
from mis.progress import ProgressFn, report
from mis.rank._config import RankConfig, SweepConfig
from mis.rank._pipeline import run_rank
from mis.release import PRIMARY_ATTACK, attack_column, pareto_front, release_columns

FAMILIES = ("uniform", "stochastic", "log2", "kmeans", "gptq", "minifloat", "sign", "bitnet",
            "ternary", "prune")
_BITS = {"uniform": range(2, 9), "stochastic": range(2, 9), "log2": range(2, 9),
         "gptq": range(2, 9), "kmeans": range(1, 9)}

_DEFINED = {**{f: "bits " + ",".join(map(str, r)) for f, r in _BITS.items()},
            "sign": "bits 1", "bitnet": "bits 2 (1.58)", "minifloat": "bits 4 and 8",
            "ternary": "any bits (sparsity grid)", "prune": "any bits (sparsity grid)"}


def sweep_specs(families: Sequence[str], bits: Sequence[int],
                sparsities: Sequence[float]) -> list[tuple[str, str, float]]:
    """``(spec, family, bits-or-sparsity)`` for every defined combination: ``uniform``,
    ``stochastic``, ``log2``, ``gptq`` at 2..8 bits, ``kmeans`` with ``2^b`` centroids, ``sign``
    at 1 bit, ``bitnet`` at 2, ``minifloat`` (fp4_e2m1 at 4, fp8_e4m3 at 8), ``ternary:P`` and
    ``prune:P`` for each sparsity."""
    out: list[tuple[str, str, float]] = []
    for fam in families:
        if fam not in FAMILIES:
            raise UserError(f"family {fam!r} is unknown; use any of {', '.join(FAMILIES)}")
        before = len(out)
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
        if len(out) == before:
            raise UserError(f"family {fam!r} has no quantizer at bits {','.join(map(str, bits))}"
                            f" (it is defined at {_DEFINED[fam]}); add such bits or drop it")
    if not out:
        raise UserError("the sweep is empty: no family is defined at the requested bits")
    return out


class SweepCell(NamedTuple):
    """One finished cell, as stored.

    Attributes:
        spec, family, setting: the quantizer, its family and its bits (or sparsity).
        pool_size: the training pool of the cell's shadow models; ``n`` their mean training
            size.
        bits_per_weight: storage of the release.
        accuracy: mean fresh-data accuracy (``nan`` where undefined).
        lira_auc: the primary attack's AUC.
        columns: the whole stored record (the CSV row).
    """

    spec: str
    family: str
    setting: float
    pool_size: int
    n: int
    bits_per_weight: float
    accuracy: float
    lira_auc: float
    columns: dict

    @classmethod
    def from_columns(cls, columns: dict) -> SweepCell:
        acc = columns["accuracy"]
        return cls(columns["quantizer"], columns["family"], float(columns["bits_or_sparsity"]),
                   int(columns["pool_size"]), int(columns["n"]),
                   float(columns["bits_per_weight"]), np.nan if acc == "" else float(acc),
                   float(columns[f"{attack_column(PRIMARY_ATTACK)}_auc"]), columns)


def cell_path(out: Path, pool_size: int, spec: str) -> Path:
    return out / "cells" / f"pool{pool_size}" / (re.sub(r"[^A-Za-z0-9_.+-]", "_", spec) + ".json")


def cell_fingerprint(config: RankConfig, seed: int) -> str:
    """SHA-256 (16 hex digits) of everything that produces a cell besides its quantizer: the
    rank config with this pool size, and the seed. Stored in every cell; a cell computed under
    another fingerprint is never mixed with new ones."""
    payload = json.dumps({"config": dataclasses.asdict(config), "seed": int(seed)},
                         sort_keys=True, default=list)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


ON_MISMATCH = ("refuse", "recompute")


def _stale(out: Path, pool_size: int, spec: str, fingerprint: str) -> bool:
    path = cell_path(out, pool_size, spec)
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text()).get("fingerprint") != fingerprint
    except (OSError, ValueError):
        return True  # unreadable: recompute or refuse like a stale cell


EXECUTORS = ("local", "dask")


def sweep_group(config: RankConfig, seed: int, specs: tuple[str, ...], fingerprint: str,
                family_of: dict, *, on_cell: Callable[[dict], None] | None = None,
                progress: ProgressFn | None = None
                ) -> list[dict]:
    """The cells of one pool size (``config.pool_size``): its shadow models trained once,
    then every spec of ``specs`` evaluated; returns the cells' records in order, and calls
    ``on_cell(record)`` as each one finishes. A pure function of its arguments (keys from
    ``(seed, pool size)``), so it may run in any process: a Dask worker returns the records to
    the client, which writes them."""
    cells = []

    def save(row, n):
        cell = release_columns(row)
        fam, x = family_of[row.spec]
        cell.update(family=fam, bits_or_sparsity=x, pool_size=int(config.pool_size), n=n,
                    fingerprint=fingerprint)
        primary = row.attack(PRIMARY_ATTACK)
        if primary is not None and primary.replicates is not None \
                and row.utility_reps is not None:
            # two-way replicates: the same resamples for every cell of this pool size, so
            # the summary compares cells by paired differences
            cell["replicates"] = {"auc": [float(v) for v in primary.replicates.auc.reps],
                                  "utility": [float(v) for v in row.utility_reps.reps],
                                  "utility_value": float(row.utility_reps.value)}
        cells.append(cell)
        if on_cell is not None:
            on_cell(cell)

    key = jax.random.fold_in(jax.random.key(seed), int(config.pool_size))
    run_rank(config, key, progress=progress, specs=tuple(specs), on_row=save)
    return cells


def write_cell(out: Path, cell: dict) -> None:
    """One finished cell, atomically (staged, then renamed)."""
    write_file(cell_path(out, cell["pool_size"], cell["quantizer"]),
               json.dumps(cell, indent=1, sort_keys=True).encode())


def run_sweep(config: RankConfig, sweep: SweepConfig, seed: int, out: Path, *,
              on_mismatch: str = "refuse", executor: str = "local", scheduler: str | None = None,
              workers: int | None = None,
              progress: ProgressFn | None = None) -> list[SweepCell]:
    """Run every missing cell and return all cells (as stored). See the module docstring.

    A finished cell is reused only when its :func:`cell_fingerprint` equals this run's; cells
    of another config or seed (or unreadable ones) are refused with one line before any work
    (``on_mismatch="refuse"``) or recomputed (``"recompute"``).

    ``executor="local"`` runs the pool sizes one after another in this process, writing each
    cell as soon as it is finished. ``executor="dask"`` submits one task per pool size (its
    cells share the shadow models) to a Dask cluster (``scheduler`` address, or a local cluster
    of ``workers`` processes: :func:`mis.cluster.dask_client`); this process is the only writer,
    and writes a task's cells when it returns. A worker lost mid-task makes Dask rerun the task
    elsewhere; a killed client loses only unfinished tasks. Either way the cells are the same.
    """
    if on_mismatch not in ON_MISMATCH:
        raise UserError(f"on_mismatch={on_mismatch!r} is unknown; use one of "
                        f"{', '.join(ON_MISMATCH)}")
    if executor not in EXECUTORS:
        raise UserError(f"executor={executor!r} is unknown; use one of {', '.join(EXECUTORS)}")
    if executor == "local" and (scheduler is not None or workers is not None):
        raise UserError("--scheduler and --workers apply to --executor dask")
    specs = sweep_specs(sweep.families, sweep.bits, sweep.sparsity)
    family_of = {s: (f, x) for s, f, x in specs}
    pools = {int(p): dataclasses.replace(config, pool_size=int(p)) for p in sweep.pools(config)}
    prints = {p: cell_fingerprint(cfg, seed) for p, cfg in pools.items()}
    stale = [(p, s) for p in pools for s, _, _ in specs if _stale(out, p, s, prints[p])]
    if stale and on_mismatch == "refuse":
        p, s = stale[0]
        raise UserError(f"{len(stale)} finished cell(s) in {str(out)!r} were computed under "
                        f"another config or seed (e.g. {cell_path(out, p, s).name} of pool {p});"
                        " use another --out, or --on-mismatch recompute")
    todo = {}
    for pool_size in pools:
        redo = {s for p, s in stale if p == pool_size}
        todo[pool_size] = tuple(s for s, _, _ in specs
                                if s in redo or not cell_path(out, pool_size, s).exists())
        if len(todo[pool_size]) < len(specs):
            report(progress, f"pool {pool_size}: cells already done, skipped",
                   len(specs) - len(todo[pool_size]), len(specs))
    groups = [p for p in pools if todo[p]]
    if executor == "dask":
        _run_dask(groups, pools, todo, prints, family_of, seed, out, scheduler, workers,
                  progress)
    else:
        for p in groups:
            sweep_group(pools[p], seed, todo[p], prints[p], family_of, progress=progress,
                        on_cell=lambda cell: write_cell(out, cell))
    return [SweepCell.from_columns(json.loads(cell_path(out, p, spec).read_text()))
            for p in pools for spec, _, _ in specs]


def _run_dask(groups, pools, todo, prints, family_of, seed, out, scheduler, workers,
              progress) -> None:
    """Every group as one Dask task; this process writes the cells of each finished task."""
    from distributed import as_completed

    from mis.cluster import dask_client

    with dask_client(scheduler, workers) as client:
        if not groups:
            return
        futures = [client.submit(sweep_group, pools[p], seed, todo[p], prints[p], family_of,
                                 key=f"mis-sweep-pool{p}-{prints[p]}-{'|'.join(todo[p])}",
                                 pure=False) for p in groups]
        report(progress, "sweep groups (dask)", 0, len(futures))
        for done, future in enumerate(as_completed(futures), 1):
            for cell in future.result():
                write_cell(out, cell)
            report(progress, "sweep groups (dask)", done, len(futures))


FIRST_COLUMNS = ("quantizer", "family", "bits_or_sparsity", "pool_size", "n",
                 "bits_per_weight", "sparsity")


def ordered_columns(columns: dict) -> dict:
    """A cell's record with the identifying columns first (:data:`FIRST_COLUMNS`), then the
    measurements in the order :func:`mis.release.release_columns` gives them (the bootstrap
    replicates stay in the cell files)."""
    first = {k: columns[k] for k in FIRST_COLUMNS if k in columns}
    return first | {k: v for k, v in columns.items() if k not in first and k != "replicates"}


class SweepFront(NamedTuple):
    """The significant Pareto front of one pool size (utility, LiRA AUC, bits per weight;
    dominance needs a Holm-significant paired difference, :func:`mis.inference.
    significant_front`), or the point-estimate front where cells lack replicates
    (``significant=False``)."""

    pool_size: int
    front: list[str]
    dominated_by: dict
    significant: bool


def sweep_fronts(cells: list[SweepCell]) -> list[SweepFront]:
    """One :class:`SweepFront` per pool size (cells of different pool sizes come from
    different shadow models: not compared)."""
    from mis.inference import Replicates, compare, significant_front

    out = []
    for pool in sorted({c.pool_size for c in cells}):
        group = [c for c in cells if c.pool_size == pool]
        names = [c.spec for c in group]
        classifier = not np.isnan(group[0].accuracy)
        reps = [c.columns.get("replicates") for c in group]
        sizes = {len(r["auc"]) for r in reps if r}
        if all(reps) and len(sizes) == 1 and len(group) > 1:
            full = [r for r in reps if r]
            leak = compare(names, [Replicates(c.lira_auc, np.asarray(r["auc"]))
                                   for c, r in zip(group, full, strict=True)])
            util = compare(names, [Replicates(r["utility_value"], np.asarray(r["utility"]))
                                   for r in full])
            front = significant_front(names, [(util, classifier), (leak, False),
                                              (np.array([c.bits_per_weight for c in group]),
                                               False)])
            out.append(SweepFront(pool, front.front, front.dominated_by, True))
        else:
            utility = [c.accuracy if classifier else -float(c.columns.get("test_loss", np.nan))
                       for c in group]
            idx = pareto_front(utility, [c.lira_auc for c in group])
            out.append(SweepFront(pool, [names[i] for i in idx], {}, False))
    return out


def sweep_outputs(cells: list[SweepCell]) -> dict[str, bytes]:
    """``sweep.csv`` (all cells) and ``leakage_vs_bits.png`` (LiRA AUC against bits per
    weight, one line per family and pool size; the significant Pareto front of each pool size
    marked: :func:`sweep_fronts`)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    groups = sorted({(c.family, c.pool_size) for c in cells})
    for fam, pool in groups:
        pts = sorted((c.bits_per_weight, c.lira_auc) for c in cells
                     if c.family == fam and c.pool_size == pool)
        ax.plot(*zip(*pts, strict=True), "o-", ms=3, label=f"{fam} (pool {pool})")
    fronts = sweep_fronts(cells)
    on = [c for c in cells for f in fronts if c.pool_size == f.pool_size and c.spec in f.front]
    sig = all(f.significant for f in fronts)
    ax.scatter([c.bits_per_weight for c in on], [c.lira_auc for c in on], s=60,
               facecolors="none", edgecolors="k",
               label="Pareto front (utility, AUC, bits; " + (
                   "dominance needs a significant paired difference)" if sig else
                   "point estimates: cells without replicates)"))
    ax.set(xscale="log", xlabel="bits per weight", ylabel="LiRA AUC", title="leakage vs bits")
    ax.legend(fontsize=7)
    return {"sweep.csv": to_csv(ordered_columns(c.columns) for c in cells),
            "leakage_vs_bits.png": png_bytes(fig)}
