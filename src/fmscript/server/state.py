"""What the routes of one server share: settings, limits, the job store, keys, the queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fmscript.ai.jobs.store import JobStore
from fmscript.ai.keys import KeyStore
from fmscript.ai.service import LocalFineTuning
from fmscript.server.config import ServerOptions
from fmscript.server.queue import TrainingQueue
from fmscript.settings import Settings


class ServerState:
    def __init__(self, settings: Settings, options: ServerOptions) -> None:
        self.settings = settings
        self.options = options
        self.service = LocalFineTuning(settings.home)
        self.home: Path = self.service.home
        self.keys = KeyStore(self.home)
        self.queue = TrainingQueue(self.home)
        # One generation at a time: one model is resident (as on the AI Model Server) and mlx
        # evaluation is not shared between threads.
        self.generation = asyncio.Lock()

    @property
    def store(self) -> JobStore:
        return self.service.store

    def start(self) -> None:
        if self.options.worker:
            self.queue.start()

    def stop(self) -> None:
        self.queue.stop()
        self.service.close()
