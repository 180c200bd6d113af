"""``run_rank``: train shadow models once, release them through every quantizer
(:mod:`mis.release`), and rank the quantizers by every privacy measure, with the Kendall τ of
the indicator against the attacks and the privacy–utility Pareto front (host bookkeeping)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import numpy as np

from mis.inference import (
    Finding,
    Front,
    RankedItem,
    bonferroni_confidence,
    compare,
    rank_with_ties,
    significant_front,
)
from mis.progress import ProgressFn
from mis.quantizers import parse
from mis.rank._config import RankConfig
from mis.rank._tasks import build_setup
from mis.release import (
    PRIMARY_ATTACK,
    ReleaseRow,
    evaluate_releases,
    indicator_rate,
    kendall_tau_replicates,
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
        pareto: quantizers on the significant Pareto front (utility, LiRA AUC, bits per
            weight; :func:`mis.inference.significant_front`), best utility first.
        n: the shadow models' mean training-set size.
        seconds: wall time per step.
        ties: the primary attack's ranking with rank intervals and tie groups (Holm over all
            pairs of paired AUC differences, :func:`mis.inference.rank_with_ties`).
        front: the whole :class:`~mis.inference.Front` (dominating item of each dominated one).
        findings: the run's :class:`~mis.inference.Finding` s (indicator agreement).
        reference_diffs: ``spec -> Estimate`` of ``AUC(spec) − AUC(first spec)`` (paired; the
            first spec is usually full precision).
        broken: releases whose accuracy is below the floor (``config.accuracy_floor`` × the
            full-precision release's accuracy): a broken model "leaks nothing" because it
            learned nothing, so these are kept out of the tie groups, the Pareto front and the
            indicator findings, and listed apart (:func:`broken_releases`).
    """

    config: RankConfig
    rows: list[ReleaseRow]
    mask: np.ndarray
    rankings: dict[str, list[str]]
    kendall: dict[str, Estimate]
    pareto: list[str]
    n: int
    seconds: dict
    ties: list[RankedItem] = []
    front: Front | None = None
    findings: list[Finding] = []
    reference_diffs: dict = {}
    broken: list[str] = []

    def ranked_rows(self, measure: str = f"{PRIMARY_ATTACK} AUC") -> list[ReleaseRow]:
        """The rows in the order of ``rankings[measure]`` (most private first), then the rows
        not ranked (no value for ``measure``, or broken: below the accuracy floor)."""
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
        out[f"{name} AUC"] = ([value(m.auc if (m := r.attack(name)) else None) for r in rows],
                              False)
    out[f"{PRIMARY_ATTACK} TPR@0.1%"] = ([value(r.require(PRIMARY_ATTACK).tpr_at_fpr[0.001])
                                         for r in rows], False)
    if any(r.exact_delta is not None for r in rows):
        out["exact Δ"] = ([value(r.exact_delta) for r in rows], False)
    return out


def run_rank(config: RankConfig, key: jax.Array, *, progress: ProgressFn | None = None,
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


def broken_releases(rows: Sequence[ReleaseRow],
                    floor: float) -> tuple[list[str], float | None]:
    """``(specs, threshold)``: the releases whose accuracy is below ``floor`` × the accuracy of
    the full-precision release (``none``), and that threshold; none where ``floor`` is 0, the
    task has no accuracy, or no ``none`` release was evaluated."""
    ref = next((r for r in rows if r.spec == "none"), None)
    if not floor or ref is None or not ref.has_accuracy:
        return [], None
    threshold = floor * value(ref.accuracy)
    return [r.spec for r in rows if not value(r.accuracy) >= threshold], threshold


def _paired_reps(rows, name):
    """The replicates of attack ``name``'s AUC per row, or None when a row has none."""
    reps = [r.attack(name) and r.attack(name).replicates for r in rows]
    return None if any(x is None for x in reps) else [x.auc for x in reps]


def summarize_rows(config: RankConfig, rows: list[ReleaseRow], mask: np.ndarray, n: int,
                   seconds: dict) -> RankResult:
    """Rankings, Kendall τs (indicator vs attacks, pairs bootstrap), the primary attack's
    ranking with tie groups, the significant Pareto front (utility, LiRA AUC, bits per weight)
    and the findings; releases below the accuracy floor (:func:`broken_releases`) take part in
    none of the last three and are listed apart."""
    broken, _ = broken_releases(rows, config.accuracy_floor)
    all_rows, rows = rows, [r for r in rows if r.spec not in broken]
    names = [r.spec for r in rows]
    # smoke-sized: no more shadow models than the smoke variant trains
    smoke = config.num_models <= RankConfig.smoke_sizes(config.task)["num_models"]
    measures = privacy_measures(rows)
    rankings = {m: rank_order(names, v, larger_is_safer=s) for m, (v, s) in measures.items()}
    kendall, findings = {}, []
    level = bonferroni_confidence(2)  # the two indicator findings, family-wise 95 %
    sizes = {"quantizers": len(rows), "models": int(np.shape(mask)[0]),
             "examples": int(np.shape(mask)[1])}
    for ind in ("indicator A", "indicator B"):
        taus = {}
        for target in [f"{PRIMARY_ATTACK} AUC", "RMIA AUC", "exact Δ"]:
            if target in measures:
                # larger indicator = safer, larger AUC = leakier: τ against −AUC
                taus[target] = kendall_tau_replicates(measures[ind][0],
                                                      -np.asarray(measures[target][0]))
                kendall[f"{ind} vs {target}"] = taus[target].interval()
        tau = taus[f"{PRIMARY_ATTACK} AUC"].interval(level)
        findings.append(Finding(
            f"{ind} orders the quantizers as {PRIMARY_ATTACK} does (larger indicator, smaller "
            "AUC)", f"Kendall τ-b({ind}, −{PRIMARY_ATTACK} AUC)", tau, "greater",
            confidence=level, sizes=sizes | {"ranked": int(np.sum(np.isfinite(
                measures[ind][0])))}, smoke=smoke,
            note="the interval resamples quantizers only (each AUC taken as exact)" + (
                f"; {len(broken)} broken release(s) below the accuracy floor left out"
                if broken else "")))
    ties, front, ref = [], None, {}
    reps = _paired_reps(rows, PRIMARY_ATTACK)
    if reps is not None and len(rows) > 1:
        leak = compare(names, reps)
        ties = rank_with_ties(leak, smaller_is_better=True)
        ref = {nm: leak.pair(nm, names[0]) for nm in names}
        # utility: accuracy (larger is better) or test loss (smaller), paired where possible
        util = (compare(names, [r.utility_reps for r in rows])
                if all(r.utility_reps is not None for r in rows)
                else np.array([value(r.accuracy if config.classifier else r.test_loss)
                               for r in rows]))
        axes = [(util, config.classifier), (leak, False),
                (np.array([r.bits_per_weight for r in rows]), False)]
        front = significant_front(names, axes)
    else:
        utility = ([value(r.accuracy) for r in rows] if config.classifier
                   else [-value(r.test_loss) for r in rows])
        front = Front([names[i] for i in pareto_front(
            utility, measures[f"{PRIMARY_ATTACK} AUC"][0])], [], {})
    front = front._replace(below_floor=list(broken))
    return RankResult(config, all_rows, mask, rankings, kendall, front.front, n, seconds, ties,
                      front, findings, ref, broken)
