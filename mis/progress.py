"""Progress of long work: the callback convention of the library, and progress bars for the
command line and notebooks (host).

Library functions that take a while accept ``progress=None`` or a callable
``progress(stage, done, total)``: ``stage`` names the step (``"training shadow models"``,
``"quantizers"`` ...), ``done`` of ``total`` units are finished. The library calls it and prints
nothing itself. :class:`ProgressBars` renders the calls as tqdm bars on stderr (what the ``mis``
commands pass); any other callable works too.

Example:
    >>> seen = []
    >>> report(lambda *a: seen.append(a), "steps", 1, 2)
    >>> report(None, "steps", 2, 2)  # no callback: nothing happens
    >>> seen
    [('steps', 1, 2)]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from mis.errors import raise_pending_interrupt

ProgressFn = Callable[[str, int, int], None]


def report(progress: ProgressFn | None, stage: str, done: int, total: int) -> None:
    """Calls ``progress(stage, done, total)`` when a callback is given (after raising an
    interrupt that was swallowed: :func:`mis.errors.raise_pending_interrupt`)."""
    raise_pending_interrupt()
    if progress is not None:
        progress(stage, int(done), int(total))


class ProgressBars:
    """A :data:`ProgressFn` drawing one tqdm bar per stage on ``file`` (default stderr).

    Stages nest: a stage that starts while another is open (the shadow models of one noise
    multiplier inside "noise multipliers") gets its own bar below, removed when it completes;
    the outermost bar stays on screen with its count, rate and elapsed time. Call
    ``progress(stage, 0, total)`` when a stage starts so that its rate counts from then; the
    first update includes compilation time, and the bar says so. Use as a context manager, or
    call :meth:`close` at the end.
    """

    def __init__(self, file: TextIO | None = None, *, disable: bool = False) -> None:
        self.file = file or sys.stderr
        self.disable = disable
        self._bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            depth = len(self._bars)
            bar = tqdm(total=total, desc=stage, file=self.file, disable=self.disable,
                       leave=depth == 0, position=depth, dynamic_ncols=True, mininterval=0.5,
                       postfix="first step includes compilation")
            self._bars[stage] = bar
        if bar.total != total:
            bar.total = total
        bar.update(max(done - bar.n, 0))
        if done >= 1 and bar.postfix:
            bar.set_postfix_str("", refresh=False)
        if done >= total:
            self._close(stage)

    def note(self, text: str) -> None:
        """A one-line message that does not break the bars."""
        from tqdm import tqdm

        tqdm.write(text, file=self.file)

    def _close(self, stage: str) -> None:
        self._bars.pop(stage).close()

    def close(self) -> None:
        for stage in reversed(list(self._bars)):
            self._close(stage)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


__all__ = ["ProgressBars", "ProgressFn", "report"]
