"""``run_rank``: train shadow models once, release them through every quantizer
(:mod:`mis.release`), and rank the quantizers by every privacy measure, with the Kendall τ of
the indicator against the attacks and the privacy–utility Pareto front (host bookkeeping)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import jax
import numpy as np

from mis.progress import ProgressFn
from mis.quantizers import parse
from mis.rank._config import RankConfig
from mis.rank._tasks import build_setup
from mis.release import (
    PRIMARY_ATTACK,
    ReleaseRow,
    evaluate_releases,
    indicator_rate,
    kendall_tau_estimate,
    pareto_front,
    rank_order,
    value,
)
from theory import Estimate


class RankResult(NamedTuple):
    """The ranking run.

    Attributes:
        config: the run's :class:`RankConfig`.
        rows: one :class:`~mis.release.ReleaseRow` per quantizer, in the config's order.
        mask: ``[M, n]`` shadow-model membership (labels of the rows' scores).
        rankings: ``measure -> quantizer specs``, most private first (see
            :func:`privacy_measures`).
        kendall: ``"indicator X vs <measure>" -> Estimate`` of Kendall's τ-b.
        pareto: quantizers on the utility vs LiRA AUC Pareto front, by increasing AUC.
        n: the shadow models' mean training-set size.
        seconds: wall time per step.
    """

    config: RankConfig
    rows: list[ReleaseRow]
    mask: np.ndarray
    rankings: dict[str, list[str]]
    kendall: dict[str, Estimate]
    pareto: list[str]
    n: int
    seconds: dict

    def ranked_rows(self, measure: str = f"{PRIMARY_ATTACK} AUC") -> list[ReleaseRow]:
        """The rows in the order of ``rankings[measure]`` (most private first), then the rows
        without a value for ``measure`` (not ranked)."""
        by_spec = {r.spec: r for r in self.rows}
        order = self.rankings[measure]
        return [by_spec[spec] for spec in order] + [r for r in self.rows if r.spec not in order]


def privacy_measures(rows: list[ReleaseRow]) -> dict[str, tuple[list[float], bool]]:
    """``measure -> (values, larger_is_safer)`` over the rows: indicator A and B (``r̂``), each
    attack's AUC, the primary attack's TPR at 0.1 % FPR, and the exact Δ where known."""
    attacks = list(dict.fromkeys(a.attack for r in rows for a in r.attacks))
    out = {
        "indicator A": ([indicator_rate(r, "A") for r in rows], True),
        "indicator B": ([indicator_rate(r, "B") for r in rows], True),
    }
    for name in attacks:
        out[f"{name} AUC"] = ([value(r.attack(name) and r.attack(name).auc) for r in rows],
                              False)
    out[f"{PRIMARY_ATTACK} TPR@0.1%"] = ([value(r.attack(PRIMARY_ATTACK).tpr_at_fpr[0.001])
                                         for r in rows], False)
    if any(r.exact_delta is not None for r in rows):
        out["exact Δ"] = ([value(r.exact_delta) for r in rows], False)
    return out


def run_rank(config: RankConfig, key, *, progress: ProgressFn | None = None,
             specs: tuple[str, ...] | None = None,
             on_row: Callable[[ReleaseRow, int], None] | None = None) -> RankResult:
    """The full ranking run. ``specs`` restricts the quantizers (default ``config.zoo``);
    ``on_row(row, n)`` is called as each quantizer finishes. Keys: ``setup, quantizer,
    bootstrap, exact = split(key, 4)``; each quantizer's numbers depend on ``key`` and its spec
    only, not on the other quantizers."""
    specs = tuple(specs or config.zoo)
    for spec in specs:
        parse(spec)
    setup_key, q_key, boot_key, exact_key = jax.random.split(key, 4)
    t0 = time.perf_counter()
    setup = build_setup(config, setup_key, exact_key, progress=progress)
    jax.block_until_ready(setup.shadows.params)
    train_seconds = time.perf_counter() - t0
    releases = evaluate_releases(setup, specs, q_key, boot_key,
                                 num_bootstrap=config.num_bootstrap,
                                 num_candidates=config.num_candidates, progress=progress,
                                 on_row=on_row)
    return summarize_rows(config, releases.rows, releases.mask, releases.n,
                          {"train": train_seconds} | releases.seconds)


def summarize_rows(config: RankConfig, rows, mask, n, seconds) -> RankResult:
    """Rankings, Kendall τs (indicator vs attacks, pairs bootstrap) and the Pareto front."""
    names = [r.spec for r in rows]
    measures = privacy_measures(rows)
    rankings = {m: rank_order(names, v, larger_is_safer=s) for m, (v, s) in measures.items()}
    kendall = {}
    for ind in ("indicator A", "indicator B"):
        for target in [f"{PRIMARY_ATTACK} AUC", "RMIA AUC", "exact Δ"]:
            if target in measures:
                # larger indicator = safer, larger AUC = leakier: τ against −AUC
                kendall[f"{ind} vs {target}"] = kendall_tau_estimate(
                    measures[ind][0], -np.asarray(measures[target][0]))
    if config.classifier:
        utility = [value(r.accuracy) for r in rows]
    else:
        utility = [-value(r.test_loss) for r in rows]
    front = pareto_front(utility, measures[f"{PRIMARY_ATTACK} AUC"][0])
    return RankResult(config, rows, mask, rankings, kendall, [names[i] for i in front], n,
                      seconds)
