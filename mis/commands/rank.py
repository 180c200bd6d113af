"""``mis rank``: rank quantizers by membership inference security (the main job). The study
is :data:`mis.rank.STUDY`; this module adds the multi-process flags."""

from __future__ import annotations

import argparse
import typing

from mis.commands._common import Subparsers, register_study, run_registered

if typing.TYPE_CHECKING:
    from mis.rank import RankConfig


def register(sub: Subparsers) -> None:
    from mis.rank import STUDY

    rk = register_study(sub, STUDY)
    rk.add_argument("--distributed", action="store_true", help="join a multi-process JAX job "
                    "(MIS_COORDINATOR, MIS_NUM_PROCESSES, MIS_PROCESS_ID, or SLURM): shadow "
                    "models are spread over every process's devices; process 0 writes --out")
    rk.add_argument("--coordinator-timeout", type=float, default=60.0,
                    help="seconds to wait for the coordinator (default 60)")
    rk.set_defaults(func=run)


def setup(args: argparse.Namespace, config: RankConfig) -> None:
    """Join the JAX job (``--distributed``); 64-bit floats for the exact Δ tails of the
    Gaussian-mean task (set at the CLI boundary)."""
    import jax

    if args.distributed:
        from mis.cluster import init_distributed

        init_distributed(timeout=args.coordinator_timeout)
    if config.task == "gaussian-mean":
        jax.config.update("jax_enable_x64", True)


def run(args: argparse.Namespace) -> int:
    from mis.rank import STUDY

    return run_registered(args, STUDY, setup)
