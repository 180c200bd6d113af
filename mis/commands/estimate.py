"""``mis estimate``: the optimal membership advantage estimated from samples (MACE): the
generative-model study by default, or the queries of an ``.npz`` file."""

from __future__ import annotations

import argparse
import functools
from typing import Any

from mis.commands._common import Subparsers, add_config_options, config_from_args, run_study, say


def register(sub: Subparsers) -> None:
    from mis.estimate import EstimateConfig

    es = sub.add_parser("estimate", help="estimate the optimal membership advantage Δ = "
                        "TV(member law, non-member law) from query samples: with no FILE the "
                        "study (convergence to exact Δ, VAE / mixture / DP-SGD VAE on digits); "
                        "with FILE.npz (member + nonmember, or signals + mask) its Δ̂")
    es.add_argument("input", nargs="?", help=".npz with arrays 'member' [n(, d)] and "
                    "'nonmember' [m(, d)], or mis audit's 'signals' [M, n(, q)] and 'mask' "
                    "[M, n] (pooled over models)")
    add_config_options(es, EstimateConfig)
    es.add_argument("--out", default=None, help="output directory (default: results/estimate "
                    "for the study; an .npz input writes files only when --out is given)")
    es.set_defaults(func=run)


def npz_queries(path: str) -> tuple[Any, Any, str]:
    """``(member, nonmember, description)`` from an ``.npz`` (``UserError`` otherwise)."""
    import numpy as np

    from mis.audit import load_audit_input
    from mis.errors import UserError
    from mis.io import load_npz

    arrays = load_npz(path)
    if {"member", "nonmember"} <= set(arrays):
        return arrays["member"], arrays["nonmember"], "member / nonmember arrays"
    arrays, *_ = load_audit_input(path)  # the audit's messages for other layouts
    if "signals" not in arrays:
        raise UserError(f"input {str(path)!r} holds scores, not queries; give 'member' and "
                        "'nonmember' (or 'signals' and 'mask')")
    signals, mask = arrays["signals"], arrays["mask"]
    if signals.shape[:2] != mask.shape or mask.ndim != 2:
        raise UserError(f"signals {signals.shape} and mask {mask.shape} must share their first "
                        "two axes [M, n]")
    inside = np.asarray(mask) > 0
    return signals[inside], signals[~inside], f"signals of {mask.shape[0]} models pooled"


FILE_OPTIONS = {"k", "folds", "confidence", "delta"}  # the options that apply to FILE


def run_npz(args: argparse.Namespace, config: Any, seed: int, *, k: int = 0) -> int:
    import sys

    from mis.io import (
        check_out_dir,
        file_digest,
        fmt,
        run_fingerprint,
        to_csv,
        to_json,
        write_files,
    )
    from mis.provenance import provenance
    from mis.tv import (
        check_k,
        check_samples,
        disagreements,
        estimate_all,
        fold_train_size,
        implied_epsilon,
    )

    fingerprint = run_fingerprint("estimate FILE", file_digest(args.input), k, config.folds,
                                  config.confidence, config.delta, seed)
    out = (check_out_dir(args.out, "estimate FILE", fingerprint=fingerprint,
                         overwrite=args.overwrite) if args.out is not None else None)
    member, nonmember, what = npz_queries(args.input)
    member, nonmember = check_samples(member, nonmember)
    if k:  # before any work, against this file's sample
        check_k(k, fold_train_size(len(member) + len(nonmember), config.folds))
    say(f"mis estimate: {args.input} ({what}): {len(member)} members, {len(nonmember)} "
        f"non-members, query dimension {member.shape[1]}")
    estimates = estimate_all(member, nonmember, k=k or None, folds=config.folds,
                             seed=seed, confidence=config.confidence)
    rows = [{"estimator": name, "value": float(e.value), "lo": float(e.lower),
             "hi": float(e.upper), "epsilon_lower": implied_epsilon(e.lower, config.delta)}
            for name, e in estimates.items()]
    print(f"{'estimator':<11}{'value':>8}  {'interval':<18}{'ε lower':>9}")
    for r in rows:
        print(f"{r['estimator']:<11}{fmt(r['value']):>8}  [{fmt(r['lo'])}, {fmt(r['hi'])}]"
              f"{fmt(r['epsilon_lower'], 2):>10}")
    warnings = disagreements(estimates)
    knn = estimates.get("knn")
    if knn is not None and float(knn.upper) < 0:
        warnings.insert(0, "the k-NN rule does worse than chance on this sample (its TPR − FPR "
                           "is negative, e.g. identical queries in both samples: each query's "
                           "nearest neighbour is its twin of the other class); it is not an "
                           "estimate of Δ ≥ 0, and its lower bound on Δ is 0")
    for w in warnings:
        print(f"warning: {w}")
    if out is not None:
        prov = provenance({"input": args.input, "k": k, "folds": config.folds,
                           "confidence": config.confidence, "delta": config.delta}, seed,
                          "mis " + " ".join(sys.argv[1:]))
        write_files(out, {"estimate.csv": to_csv(rows),
                          "results.json": to_json({"provenance": prov, "rows": rows,
                                                   "warnings": warnings})},
                    command="estimate FILE", fingerprint=fingerprint)
        print(f"wrote estimate.csv, results.json to {out}")
    return 0


def run(args: argparse.Namespace) -> int:
    from mis.estimate import EstimateConfig, console_summary, estimate_outputs, run_estimate

    if args.input is not None:
        from mis.commands._common import flag_values
        from mis.errors import UserError

        given = flag_values(args, EstimateConfig)
        study_only = sorted(set(given) - FILE_OPTIONS)
        if study_only or args.smoke:
            what = ", ".join("--" + n.replace("_", "-") for n in study_only) or "--smoke"
            raise UserError(f"{what} applies to the study (mis estimate without FILE); with "
                            f"FILE only {', '.join('--' + n for n in sorted(FILE_OPTIONS))} "
                            "apply")
        k, args.k = given.get("k", 0), None  # checked against the file's size, not the study's
        config, seed, _ = config_from_args(args, EstimateConfig, "estimate")
        return run_npz(args, config, seed, k=k)
    config, seed, _ = config_from_args(args, EstimateConfig, "estimate")
    args.out = "results/estimate" if args.out is None else args.out
    c = config
    return run_study(args, "estimate", config, seed,
                     f"convergence at {list(c.sample_sizes)} samples, VAE on "
                     f"{list(c.train_sizes)} digits for {list(c.epochs)} steps",
                     study=functools.partial(run_estimate, seed=seed),
                     outputs=estimate_outputs, summary=console_summary,
                     seconds=lambda r: sum(r.seconds.values()))
