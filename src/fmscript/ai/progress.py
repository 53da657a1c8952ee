"""What ``ai/`` reports while it works: callbacks, never output (``ai/`` prints nothing).

:class:`TrainingProgress` is what the trainer (``engines.mlx_local``), the worker and the job
followers call; :class:`DownloadProgress` what a hub download calls. These bases ignore every call
(the server's training child, library calls, tests). A :class:`Reporter` bundles the factories
and a ``say`` callback for lines of news; the command line supplies one that draws rich bars on
stderr (``fmscript.cli.progress.reporter``).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs


class TrainingProgress:
    """One job's progress: ``start`` once, ``update`` per step, ``message`` for a line of news,
    ``close`` at the end. Every method does nothing here, so callers never check."""

    def start(self, label: str, total_steps: int, completed: int = 0) -> None:
        """A job named ``label`` starts (or is followed from step ``completed``) of ``total_steps``."""

    def update(
        self, step: int | None = None, loss: float | None = None, tokens_per_second: float | None = None
    ) -> None:
        """The job reached ``step`` (with its training loss and speed, when known)."""

    def message(self, text: str) -> None:
        """A line of news about the job (waiting for the lock, a provider's event)."""

    def close(self) -> None:
        """The job ended or is no longer followed."""


class DownloadProgress:
    """One download's progress in bytes; every method does nothing here."""

    def start(self, label: str, total_bytes: int, completed: int = 0) -> None:
        """A download of ``total_bytes`` starts (``completed`` already there: a resumed pull)."""

    def advance(self, n_bytes: int) -> None:
        """``n_bytes`` more arrived."""

    def close(self) -> None:
        """The download ended."""


ProgressFactory = Callable[[], TrainingProgress]
DownloadFactory = Callable[[], DownloadProgress]


def _quiet(text: str) -> None:
    """Lines of news go nowhere unless someone listens."""


@attrs.frozen
class Reporter:
    """The callbacks ``ai/`` reports through: a training progress per job, a download progress
    per pull, and ``say`` for a line of news (a download starting, a model pulled)."""

    training: ProgressFactory = TrainingProgress
    download: DownloadFactory = DownloadProgress
    say: Callable[[str], None] = _quiet
