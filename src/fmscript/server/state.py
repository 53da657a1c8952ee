"""What the routes of one server share: settings, limits, the job store, keys, the queue."""

from __future__ import annotations

from pathlib import Path

from fmscript.ai.jobs.interface import Store
from fmscript.ai.keys import open_keys
from fmscript.ai.service import LocalFineTuning
from fmscript.server.batching import GenerationThread
from fmscript.server.config import ServerOptions
from fmscript.server.queue import TrainingQueue
from fmscript.settings import Settings


class ServerState:
    def __init__(self, settings: Settings, options: ServerOptions) -> None:
        self.settings = settings
        self.options = options
        self.service = LocalFineTuning(settings.home, settings)
        self.home: Path = self.service.home
        self.keys = open_keys(self.home, settings.store)
        self.queue = TrainingQueue(self.home, store_url=settings.store)
        # One mlx thread for chat: one model resident (as on the AI Model Server), concurrent
        # requests on it decoded as one batch.
        self.chat = GenerationThread(self.service, options.chat_batch)

    @property
    def store(self) -> Store:
        return self.service.store

    def store_health(self) -> dict[str, object]:
        """The store this server uses (kind and where, never a password) and whether it answers."""
        url = self.store.url
        kind = "postgresql" if url.startswith("postgres") else "sqlite"
        where = url.rsplit("@", 1)[-1] if kind == "postgresql" else url
        return {"kind": kind, "where": where, "ok": True}

    def start(self) -> None:
        if self.options.worker:
            self.queue.start()

    def stop(self) -> None:
        self.queue.stop()
        self.service.close()
