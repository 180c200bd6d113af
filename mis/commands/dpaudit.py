"""``mis dpaudit``: DP-SGD at several noise multipliers, audited by LiRA on canaries."""

from __future__ import annotations

from mis.commands._common import add_config_options, command_line, config_from_args, say


def register(sub) -> None:
    from mis.dpaudit import DATASETS, DPAuditConfig

    dp = sub.add_parser("dpaudit", help="train shadow models with DP-SGD at several noise "
                        "multipliers and compare the empirical ε lower bound of LiRA on "
                        "canaries with the accountant's ε")
    add_config_options(dp, DPAuditConfig, choices={"dataset": DATASETS}, helps={
        "dataset": "digits (ConvNet) or mixture (MLP) (default digits)",
        "sigmas": "comma-separated noise multipliers (default 0,0.5,1,2,4)"})
    dp.add_argument("--out", default="results/dpaudit", help="output directory "
                    "(default: results/dpaudit)")
    dp.set_defaults(func=run)


def run(args) -> int:
    import logging

    import jax

    from mis.dpaudit import DPAuditConfig, console_summary, dpaudit_outputs, run_dpaudit
    from mis.io import check_out_dir, write_files
    from mis.progress import ProgressBars
    from mis.provenance import provenance

    config, seed, _ = config_from_args(args, DPAuditConfig, "dpaudit")
    out = check_out_dir(args.out)
    logging.getLogger("absl").setLevel(logging.ERROR)  # the accountant's per-order notes
    command = command_line("dpaudit")
    say(f"mis dpaudit: {config.dataset}, σ ∈ {{{', '.join(f'{s:g}' for s in config.sigmas)}}}, "
        f"{config.num_models} shadow models each, seed {seed}")
    with ProgressBars() as bars:
        result = run_dpaudit(config, jax.random.key(seed), progress=bars)
    files = dpaudit_outputs(result, provenance(config, seed, command), command)
    write_files(out, files)
    print(console_summary(result))
    print(f"wrote {', '.join(files)} to {out} ({sum(result.seconds.values()):.0f} s)")
    return 0
