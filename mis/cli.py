"""The ``mis`` command line: the parser assembled from :mod:`mis.commands` (one module per
command). User errors print one line and exit with status 2."""

import argparse
import sys
from typing import Any

from mis import __version__
from mis.errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump)."""

    def error(self, message):
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (public for tests and docs)."""
    from mis.commands import register_all

    parser = _Parser(prog="mis", description="Membership inference security of "
                     "(quantized) models: theory and experiment.")
    parser.add_argument("--version", action="version", version=f"mis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    register_all(sub)
    return parser


INTERRUPTED, TERMINATED = 130, 143  # exit codes after SIGINT / SIGTERM (128 + signal)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Python next runs (like SIGINT's KeyboardInterrupt), so the same
    clean-up runs: staged files removed, nothing partial left."""


def _interrupt(signum, frame):
    """SIGINT / SIGTERM after loading: raise (and record, in case Python swallows it where it
    lands: :func:`mis.errors.raise_pending_interrupt`)."""
    import signal

    from mis.errors import note_interrupt

    stop = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
    note_interrupt(stop)
    raise stop


def quiet_interrupts(previous: Any) -> Any:
    """A ``sys.unraisablehook`` that records an interrupt Python could not raise (one that
    landed in a garbage-collector callback or a ``__del__``: JAX registers such a callback)
    instead of printing its traceback; the run still ends with 130 / 143 at the next progress
    report or write (:func:`mis.errors.raise_pending_interrupt`). Anything else goes to
    ``previous``."""

    def hook(info: Any) -> None:
        from mis.errors import note_interrupt, pending_interrupt

        if isinstance(info.exc_value, KeyboardInterrupt):
            if pending_interrupt() is None:  # not raised by our handler: keep it anyway
                note_interrupt(info.exc_value)
            return
        previous(info)

    return hook


def entry() -> None:
    """The process entry point (console script ``mis``, ``python -m mis``): :func:`main` with
    SIGTERM handled like SIGINT. After an interrupt the process ends with ``os._exit``: JAX's
    native threads (a compilation in flight) must not race the interpreter's shutdown, which
    crashed with SIGSEGV on an interrupt a few seconds into training."""
    import os
    import signal

    def exit_now(signum, frame):  # while loading: nothing to clean up, nothing to race
        os.write(2, (INTERRUPT_NOTICE + "\n").encode())
        os._exit(TERMINATED if signum == signal.SIGTERM else INTERRUPTED)

    signal.signal(signal.SIGINT, exit_now)
    signal.signal(signal.SIGTERM, exit_now)
    _load()  # an interrupt inside a native extension's import could be lost or garbled
    sys.unraisablehook = quiet_interrupts(sys.unraisablehook)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    code = main()
    if code in (INTERRUPTED, TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _interrupt_behind(err: BaseException) -> KeyboardInterrupt | None:
    """The interrupt an exception was raised while handling (a signal that arrived while a
    native extension was initialising becomes that extension's ``ImportError``), if any."""
    seen = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


INTERRUPT_NOTICE = "mis: interrupted; no output was written for the step in progress"


def _load() -> None:
    """What every command needs before it works: matplotlib (Agg) and the parser, which
    imports every command's package (JAX among them)."""
    import matplotlib

    matplotlib.use("Agg")
    build_parser()


def _interrupted(stop: KeyboardInterrupt) -> int:
    # on a line of its own: a progress bar interrupted mid-draw has not ended its line
    print("\n" + INTERRUPT_NOTICE, file=sys.stderr)
    return TERMINATED if isinstance(stop, Terminated) else INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    """The ``mis`` command line: parse ``argv``, run the command, return its exit code (user
    errors: one line and 2; an interrupt: 130, or 143 for SIGTERM under :func:`entry`)."""
    import matplotlib

    from mis.errors import clear_interrupts, raise_pending_interrupt

    matplotlib.use("Agg")  # figures are rendered to files, never shown (CLI boundary)
    clear_interrupts()
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return 0
        code = args.func(args)
        raise_pending_interrupt()  # a swallowed interrupt still ends the run with 130 / 143
        return code
    except UserError as err:
        print(f"mis: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        return _interrupted(stop)
    except Exception as err:  # an interrupt inside a native import surfaces as ImportError
        behind = _interrupt_behind(err)
        if behind is None:
            raise
        return _interrupted(behind)
    finally:
        from mis.io import release_out_dirs

        release_out_dirs()


__all__ = ["INTERRUPT_NOTICE", "Terminated", "build_parser", "entry", "main", "quiet_interrupts"]


if __name__ == "__main__":
    sys.exit(main())
