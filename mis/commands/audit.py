"""``mis audit``: audit your own attack scores or shadow-model signals."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mis.commands._common import Subparsers, add_overwrite_option, csv_of, say


def register(sub: Subparsers) -> None:
    au = sub.add_parser("audit", help="metrics table with intervals and log-log ROC from a "
                        ".npz of attack scores (scores, is_member) or shadow-model signals "
                        "(signals [M, n], mask [M, n]: LiRA run leave-one-model-out)")
    au.add_argument("input", help="the .npz file")
    au.add_argument("--attacks", type=csv_of(str), default=None,
                    help="for signals only: any of lira, lira-offline (paper, one-sided), "
                    "lira-offline-two-sided (official code), lira-fixed, global "
                    "(default lira,lira-offline,global)")
    au.add_argument("--fprs", type=csv_of(float), default=(0.001, 0.01, 0.1),
                    help="FPRs at which TPR is reported (default 0.001,0.01,0.1)")
    add_overwrite_option(au)
    au.add_argument("--out", default="results/audit", help="output directory "
                    "(default: results/audit)")
    au.set_defaults(func=run)


def audit_inference(named: dict, labels: Any, fprs: tuple,
                    stacked: bool) -> tuple[list, list, str, float | None]:
    """``(table, findings, intervals sentence, ε ceiling)``. Stacked scores ``[models,
    examples]`` (a signals file, or 2-D scores) get two-way intervals that resample models and
    examples together; one score vector keeps DeLong / Clopper–Pearson. One finding per attack,
    "the attack detects membership" (its AUC interval above ½), Bonferroni over the attacks."""
    import numpy as np

    from mis.audit import INDEPENDENT, auc, metrics_table
    from mis.inference import (
        Finding,
        bonferroni_confidence,
        held_out_ceiling,
        stacked_metrics_table,
    )

    m = np.asarray(labels).astype(bool)
    level = bonferroni_confidence(len(named))
    if stacked:
        table = stacked_metrics_table({k: np.asarray(v) for k, v in named.items()}, m,
                                      fprs=fprs)
        intervals = ("The scores are read as [models, examples] (a signals file or 2-D "
                     "scores): AUC and TPR intervals are 95 % two-way bootstrap intervals that "
                     "resample models and examples together (the scores of one model are not "
                     "independent); TPR at FPR is held out (threshold on one half, value on "
                     "the other); advantage: held-out lower / DKW upper bound over the pooled "
                     "scores.")
        aucs = {t.attack: t.replicates.auc.interval(level) for t in table}
        sizes = {"models": m.shape[0], "examples": m.shape[1]}
    else:
        flat = m.ravel()
        table = metrics_table({k: np.asarray(v).ravel() for k, v in named.items()}, flat,
                              fprs=fprs)
        intervals = INDEPENDENT
        aucs = {k: auc(np.asarray(v).ravel(), flat, confidence=level)
                for k, v in named.items()}
        sizes = {"members": int(flat.sum()), "non-members": int((~flat).sum())}
    found = [Finding(f"{name} detects membership", f"AUC({name})", est, "greater", 0.5,
                     confidence=level, sizes=sizes) for name, est in aucs.items()]
    ceiling = held_out_ceiling(m)  # of the held-out half the ε bound is computed on
    return table, found, intervals, ceiling


def run(args: argparse.Namespace) -> int:
    from mis.attacks import check_signal_attacks, signal_attacks
    from mis.audit import audit_outputs, load_audit_input
    from mis.errors import UserError
    from mis.io import check_out_dir, file_digest, run_fingerprint, write_files
    from mis.provenance import provenance

    attacks = ("lira", "lira-offline", "global") if args.attacks is None else args.attacks
    check_signal_attacks(attacks)  # before any work or progress line
    if not args.fprs:
        raise UserError("--fprs is empty; give at least one FPR in (0, 1), e.g. 0.001,0.01")
    for f in args.fprs:
        if not 0 < f < 1:
            raise UserError(f"--fprs value {f!r} is not allowed; use numbers in (0, 1)")
    fingerprint = run_fingerprint("audit", file_digest(args.input), attacks, list(args.fprs))
    out = check_out_dir(args.out, "audit", fingerprint=fingerprint, overwrite=args.overwrite)
    arrays, scores, is_member, kind = load_audit_input(args.input)
    if kind == "scores" and args.attacks is not None:
        raise UserError("--attacks applies to a signals file (signals, mask); "
                        f"{args.input!r} holds finished scores")
    if kind == "signals":
        say(f"mis audit: {arrays['signals'].shape[0]} models x {arrays['signals'].shape[1]} "
            f"examples; attacks {', '.join(attacks)} (leave-one-model-out)")
        named = signal_attacks(arrays["signals"], arrays["mask"], attacks)
        labels = arrays["mask"]
    else:
        assert scores is not None and is_member is not None  # a scores file holds both
        named, labels = {"scores": scores}, is_member
    stacked = kind == "signals" or arrays["scores"].ndim == 2
    if kind == "scores" and stacked:  # [models, examples] as given
        named, labels = {"scores": arrays["scores"]}, arrays["is_member"]
    table, found, intervals, ceiling = audit_inference(named, labels, tuple(args.fprs),
                                                       stacked)
    config = {"input": args.input, "kind": kind, "attacks": list(named),
              "fprs": list(args.fprs), "stacked": stacked}
    files = audit_outputs(named, labels, fprs=tuple(args.fprs),
                          provenance=provenance(config, 0, "mis " + " ".join(sys.argv[1:])),
                          source=Path(args.input), table=table, findings=found,
                          intervals=intervals, ceiling=ceiling)
    write_files(out, files, command="audit", fingerprint=fingerprint)
    print(files["report.md"].decode().split("![ROC]")[0].rstrip())  # the table, computed once
    print(f"wrote {', '.join(files)} to {out}")
    return 0
