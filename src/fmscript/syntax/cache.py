"""The on-disk cache of compiled scripts, like Python's ``__pycache__``.

A script's compiled form (whatever the caller compiles: AST, block tables, step plans) is pickled
under ``<Settings.cache>/compiled/<key>.fmc``, where the key is the SHA-256 of the script text, the
fmscript version, the grammars' text and a stamp of fmscript's own compiler sources (so an edited
fmscript never reads an entry an older one wrote). A warm run unpickles the entry and never imports
Lark.

Safety:

* an entry starts with a header naming its key: a corrupt, truncated, foreign or stale file is
  ignored (and rewritten by the next compile);
* entries are written to a private temporary file in the same folder and renamed over the target
  (``os.replace`` is atomic), so concurrent runs read either the whole old entry or the whole new one;
* pickles are only read from a folder this user owns that others cannot write to (the default
  folder lives in the shared temp dir); otherwise the cache is off for the run;
* ``FMSCRIPT_CACHE=off`` (``Settings.cache`` is None) turns it off; any OS error makes it a miss.
"""

from __future__ import annotations

import os
import pickle
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar, overload

try:  # the C SHA-256 without hashlib's OpenSSL start-up (a few ms of every run)
    from _sha256 import sha256  # Python 3.11
except ImportError:  # pragma: no cover - other Pythons
    try:
        from _sha2 import sha256  # Python 3.12+
    except ImportError:
        from hashlib import sha256

T = TypeVar("T")
_MISSING = object()
_MAGIC = b"fmscript-compiled 2\n"
_SUFFIX = ".fmc"
MAX_ENTRIES = 1000
_SOURCE_DIRS = ("syntax", "runtime")  # the compiler's own modules (their stamp is part of the key)


def _package_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def code_stamp() -> str:
    """fmscript's version, the grammars' text and the compiler sources' (name, size, mtime)."""
    from fmscript._version import __version__
    from fmscript.syntax.parser import grammar_path

    digest = sha256(__version__.encode())
    for name in ("script", "calc"):
        digest.update(grammar_path(name).read_bytes())
    package = _package_dir()
    for folder in _SOURCE_DIRS:
        try:
            entries = sorted(os.scandir(package / folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(".py"):
                info = entry.stat()
                digest.update(f"{folder}/{entry.name}:{info.st_size}:{info.st_mtime_ns};".encode())
    stamp: str = digest.hexdigest()
    return stamp


def _private_folder(folder: Path) -> bool:
    """Create ``folder`` (mode 700) if needed; True when only this user can write into it and
    into the folder above it (the cache root, which may sit in the shared temp dir: another user
    who owned it could swap ``compiled/`` for a folder of their pickles)."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        infos = [folder.stat(), folder.parent.stat()]
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    uid = os.getuid()
    return all(i.st_uid == uid and not i.st_mode & (stat.S_IWGRP | stat.S_IWOTH) for i in infos)


class ScriptCache:
    """Compiled scripts by content; ``ScriptCache(None)`` is a cache that is off."""

    def __init__(self, folder: Path | None, stamp: str | None = None) -> None:
        self.folder = folder / "compiled" if folder is not None else None
        self._stamp = stamp
        self._usable: bool | None = None

    @property
    def enabled(self) -> bool:
        if self._usable is None:
            self._usable = self.folder is not None and _private_folder(self.folder)
        return self._usable

    def key(self, text: str, source: str = "") -> str:
        """The entry's name: the script's text and source name (positions in the compiled form
        name the file), and fmscript's code stamp."""
        if self._stamp is None:
            self._stamp = code_stamp()
        material = "\0".join((self._stamp, source, text))
        key: str = sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
        return key

    def path(self, text: str, source: str = "") -> Path | None:
        return self.folder / (self.key(text, source) + _SUFFIX) if self.enabled and self.folder else None

    def get(self, text: str, source: str = "") -> object | None:
        """The compiled form stored for ``text``, or None (missing, corrupt, foreign, off)."""
        path = self.path(text, source)
        if path is None:
            return None
        header = _MAGIC + path.stem.encode() + b"\n"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(header):
            return None
        try:
            found: object = pickle.loads(memoryview(data)[len(header) :])
            return found
        except Exception:  # a damaged pickle can raise almost anything; it is just a miss
            return None

    def put(self, text: str, source: str, compiled: object) -> None:
        """Store ``compiled`` for ``text`` (atomically; failures are ignored: it is only a cache)."""
        path = self.path(text, source)
        if path is None:
            return
        import tempfile  # only when writing: a warm run does not need it

        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=_SUFFIX)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + path.stem.encode() + b"\n")
                # Straight into the file: no second copy of the entry in memory.
                pickle.dump(compiled, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except Exception:  # an OS error, or something unpicklable inside: run without caching
            Path(tmp).unlink(missing_ok=True)
            return
        self._prune(path.parent)

    @staticmethod
    def _prune(folder: Path) -> None:
        """Keep the folder small: past MAX_ENTRIES entries, the oldest written go (only cold runs
        write, so this never slows a warm one)."""
        try:
            entries = [e for e in os.scandir(folder) if e.name.endswith(_SUFFIX)]
            if len(entries) <= MAX_ENTRIES:
                return
            entries.sort(key=lambda e: e.stat().st_mtime_ns)
            for entry in entries[: len(entries) - MAX_ENTRIES * 4 // 5]:
                Path(entry.path).unlink(missing_ok=True)
        except OSError:
            pass


class _Encoded:
    """Pickles as the list ``[pickle.dumps(item) for item in items]``, each blob made as the
    pickler reaches it (``__reduce__``'s list items may be an iterator)."""

    __slots__ = ("items",)

    def __init__(self, items: Sequence[object]) -> None:
        self.items = items

    def __reduce__(self) -> tuple[object, ...]:
        blobs = (pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL) for item in self.items)
        return (list, (), None, blobs)


class LazyTuple(Sequence[T]):
    """A tuple whose items are unpickled on first access (a warm run decodes only the steps it
    runs). Behaves as a tuple for indexing, slicing, iteration, ``len`` and equality."""

    __slots__ = ("_blobs", "_items")

    def __init__(self, blobs: list[bytes]) -> None:
        self._blobs: list[bytes | None] = list(blobs)
        self._items: list[object] = [_MISSING] * len(blobs)

    @classmethod
    def encode(cls, items: Sequence[object]) -> _Encoded:
        """The items' blobs, made while the cache entry is written: pickled, this is the list of
        blobs, but only a batch of them is ever in memory (not a blob per step of a 1 MB script
        beside its AST)."""
        return _Encoded(items)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        item = self._items[index]
        if item is _MISSING:
            blob = self._blobs[index]
            assert blob is not None
            item = self._items[index] = pickle.loads(blob)
            self._blobs[index] = None
        return item  # type: ignore[return-value]

    def __iter__(self) -> Iterator[T]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, LazyTuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"LazyTuple({len(self)} items)"

    def __reduce__(self) -> tuple[object, ...]:
        return (tuple, (tuple(self),))
