"""``mis molecular``: the privacy–performance trade-off of quantized molecular heads."""

from __future__ import annotations

from mis.commands._common import add_config_options, command_line, config_from_args, say


def register(sub) -> None:
    from mis.molecules import MolecularConfig

    mo = sub.add_parser("molecular", help="privacy-performance trade-off of quantized "
                        "molecular property heads (real data shipped in packages, RDKit "
                        "embedders)")
    add_config_options(mo, MolecularConfig)
    mo.add_argument("--list", action="store_true", help="list the dataset names and exit")
    mo.add_argument("--out", default="results/molecular", help="output directory "
                    "(default: results/molecular)")
    mo.set_defaults(func=run)


def run(args) -> int:
    import jax

    from mis.io import check_out_dir, write_files
    from mis.molecules import (
        MolecularConfig,
        console_summary,
        dataset_names,
        molecular_outputs,
        run_molecular,
    )
    from mis.progress import ProgressBars
    from mis.provenance import provenance

    if args.list:
        print("datasets: " + ", ".join(dataset_names()))
        return 0
    config, seed, _ = config_from_args(args, MolecularConfig, "molecular")
    out = check_out_dir(args.out)
    command = command_line("molecular")
    say(f"mis molecular: {len(config.datasets)} datasets x {len(config.embedders)} embedders "
        f"x {len(config.quantizers)} quantizers, {config.num_models} shadow heads each, "
        f"seed {seed}")
    with ProgressBars() as bars:
        result = run_molecular(config, jax.random.key(seed), progress=bars)
    files = molecular_outputs(result, provenance(config, seed, command), command)
    write_files(out, files)
    print(console_summary(result))
    total = sum(sum(p.seconds.values()) for p in result.pairs)
    print(f"\nwrote {', '.join(files)} to {out} ({total:.0f} s)")
    return 0
