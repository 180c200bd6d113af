"""``mis rank``: rank quantizers by membership inference security (the main job)."""

from __future__ import annotations

from mis.commands._common import add_config_options, config_from_args, run_study


def register(sub) -> None:
    from mis.rank import TASKS, RankConfig

    rk = sub.add_parser("rank", help="rank quantizers by membership inference security: "
                        "indicator, attacks on quantization-aware shadow models, utility "
                        "(the main job)")
    add_config_options(rk, RankConfig, choices={"task": TASKS}, helps={
        "task": "task (default mixture)",
        "quantizers": "comma-separated quantizer specs (default: the task's zoo)"})
    rk.add_argument("--out", default="results/rank", help="output directory "
                    "(default: results/rank)")
    rk.add_argument("--distributed", action="store_true", help="join a multi-process JAX job "
                    "(MIS_COORDINATOR, MIS_NUM_PROCESSES, MIS_PROCESS_ID, or SLURM): shadow "
                    "models are spread over every process's devices; process 0 writes --out")
    rk.add_argument("--coordinator-timeout", type=float, default=60.0,
                    help="seconds to wait for the coordinator (default 60)")
    rk.set_defaults(func=run)


def run(args) -> int:
    import jax

    from mis.rank import RankConfig, console_summary, rank_outputs, run_rank

    config, seed, _ = config_from_args(args, RankConfig, "rank", ("sweep",))
    if args.distributed:
        from mis.cluster import init_distributed

        init_distributed(timeout=args.coordinator_timeout)
    if config.task == "gaussian-mean":
        jax.config.update("jax_enable_x64", True)  # exact Δ tails (CLI boundary)
    return run_study(args, "rank", config, seed,
                     f"task {config.task}, {len(config.zoo)} quantizers, "
                     f"{config.num_models} shadow models", study=run_rank, outputs=rank_outputs,
                     summary=console_summary, seconds=lambda r: sum(r.seconds.values()))
