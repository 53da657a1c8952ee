"""fmscript's settings, read once at the edge (the CLI, the server, the public API) and passed down.

Nothing below the edge reads ``os.environ``: the CLI calls :func:`Settings.from_env` once and hands
the object to the run, the job service, the server. Tests build a ``Settings(...)`` directly.

| setting            | environment variable   | default                                         |
|--------------------|------------------------|-------------------------------------------------|
| home               | FMSCRIPT_HOME          | the platform's user data folder for ``fmscript`` |
| documents          | FMSCRIPT_DOCUMENTS     | the user's Documents folder                     |
| temp               | FMSCRIPT_TEMP          | ``<system temp>/fmscript``                       |
| max_steps          | FMSCRIPT_MAX_STEPS     | none (a cap on local jobs' max_steps)           |
| progress           | FMSCRIPT_PROGRESS      | auto (1 forces the bar, 0 turns it off)         |
| cache              | FMSCRIPT_CACHE         | ``<system temp>/fmscript-cache-<uid>``; ``off`` disables |
| openai_api_key     | OPENAI_API_KEY         | "" (never printed)                              |
| connect_timeout    | FMSCRIPT_CONNECT_TIMEOUT | 10 s                                          |
| request_timeout    | FMSCRIPT_REQUEST_TIMEOUT | 60 s                                          |
| max_retries        | FMSCRIPT_MAX_RETRIES   | 2                                               |
| call_deadline      | FMSCRIPT_CALL_DEADLINE | 60 s: one OpenAI/Custom provider call in all, retries included |
| reply_max_bytes    | FMSCRIPT_REPLY_MAX_BYTES | 50 MB: the largest provider reply read        |
| url_timeout        | FMSCRIPT_URL_TIMEOUT   | 300 s: Insert from URL's total deadline without ``-m`` |
| url_max_bytes      | FMSCRIPT_URL_MAX_BYTES | 100 MB: the largest body Insert from URL reads  |
| hf_endpoint        | HF_ENDPOINT            | https://huggingface.co (the hub models are pulled from) |
| hf_token           | HF_TOKEN               | "" (huggingface_hub's stored login, if any; never printed) |
| hf_hub_cache       | HF_HUB_CACHE / HF_HOME | ``~/.cache/huggingface/hub`` (the standard cache) |
| offline            | FMSCRIPT_OFFLINE / HF_HUB_OFFLINE | off: hub ids are downloaded on demand |
| store              | FMSCRIPT_STORE         | "" (the SQLite file in home); ``postgresql://user@host:port/db`` |
| lease_seconds      | FMSCRIPT_LEASE_SECONDS | 30 s: a worker silent this long loses its job (retried once) |
| rag_embedding_model | FMSCRIPT_RAG_EMBEDDING_MODEL | "" (new RAG spaces use the built-in lexical embedding; else a Local model) |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import attrs


def _path(value: str | None) -> Path | None:
    value = (value or "").strip()
    return Path(value).expanduser() if value else None


def _float(value: str | None, default: float) -> float:
    try:
        number = float((value or "").strip())
    except ValueError:
        return default
    return number if number > 0 else default


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def _tristate(value: str | None) -> bool | None:
    value = (value or "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def _system_temp() -> Path:
    import tempfile  # not at start-up: it pulls in shutil, random, bz2, lzma

    return Path(tempfile.gettempdir())


def _hf_cache(env: Mapping[str, str]) -> Path | None:
    """huggingface_hub's cache folder variables, in its order of precedence."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if path := _path(env.get(var)):
            return path
    home = _path(env.get("HF_HOME"))
    if home is not None:
        return home / "hub"
    xdg = _path(env.get("XDG_CACHE_HOME"))
    return xdg / "huggingface" / "hub" if xdg else None


