"""Where fmscript keeps its AI state: ``Settings.home`` (``FMSCRIPT_HOME`` or the user data directory).

Layout::

    <home>/base-models/<name>/     base models (``fmscript models demo`` builds one here)
    <home>/models/fm-mlx-<name>/   fine-tuned adapters: adapters.safetensors, adapter_config.json, card.json
    <home>/files/<file id>.jsonl   copies of the training files
    <home>/jobs.sqlite             files, jobs, events and models (WAL, shared by processes; its
                                   schema version in PRAGMA user_version, see ai/jobs/migrations.py)
    <home>/train.lock              held (fcntl) by the process that is training
"""

from __future__ import annotations

from pathlib import Path

from fmscript.ai.errors import CANNOT_CREATE_FILE, ai_error

SUBDIRS = ("base-models", "models", "files")


def ensure_home(home: Path) -> Path:
    """Create the home folder (``Settings.home``) and its subfolders; return the home path."""
    root = Path(home)
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
