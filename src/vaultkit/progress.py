"""The progress bar of a long cold run: shown on a terminal only, drawn with rich.

The stages report what they do through ``begin`` and ``advance``, which cost nothing when no
bar is active; only a front end (the CLI) turns one on with ``shown``, after deciding that
the user may see it (cli.md: only on a terminal, never under ``CI``, ``PRE_COMMIT`` or
``--quiet``). The bar appears only once the work has taken ``DELAY`` seconds, so a warm run
or a small vault never flickers one on.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

DELAY = 1.0


class _Bar:
    """One bar, drawn lazily once the work has lasted ``DELAY`` seconds."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.monotonic()
        self._progress: Progress | None = None
        self._task: object = None
        self._total = 0
        self._done = 0
        self._label = ""

    def begin(self, label: str, total: int) -> None:
        self._label, self._total, self._done = label, total, 0
        if self._progress is not None:
            self._progress.update(self._task, description=label, total=total, completed=0)  # type: ignore[arg-type]

    def advance(self, count: int) -> None:
        self._done += count
        if self._progress is None:
            if time.monotonic() - self._started < DELAY or self._done >= self._total:
                return
            console = Console(file=self._stream, stderr=True)
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=self._total)
        self._progress.update(self._task, completed=self._done)  # type: ignore[arg-type]

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


_active: contextvars.ContextVar[_Bar | None] = contextvars.ContextVar("progress", default=None)


def allowed(quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether a bar may be shown: on a terminal, and not under CI, pre-commit or --quiet."""
    stream = stream if stream is not None else sys.stderr
    return (
        not quiet
        and stream.isatty()
        and "PRE_COMMIT" not in os.environ
        and os.environ.get("CI", "").lower() not in ("1", "true", "yes")
        and os.environ.get("TERM") != "dumb"
    )


@contextlib.contextmanager
def shown(enabled: bool, stream: TextIO | None = None) -> Iterator[None]:
    """Let the stages draw a bar on ``stream`` (stderr) while the block runs, if ``enabled``."""
    if not enabled:
        yield
        return
    bar = _Bar(stream if stream is not None else sys.stderr)
    token = _active.set(bar)
    try:
        yield
    finally:
        _active.reset(token)
        bar.close()


def begin(label: str, total: int) -> None:
    """A stage starts ``total`` steps of work (for example, parsing that many notes)."""
    bar = _active.get()
    if bar is not None:
        bar.begin(label, total)


def advance(count: int = 1) -> None:
    """``count`` more steps of the current stage are done."""
    bar = _active.get()
    if bar is not None:
        bar.advance(count)
