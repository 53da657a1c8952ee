"""The persistent fine-tuning job store and the worker that runs a job (no heavy imports here)."""

from fmscript.ai.jobs.store import ACTIVE, STATUSES, TERMINAL, JobStore, TrainingLock, to_response

__all__ = ["ACTIVE", "STATUSES", "TERMINAL", "JobStore", "TrainingLock", "to_response"]
