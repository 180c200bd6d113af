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

ProgressFn = Callable[[str, int, int], None]


def report(progress: ProgressFn | None, stage: str, done: int, total: int) -> None:
    """Calls ``progress(stage, done, total)`` when a callback is given."""
    if progress is not None:
        progress(stage, int(done), int(total))


class ProgressBars:
    """A :data:`ProgressFn` drawing one tqdm bar per stage on ``file`` (default stderr).

    A new stage closes the previous bar, which stays on screen with its count, rate and elapsed
    time; the first update of a stage includes compilation time, and the bar says so. Use as a
    context manager, or call :meth:`close` at the end.
    """

    def __init__(self, file=None, *, disable: bool = False):
        self.file = file or sys.stderr
        self.disable = disable
        self._bar = None
        self._stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=stage, file=self.file, disable=self.disable,
                             leave=True, dynamic_ncols=True, mininterval=0.5,
                             postfix="first step includes compilation")
        bar = self._bar
        if bar.total != total:
            bar.total = total
        bar.update(max(done - bar.n, 0))
        if done >= 1 and bar.postfix:
            bar.set_postfix_str("", refresh=False)
        if done >= total:
            self.close()

    def note(self, text: str) -> None:
        """A one-line message that does not break the bars."""
        from tqdm import tqdm

        tqdm.write(text, file=self.file)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._stage = None, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
