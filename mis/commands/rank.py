"""``mis rank``: rank quantizers by membership inference security (the main job)."""

from __future__ import annotations

from mis.commands._common import add_config_options, command_line, config_from_args, say


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
    rk.set_defaults(func=run)


def run(args) -> int:
    import jax

    from mis.io import check_out_dir, write_files
    from mis.progress import ProgressBars
    from mis.provenance import provenance
    from mis.rank import RankConfig, console_summary, rank_outputs, run_rank

    config, seed, _ = config_from_args(args, RankConfig, "rank", ("sweep",))
    out = check_out_dir(args.out)
    if config.task == "gaussian-mean":
        jax.config.update("jax_enable_x64", True)  # exact Δ tails (CLI boundary)
    command = command_line("rank")
    say(f"mis rank: task {config.task}, {len(config.zoo)} quantizers, "
        f"{config.num_models} shadow models, seed {seed}")
    with ProgressBars() as bars:
        result = run_rank(config, jax.random.key(seed), progress=bars)
    files = rank_outputs(result, provenance(config, seed, command), command)
    write_files(out, files)
    print(console_summary(result))
    total = sum(result.seconds.values())
    print(f"wrote {', '.join(files)} to {out} ({total:.0f} s)")
    return 0
