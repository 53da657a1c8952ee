"""API keys of ``fmscript serve``: created by ``fmscript keys create NAME``, stored hashed.

The key itself (``fmk-`` + 43 random URL-safe characters) is shown once, when it is created; the
store keeps only its SHA-256 (a 256-bit random secret needs no slow hash), a short prefix to tell
keys apart, and the dates. The file is ``<home>/api-keys.json`` (mode 0600), rewritten atomically,
and re-read when it changes, so ``fmscript keys revoke`` takes effect on a running server at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from fmscript.ai import home as homes
from fmscript.ai.errors import BAD_NAME, CANNOT_CREATE_FILE, CANNOT_OPEN_FILE, ai_error

KEY_PREFIX = "fmk-"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
NAME_EXISTS = 12  # FileMaker: "name already exists"
NAME_MISSING = 10  # FileMaker: "requested data is missing"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Keys(Protocol):
    """API keys, wherever they are kept (a file in the home, or a shared PostgreSQL store)."""

    def entries(self) -> list[dict[str, Any]]: ...

    def verify(self, key: str) -> str | None: ...

    def create(self, name: str) -> str: ...

    def revoke(self, name: str) -> None: ...


def open_keys(home: Path, store_url: str = "") -> Keys:
    """The API keys of ``home``, or of the PostgreSQL store ``store_url`` (shared by replicas)."""
    if store_url.startswith(("postgresql://", "postgres://")):
        return PostgresKeys(store_url)
    return KeyStore(home)


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ai_error(
            f"key name {name!r} may hold only letters, digits, '.', '_', '@' and '-' (1-64 characters)",
            BAD_NAME,
        )


class KeyStore:
    """The API keys of one fmscript home."""

    def __init__(self, home: Path) -> None:
        self.home = homes.ensure_home(home)
        self.path = self.home / "api-keys.json"
        self._lock = threading.Lock()
        self._cache: tuple[int, list[dict[str, Any]]] | None = None

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> list[dict[str, Any]]:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return []
        with self._lock:
            if self._cache is not None and self._cache[0] == stamp:
                return self._cache[1]
            try:
                data = json.loads(self.path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise ai_error(f"cannot read the API key file {self.path}: {exc}", CANNOT_OPEN_FILE) from None
            keys = [k for k in data.get("keys", []) if isinstance(k, dict)] if isinstance(data, dict) else []
            self._cache = (stamp, keys)
            return keys

    def entries(self) -> list[dict[str, Any]]:
        """Every key (active and revoked), without hashes: name, prefix, created_at, revoked_at."""
        return [{k: v for k, v in key.items() if k != "sha256"} for key in self._load()]

    def verify(self, key: str) -> str | None:
        """The name of the active key ``key`` is, or None."""
        if not key.startswith(KEY_PREFIX):
            return None
        digest = hash_key(key)
        found = None
        for entry in self._load():
            # compare_digest against every entry: the time taken does not depend on which matched.
            if hmac.compare_digest(str(entry.get("sha256", "")), digest) and not entry.get("revoked_at"):
                found = str(entry.get("name"))
        return found

    # -- writing ---------------------------------------------------------------------------------

    def _save(self, keys: list[dict[str, Any]]) -> None:
        tmp = self.path.with_name(f".api-keys-{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"keys": keys}, out, indent=1)
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ai_error(f"cannot write the API key file {self.path}: {exc}", CANNOT_CREATE_FILE) from None
        with self._lock:
            self._cache = None

    def create(self, name: str) -> str:
        """A new key named ``name``; returns the key (the only time it is available)."""
        check_name(name)
        keys = list(self._load())
        if any(k.get("name") == name and not k.get("revoked_at") for k in keys):
            raise ai_error(f"an active key named {name!r} exists (revoke it first)", NAME_EXISTS)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        keys = [k for k in keys if k.get("name") != name]
        keys.append(
            {
                "name": name,
                "prefix": key[: len(KEY_PREFIX) + 4],
                "sha256": hash_key(key),
                "created_at": int(time.time()),
                "revoked_at": None,
            }
        )
        self._save(keys)
        return key

    def revoke(self, name: str) -> None:
        keys = [dict(k) for k in self._load()]
        for entry in keys:
            if entry.get("name") == name and not entry.get("revoked_at"):
                entry["revoked_at"] = int(time.time())
                self._save(keys)
                return
        raise ai_error(f"no active API key named {name!r}", NAME_MISSING)


class PostgresKeys:
    """The server's API keys in the shared store (``api_keys``: name, prefix, SHA-256, dates), so
    every replica accepts the same keys; a revoked key is refused by all at once."""

    def __init__(self, url: str) -> None:
        from fmscript.ai.jobs.pg_migrations import MIGRATIONS
        from fmscript.ai.jobs.postgres import PostgresDatabase

        self.db = PostgresDatabase(url, MIGRATIONS)

    def entries(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT name, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at")
        return [dict(row) for row in rows]

    def verify(self, key: str) -> str | None:
        if not key.startswith(KEY_PREFIX):
            return None
        rows = self.db.query(
            "SELECT name FROM api_keys WHERE sha256 = ? AND revoked_at IS NULL", (hash_key(key),)
        )
        return str(rows[0]["name"]) if rows else None

    def create(self, name: str) -> str:
        check_name(name)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.db.tx() as tx:
            tx.execute("LOCK TABLE api_keys IN EXCLUSIVE MODE")
            if tx.execute("SELECT 1 FROM api_keys WHERE name = ? AND revoked_at IS NULL", (name,)).fetchone():
                raise ai_error(f"an active key named {name!r} exists (revoke it first)", NAME_EXISTS)
            tx.execute("DELETE FROM api_keys WHERE name = ?", (name,))
            tx.execute(
                "INSERT INTO api_keys (name, prefix, sha256, created_at, revoked_at) VALUES (?, ?, ?, ?, NULL)",
                (name, key[: len(KEY_PREFIX) + 4], hash_key(key), int(time.time())),
            )
        return key

    def revoke(self, name: str) -> None:
        with self.db.tx() as tx:
            done = tx.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (int(time.time()), name),
            ).rowcount
        if not done:
            raise ai_error(f"no active API key named {name!r}", NAME_MISSING)
