"""What the routes of one server share: settings, limits, the job store, keys, the queue."""

from __future__ import annotations

from pathlib import Path

from fmscript.ai.jobs.interface import Store
from fmscript.ai.keys import KeyStore
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
        self.keys = KeyStore(self.home)
        self.queue = TrainingQueue(self.home)
        # One mlx thread for chat: one model resident (as on the AI Model Server), concurrent
        # requests on it decoded as one batch.
        self.chat = GenerationThread(self.service, options.chat_batch)

    @property
    def store(self) -> Store:
        return self.service.store

    def start(self) -> None:
        if self.options.worker:
            self.queue.start()

    def stop(self) -> None:
        self.queue.stop()
        self.service.close()
