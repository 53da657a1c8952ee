"""The persistent fine-tuning job store and the worker that runs a job (no heavy imports here)."""

from fmscript.ai.jobs.interface import Store
from fmscript.ai.jobs.processes import TrainingLock
from fmscript.ai.jobs.records import ACTIVE, STATUSES, TERMINAL
from fmscript.ai.jobs.store import SQLiteStore, open_store

__all__ = ["ACTIVE", "STATUSES", "TERMINAL", "SQLiteStore", "Store", "TrainingLock", "open_store"]
