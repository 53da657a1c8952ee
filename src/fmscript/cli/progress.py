"""The progress bars (rich, on stderr): training (step/max_steps, loss, tokens/s, time left) and
downloads (bytes, rate, time left).

They are the command line's implementations of :mod:`fmscript.ai.progress`'s callbacks (``ai/``
only calls back; the bars are drawn here), bundled by :func:`reporter`. Shown when asked for and stderr is a terminal, or when
``FMSCRIPT_PROGRESS=1`` forces it (``FMSCRIPT_PROGRESS=0`` turns it off everywhere). rich is
imported only when a bar is shown.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import Any

from fmscript.ai.progress import DownloadProgress, ProgressFactory, Reporter, TrainingProgress


def progress_wanted(requested: bool = True, forced: bool | None = None) -> bool:
    """``forced`` is ``Settings.progress`` (FMSCRIPT_PROGRESS): True/False override, None = auto."""
    if forced is not None:
        return forced
    return requested and sys.stderr.isatty()


def bar_factory(requested: bool = True, forced: bool | None = None) -> ProgressFactory:
    """A new :class:`ProgressBar` per job (``requested``: ``--progress``; ``forced``: the setting)."""
    return functools.partial(ProgressBar, requested, forced)


def reporter(requested: bool = True, forced: bool | None = None) -> Reporter:
    """What the command line hands ``ai/``: training bars (``--progress``), download bars, and
    lines of news on stderr."""
    return Reporter(bar_factory(requested, forced), functools.partial(DownloadBar, True, forced), _say)


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr, flush=True)


class ProgressBar(TrainingProgress):
    """One bar per job; a disabled instance draws nothing (messages then go nowhere either)."""

    def __init__(self, enabled: bool = True, forced: bool | None = None) -> None:
        self.enabled = progress_wanted(enabled, forced)
        self._forced = forced
        self._progress: Any = None
        self._task: Any = None
        self._fields: dict[str, str] = {"loss": "-", "tps": "-"}

    def start(self, label: str, total_steps: int, completed: int = 0) -> None:
        if not self.enabled:
            return
        self.close()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True, force_terminal=self._forced or None)
        self._progress = Progress(
            TextColumn("[bold blue]{task.description}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("{task.fields[tps]} tok/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total_steps, completed=completed, **self._fields)

    def update(
        self, step: int | None = None, loss: float | None = None, tokens_per_second: float | None = None
    ) -> None:
        if self._progress is None:
            return
        if loss is not None:
            self._fields["loss"] = f"{loss:.3f}"
        if tokens_per_second is not None:
            self._fields["tps"] = f"{tokens_per_second:,.0f}"
        kwargs: dict[str, Any] = dict(self._fields)
        if step is not None:
            kwargs["completed"] = step
        self._progress.update(self._task, **kwargs)

    def message(self, text: str) -> None:
        """A line on stderr (above the bar while one is shown); nothing when progress is off."""
        if self._progress is not None:
            self._progress.console.print(text, highlight=False, markup=False)
        elif self.enabled:
            with contextlib.suppress(OSError):
                print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None


class DownloadBar(DownloadProgress):
    """A bytes bar for a model download (size, rate, time left); disabled → does nothing."""

    def __init__(self, enabled: bool = True, forced: bool | None = None) -> None:
        self.enabled = progress_wanted(enabled, forced)
        self._forced = forced
        self._progress: Any = None
        self._task: Any = None

    def start(self, label: str, total_bytes: int, completed: int = 0) -> None:
        if not self.enabled:
            return
        self.close()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        console = Console(stderr=True, force_terminal=self._forced or None)
        self._progress = Progress(
            TextColumn("[bold blue]{task.description}"),
            BarColumn(bar_width=30),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total_bytes, completed=completed)

    def advance(self, n_bytes: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=n_bytes)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        self._progress = None
        self._task = None
