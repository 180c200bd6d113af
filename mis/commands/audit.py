"""``mis audit``: audit your own attack scores or shadow-model signals."""

from __future__ import annotations

import sys
from pathlib import Path

from mis.commands._common import csv_of, say


def register(sub) -> None:
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
    au.add_argument("--out", default="results/audit", help="output directory "
                    "(default: results/audit)")
    au.set_defaults(func=run)


def run(args) -> int:
    from mis.attacks import check_signal_attacks, signal_attacks
    from mis.audit import audit_outputs, load_audit_input
    from mis.errors import UserError
    from mis.io import check_out_dir, write_files
    from mis.provenance import provenance

    attacks = ("lira", "lira-offline", "global") if args.attacks is None else args.attacks
    check_signal_attacks(attacks)  # before any work or progress line
    for f in args.fprs:
        if not 0 < f < 1:
            raise UserError(f"--fprs value {f!r} is not allowed; use numbers in (0, 1)")
    out = check_out_dir(args.out, "audit")
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
        named, labels = {"scores": scores}, is_member
    config = {"input": args.input, "kind": kind, "attacks": list(named),
              "fprs": list(args.fprs)}
    files = audit_outputs(named, labels, fprs=tuple(args.fprs),
                          provenance=provenance(config, 0, "mis " + " ".join(sys.argv[1:])),
                          source=Path(args.input))
    write_files(out, files, command="audit")
    print(files["report.md"].decode().split("![ROC]")[0].rstrip())  # the table, computed once
    print(f"wrote {', '.join(files)} to {out}")
    return 0
