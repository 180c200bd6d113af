"""The loop over noise multipliers that both ``mis dpaudit`` modes share (host)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jax

from mis.dpaudit._config import DPAuditConfig
from mis.progress import ProgressFn, report


def over_sigmas(config: DPAuditConfig, key: jax.Array,
                prepare: Callable[[DPAuditConfig, jax.Array], Any],
                audit: Callable[[Any, jax.Array, float], Any], *,
                progress: ProgressFn | None = None) -> tuple[list, dict]:
    """``(rows, seconds)``: ``prepare(config, data_key)`` once, then ``audit(data, train_key,
    σ)`` (one row or a list of rows, each with ``seconds``) for every σ of ``config``, with
    ``data, train = split(key)`` (the same ``train`` key, hence the same split, coins and
    initialisation, at every σ); ``progress("noise multipliers", done, total)`` after each."""
    data_key, train_key = jax.random.split(key)
    t0 = time.perf_counter()
    data = prepare(config, data_key)
    seconds = {"data": time.perf_counter() - t0}
    rows: list = []
    report(progress, "noise multipliers", 0, len(config.sigmas))
    for i, sigma in enumerate(config.sigmas):
        got = audit(data, train_key, sigma)
        rows += got if isinstance(got, list) else [got]
        seconds[f"sigma={sigma:g}"] = rows[-1].seconds
        report(progress, "noise multipliers", i + 1, len(config.sigmas))
    return rows, seconds


__all__ = ["over_sigmas"]
