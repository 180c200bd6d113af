"""``mis molecular``: the privacy–performance trade-off of quantized molecular heads."""

from __future__ import annotations

from mis.commands._common import add_config_options, config_from_args, run_study


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
    from mis.data import dataset_names
    from mis.molecules import MolecularConfig, console_summary, molecular_outputs, run_molecular

    if args.list:
        print("datasets: " + ", ".join(dataset_names()))
        return 0
    config, seed, _ = config_from_args(args, MolecularConfig, "molecular")
    return run_study(args, "molecular", config, seed,
                     f"{len(config.datasets)} datasets x {len(config.embedders)} embedders x "
                     f"{len(config.quantizers)} quantizers, {config.num_models} shadow heads each",
                     study=run_molecular, outputs=molecular_outputs,
                     summary=lambda r: console_summary(r) + "\n",
                     seconds=lambda r: sum(sum(p.seconds.values()) for p in r.pairs))
