"""The user-error type, raised for bad input and printed by the CLI as one line; and the
interrupt a signal raised that Python may have swallowed."""


class UserError(ValueError):
    """Bad input from a user (flag, config value, file). The CLI prints it on one line,
    exits with status 2 and shows no traceback."""


_PENDING: list[KeyboardInterrupt] = []


def note_interrupt(stop: KeyboardInterrupt) -> None:
    """Record the interrupt a signal handler is about to raise (the CLI's handlers do)."""
    _PENDING.append(stop)


def pending_interrupt() -> KeyboardInterrupt | None:
    """The last recorded interrupt, or None."""
    return _PENDING[-1] if _PENDING else None


def clear_interrupts() -> None:
    """Forget recorded interrupts (at the start of a command)."""
    _PENDING.clear()


def raise_pending_interrupt() -> None:
    """Raise again an interrupt that was recorded but did not end the run. Python prints and
    drops an exception raised inside a garbage-collector callback or a ``__del__`` (JAX
    registers such a callback), so a signal that lands there would otherwise be lost and the
    run would finish and write its files; progress reports and :func:`mis.io.write_files`
    call this first."""
    if _PENDING:
        raise type(_PENDING[-1])()


__all__ = ["UserError", "clear_interrupts", "note_interrupt", "pending_interrupt",
           "raise_pending_interrupt"]
