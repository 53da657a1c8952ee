"""What training reports while it runs: callbacks, never output (``ai/`` prints nothing).

:class:`TrainingProgress` is the callback interface the trainer (``engines.mlx_local``), the
worker and the remote-job follower call; this base ignores every call (the server's training
child, library calls, tests). The command line supplies the one that draws: the rich bar of
``fmscript.cli.progress``, through a :data:`ProgressFactory` (one new progress per job).
"""

from __future__ import annotations

from collections.abc import Callable


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


ProgressFactory = Callable[[], TrainingProgress]
