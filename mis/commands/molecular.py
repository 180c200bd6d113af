"""``mis molecular``: the privacy–performance trade-off of quantized molecular heads. The
study is :data:`mis.molecular.STUDY`; this module adds ``--list``."""

from __future__ import annotations

import argparse

from mis.commands._common import Subparsers, register_study, run_registered


def register(sub: Subparsers) -> None:
    from mis.molecular import STUDY

    mo = register_study(sub, STUDY)
    mo.add_argument("--list", action="store_true", help="list the dataset names and exit")
    mo.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mis.data import dataset_names
    from mis.molecular import STUDY

    if args.list:
        print("datasets: " + ", ".join(dataset_names()))
        return 0
    return run_registered(args, STUDY)
