"""Where fmscript keeps its AI state: ``FMSCRIPT_HOME`` or the user data directory.

Layout::

    <home>/base-models/<name>/     base models (``fmscript models demo`` builds one here)
    <home>/models/fm-mlx-<name>/   fine-tuned adapters: adapters.safetensors, adapter_config.json, card.json
    <home>/files/<file id>.jsonl   copies of the training files
    <home>/jobs.sqlite             files, jobs, events and models (WAL, shared by processes)
    <home>/train.lock              held (fcntl) by the process that is training
"""

from __future__ import annotations

import os
from pathlib import Path

from fmscript.ai.errors import CANNOT_CREATE_FILE, ai_error

SUBDIRS = ("base-models", "models", "files")


def fmscript_home() -> Path:
    """``$FMSCRIPT_HOME`` when set, else the platform's user data directory for ``fmscript``."""
    env = os.environ.get("FMSCRIPT_HOME", "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("fmscript", appauthor=False))


def ensure_home(home: Path | None = None) -> Path:
    """Create the home folder and its subfolders; return the home path."""
    root = Path(home) if home is not None else fmscript_home()
    try:
        for sub in SUBDIRS:
            (root / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ai_error(
            f"cannot create the fmscript home folder {root}: {exc.strerror or exc}", CANNOT_CREATE_FILE
        ) from None
    return root


def jobs_db(home: Path) -> Path:
    return home / "jobs.sqlite"


def base_models_dir(home: Path) -> Path:
    return home / "base-models"


def models_dir(home: Path) -> Path:
    return home / "models"


def files_dir(home: Path) -> Path:
    return home / "files"
