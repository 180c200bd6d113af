"""What the command modules share: argparse types, one flag per config field, reading
``--config`` with the flags, and the command line recorded in provenance (host)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from collections.abc import Callable, Mapping
from typing import Any

from mis.config import ConfigFile, make_config, read_config_file
from mis.errors import UserError

if typing.TYPE_CHECKING:
    from mis.study import Study


# what `add_subparsers()` returns: each command module's `register(sub)` adds its parser to it
Subparsers = argparse._SubParsersAction


def positive_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 0")
    return value


def csv_of(kind: Callable[[str], Any]) -> Callable[[str], tuple]:
    """argparse type: a comma-separated list of ``kind``; an empty one is refused (leave the
    flag out for the default)."""
    def parse_list(text: str):
        if not text.strip(" ,"):
            raise argparse.ArgumentTypeError(f"{text!r} is an empty list; give at least one "
                                             "value, or leave the option out for its default")
        try:
            return tuple(kind(v) for v in text.split(",") if v.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of "
                                             f"{kind.__name__}") from None
    return parse_list


def add_config_options(parser: argparse.ArgumentParser, cls: type, *, choices: dict | None = None,
                       helps: dict | None = None) -> None:
    """One flag per field of the config dataclass ``cls`` (tuples as comma-separated lists),
    plus ``--config``, ``--smoke`` and ``--seed``."""
    choices, helps = choices or {}, helps or {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        flag = "--" + f.name.replace("_", "-")
        hint = hints[f.name]
        if type(None) in typing.get_args(hint):  # `int | None`: the flag takes an int
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        if f.name in choices:
            parser.add_argument(flag, choices=choices[f.name], default=None,
                                help=helps.get(f.name, f"default {f.default}"))
        elif typing.get_origin(hint) is tuple:
            default = ",".join(map(str, f.default))  # type: ignore[arg-type]  # a tuple
            parser.add_argument(flag, type=csv_of(typing.get_args(hint)[0]), default=None,
                                help=helps.get(f.name, f"comma-separated (default {default})"))
        else:
            parser.add_argument(flag, type=hint, default=None,
                                help=helps.get(f.name, f"default {f.default!r}"
                                               if f.default != "" else None))
    parser.add_argument("--config", help="TOML file holding any of these options "
                        "(flags override it)")
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI (under a minute)")
    parser.add_argument("--seed", type=positive_int, default=None, help="PRNG seed (default 0)")
    add_overwrite_option(parser)


def add_overwrite_option(parser: argparse.ArgumentParser) -> None:
    """``--overwrite``: replace the results of another run (other config, seed or input) of
    the same command in ``--out`` (refused otherwise, so results never mix)."""
    parser.add_argument("--overwrite", action="store_true", help="replace the results of "
                        "another run of this command (other config, seed or input) in --out")


def flag_values(args: argparse.Namespace, cls: type) -> dict:
    """The fields of ``cls`` given as flags."""
    return {f.name: getattr(args, f.name) for f in dataclasses.fields(cls)
            if getattr(args, f.name, None) is not None}


def config_from_args(args: argparse.Namespace, cls: type, section: str,
                     extras: tuple[str, ...] = ()) -> tuple[Any, int, ConfigFile]:
    """``(config, seed, file)``: ``--config``'s ``[section]`` table, the smoke sizes and the
    flags merged into a validated ``cls``; the seed from the flag, else the file."""
    file: ConfigFile = read_config_file(args.config, section, extras)
    smoke = bool(args.smoke or file.smoke)
    config = make_config(cls, file.values, flags=flag_values(args, cls), smoke=smoke,
                         name=section)
    seed = args.seed if args.seed is not None else file.seed
    return config, seed, file


def command_line(name: str) -> str:
    """The command line as typed (for provenance and reports), or ``mis <name>``."""
    return "mis " + " ".join(sys.argv[1:]) if sys.argv[1:2] == [name] else f"mis {name}"


def run_study(args: argparse.Namespace, name: str, config: Any, seed: int, header: str, *,
              study: Callable[..., Any], outputs: Callable[..., Mapping[str, bytes]],
              summary: Callable[[Any], Any], seconds: Callable[[Any], Any]) -> int:
    """What every study command does once its config is validated: check ``--out``, announce
    ``mis <name>: <header>, seed N``, run ``study(config, key, progress=bars)`` with progress
    bars, write ``outputs(result, provenance, command)`` atomically into ``--out``, print
    ``summary(result)`` and the files written in ``seconds(result)``. In a multi-process JAX
    job (``mis.cluster``) every process computes and only process 0 writes and prints."""
    import jax

    from mis.io import check_out_dir, run_fingerprint, write_files
    from mis.progress import ProgressBars
    from mis.provenance import provenance

    fingerprint = run_fingerprint(name, config, seed)
    out = check_out_dir(args.out, name, claim=jax.process_index() == 0,  # 0 writes
                        fingerprint=fingerprint, overwrite=getattr(args, "overwrite", False))
    command = command_line(name)
    say(f"mis {name}: {header}, seed {seed}")
    with ProgressBars() as bars:
        result = study(config, jax.random.key(seed), progress=bars)
    if jax.process_index() != 0:
        return 0
    files = outputs(result, provenance(config, seed, command), command)
    write_files(out, files, command=name, fingerprint=fingerprint)
    print(summary(result))
    print(f"wrote {', '.join(files)} to {out} ({seconds(result):.0f} s)")
    return 0


def register_study(sub: Subparsers, study: Study) -> argparse.ArgumentParser:
    """``mis <study.name>`` from a :class:`mis.study.Study`: one flag per config field,
    ``--config``, ``--smoke``, ``--seed`` and ``--out`` (default ``results/<name>``); it runs
    :func:`run_registered`. Returns the parser (a command may add its own flags)."""
    parser = sub.add_parser(study.name, help=study.help)
    add_config_options(parser, study.config, choices=dict(study.choices),
                       helps=dict(study.helps))
    parser.add_argument("--out", default=f"results/{study.name}",
                        help=f"output directory (default: results/{study.name})")
    parser.set_defaults(func=lambda args: run_registered(args, study))
    return parser


def run_registered(args: argparse.Namespace, study: Study,
                   setup: Callable[[argparse.Namespace, Any], None] | None = None) -> int:
    """Validate ``study``'s config from the file, the smoke sizes and the flags, call
    ``setup(args, config)`` if given (a command's own preparation), then :func:`run_study`."""
    import logging

    config, seed, _ = config_from_args(args, study.config, study.name, study.extra_sections)
    logging.getLogger("absl").setLevel(logging.ERROR)  # the DP accountant's per-order notes
    if setup is not None:
        setup(args, config)
    return run_study(args, study.name, config, seed, study.header(config), study=study.run,
                     outputs=study.outputs, summary=study.summary, seconds=study.seconds)


def say(text: str) -> None:
    """One status line on stderr."""
    print(text, file=sys.stderr, flush=True)


__all__ = ["UserError"]