@attrs.frozen
class Settings:
    """Every knob fmscript reads from its environment, in one immutable object."""

    home_override: Path | None = None
    documents_override: Path | None = None
    temp_override: Path | None = None
    max_steps: int | None = None
    progress: bool | None = None  # None: show the bar when stderr is a terminal
    cache_override: Path | None = None
    cache_enabled: bool = True
    openai_api_key: str = attrs.field(default="", repr=False)
    connect_timeout: float = 10.0
    request_timeout: float = 60.0
    max_retries: int = 2
    call_deadline: float = 60.0
    reply_max_bytes: int = 50_000_000
    url_timeout: float = 300.0
    url_max_bytes: int = 100_000_000
    hf_endpoint: str = "https://huggingface.co"
    hf_token: str = attrs.field(default="", repr=False)
    hf_cache_override: Path | None = None
    offline: bool = False
    store: str = attrs.field(default="", repr=False)  # a job store URL (may hold a password)
    lease_seconds: float = 30.0
    rag_embedding_model: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        cache = (env.get("FMSCRIPT_CACHE") or "").strip()
        retries = _int(env.get("FMSCRIPT_MAX_RETRIES"))
        return cls(
            home_override=_path(env.get("FMSCRIPT_HOME")),
            documents_override=_path(env.get("FMSCRIPT_DOCUMENTS")),
            temp_override=_path(env.get("FMSCRIPT_TEMP")),
            max_steps=_int(env.get("FMSCRIPT_MAX_STEPS")),
            progress=_tristate(env.get("FMSCRIPT_PROGRESS")),
            cache_override=None if cache.lower() in ("", "off", "0", "no", "false") else Path(cache),
            cache_enabled=cache.lower() not in ("off", "0", "no", "false"),
            openai_api_key=env.get("OPENAI_API_KEY", ""),
            connect_timeout=_float(env.get("FMSCRIPT_CONNECT_TIMEOUT"), 10.0),
            request_timeout=_float(env.get("FMSCRIPT_REQUEST_TIMEOUT"), 60.0),
            max_retries=2 if retries is None else retries,
            call_deadline=_float(env.get("FMSCRIPT_CALL_DEADLINE"), 60.0),
            reply_max_bytes=_int(env.get("FMSCRIPT_REPLY_MAX_BYTES")) or 50_000_000,
            url_timeout=_float(env.get("FMSCRIPT_URL_TIMEOUT"), 300.0),
            url_max_bytes=_int(env.get("FMSCRIPT_URL_MAX_BYTES")) or 100_000_000,
            hf_endpoint=(env.get("HF_ENDPOINT") or "").strip().rstrip("/") or "https://huggingface.co",
            hf_token=(env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN") or "").strip(),
            hf_cache_override=_hf_cache(env),
            offline=bool(_tristate(env.get("FMSCRIPT_OFFLINE")) or _tristate(env.get("HF_HUB_OFFLINE"))),
            store=(env.get("FMSCRIPT_STORE") or "").strip(),
            lease_seconds=_float(env.get("FMSCRIPT_LEASE_SECONDS"), 30.0),
            rag_embedding_model=(env.get("FMSCRIPT_RAG_EMBEDDING_MODEL") or "").strip(),
        )

    # ------------------------------------------------------------------ derived folders
    @property
    def hf_hub_cache(self) -> Path:
        """The Hugging Face hub cache (``models--org--name/snapshots/<commit>``)."""
        if self.hf_cache_override is not None:
            return self.hf_cache_override
        return Path.home() / ".cache" / "huggingface" / "hub"

    @property
    def home(self) -> Path:
        if self.home_override is not None:
            return self.home_override
        from platformdirs import user_data_dir

        return Path(user_data_dir("fmscript", appauthor=False))

    @property
    def documents(self) -> Path:
        if self.documents_override is not None:
            return self.documents_override
        import platformdirs

        return Path(platformdirs.user_documents_dir())

    @property
    def temp(self) -> Path:
        return self.temp_override or _system_temp() / "fmscript"

    @property
    def cache(self) -> Path | None:
        """The compiled-script/grammar cache folder, or None when caching is off."""
        if not self.cache_enabled:
            return None
        if self.cache_override is not None:
            return self.cache_override
        uid = os.getuid() if hasattr(os, "getuid") else 0
        return _system_temp() / f"fmscript-cache-{uid}"
