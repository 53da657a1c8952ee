"""Data files: the files scripts create, read and write with the data file steps (FileMaker 18+).

Claris pages followed ("Create Data File", "Open Data File", "Write to Data File", "Read from Data
File", "Get Data File Position", "Set Data File Position", "Close Data File", "Delete File",
"Rename File", "Get File Exists", "Get File Size"):

- Create Data File makes an empty, closed file; a file that already exists is overwritten (emptied:
  the FileMaker 19+ page; the 18 page said error 300), a file that is open or a folder that cannot
  be reached is error 300 ("file is locked or in use"), unless *Create folders* makes the folders.
- Open Data File gives a file ID; the read-write position starts at 0. A file that is already
  open is error 300; at most 25 data files are open at a time (the 26th is error 2, "memory
  error"). A missing file is error 100 ("file is missing").
- Write to Data File overwrites the bytes at the read-write position and moves it past them;
  text is written as UTF-16 (little endian, FileMaker's default) or UTF-8, optionally followed
  by a line feed.
- Read from Data File reads *Amount* bytes (UTF-8, Bytes) or UTF-16 code units from the position,
  or the rest of the file when no amount is given; reading at the end of the file is error 10
  ("requested data is missing") and leaves the target empty, so the page's Example 3 loop
  (concatenate the chunk when the error is 0 or 10) adds nothing twice. A last chunk shorter than
  *Amount* is read without an error.
- Set Data File Position to a negative position is an error (the page: "returns an error"; fmscript
  uses 14, "out of range"); a position past the end stays at the end.
- Delete File / Rename File / Get File Size on a missing file are error 100; renaming onto a name
  that exists, or a file that is open, is error 300.

*Choice*: a file ID that is not open is error 300 as well (the pages do not say); file IDs count
up from 1 for the run and are not reused. Files are opened unbuffered, so whatever one step
writes the next step (or another program) reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import attrs

from fmscript.errors import (
    DATA_MISSING,
    FILE_LOCKED,
    MEMORY_ERROR,
    NO_OPEN_FILE,
    OUT_OF_RANGE,
    ScriptRuntimeError,
)

MAX_OPEN = 25

ENCODINGS = {"UTF-16": "utf-16-le", "UTF-8": "utf-8"}


@attrs.define
class _OpenFile:
    path: Path
    handle: BinaryIO


@attrs.define
class DataFiles:
    """The data files a run has open, by file ID."""

    _open: dict[int, _OpenFile] = attrs.field(factory=dict)
    _next_id: int = 1

    # ------------------------------------------------------------------ whole files
    def create(self, path: Path, *, create_folders: bool = False) -> None:
        if path.exists() and (not path.is_file() or self._id_of(path) is not None):
            raise ScriptRuntimeError(f"{path} is open or is not a file", code=FILE_LOCKED)
        if create_folders:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise ScriptRuntimeError(
                    f"cannot create the folder {path.parent}: {e}", code=FILE_LOCKED
                ) from e
        try:
            with open(path, "wb"):  # an existing file is overwritten (FileMaker 19+)
                pass
        except OSError as e:
            raise ScriptRuntimeError(f"cannot create {path}: {e.strerror or e}", code=FILE_LOCKED) from e

    def exists(self, path: Path) -> bool:
        return path.is_file()

    def size(self, path: Path) -> int:
        try:
            return path.stat().st_size if path.is_file() else _missing(path)
        except OSError as e:
            raise ScriptRuntimeError(f"cannot read {path}: {e.strerror or e}", code=NO_OPEN_FILE) from e

    def delete(self, path: Path) -> None:
        if not path.is_file():
            _missing(path)
        if self._id_of(path) is not None:
            raise ScriptRuntimeError(f"{path} is open (Close Data File first)", code=FILE_LOCKED)
        try:
            path.unlink()
        except OSError as e:
            raise ScriptRuntimeError(f"cannot delete {path}: {e.strerror or e}", code=FILE_LOCKED) from e

    def rename(self, path: Path, new_name: str) -> Path:
        """Rename a file inside its folder (the new name is a file name, not a path)."""
        if not path.is_file():
            _missing(path)
        if not new_name or "/" in new_name or "\\" in new_name or new_name in (".", ".."):
            raise ScriptRuntimeError(f"{new_name!r} is not a file name", code=FILE_LOCKED)
        target = path.with_name(new_name)
        if target.exists() or self._id_of(path) is not None:
            raise ScriptRuntimeError(
                f"cannot rename {path} to {new_name}: the name is in use", code=FILE_LOCKED
            )
        try:
            path.rename(target)
        except OSError as e:
            raise ScriptRuntimeError(f"cannot rename {path}: {e.strerror or e}", code=FILE_LOCKED) from e
        return target

    # ------------------------------------------------------------------ open files
    def open(self, path: Path) -> int:
        if not path.is_file():
            _missing(path)
        if self._id_of(path) is not None:
            raise ScriptRuntimeError(f"{path} is already open", code=FILE_LOCKED)
        if len(self._open) >= MAX_OPEN:
            raise ScriptRuntimeError(f"only {MAX_OPEN} data files can be open at a time", code=MEMORY_ERROR)
        try:
            handle = open(path, "r+b", buffering=0)  # noqa: SIM115 - stays open until Close Data File
        except OSError as e:
            raise ScriptRuntimeError(f"cannot open {path}: {e.strerror or e}", code=FILE_LOCKED) from e
        fid = self._next_id
        self._next_id += 1
        self._open[fid] = _OpenFile(path, handle)  # type: ignore[arg-type]
        return fid

    def write(self, fid: int, data: bytes) -> None:
        handle = self._get(fid).handle
        view = memoryview(data)
        while view:  # an unbuffered write may write less than asked
            written = handle.write(view)
            view = view[written or 0 :]

    def read(self, fid: int, amount: int | None, unit: int = 1) -> bytes:
        """``amount`` units of ``unit`` bytes from the position (None: to the end)."""
        handle = self._get(fid).handle
        size = os.fstat(handle.fileno()).st_size
        if handle.tell() >= size:
            raise ScriptRuntimeError("the end of the data file was reached", code=DATA_MISSING)
        want = size - handle.tell() if amount is None else max(amount, 0) * unit
        chunks = []
        while want > 0:
            chunk = handle.read(want)
            if not chunk:
                break
            chunks.append(chunk)
            want -= len(chunk)
        return b"".join(chunks)

    def position(self, fid: int) -> int:
        return self._get(fid).handle.tell()

    def set_position(self, fid: int, position: int) -> None:
        """*Choice*: a position past the end stays at the end; a negative one is error 14."""
        handle = self._get(fid).handle
        if position < 0:
            raise ScriptRuntimeError(f"the position {position} is negative", code=OUT_OF_RANGE)
        size = os.fstat(handle.fileno()).st_size
        handle.seek(min(position, size))

    def close(self, fid: int) -> None:
        entry = self._get(fid)
        entry.handle.close()
        del self._open[fid]

    def close_all(self) -> None:
        for entry in self._open.values():
            entry.handle.close()
        self._open.clear()

    def info(self) -> list[tuple[int, Path, int]]:
        """(file ID, path, position) of every open data file, in ID order."""
        return [(fid, entry.path, entry.handle.tell()) for fid, entry in sorted(self._open.items())]

    # ------------------------------------------------------------------ internals
    def _get(self, fid: int) -> _OpenFile:
        entry = self._open.get(fid)
        if entry is None:
            raise ScriptRuntimeError(f"no data file is open with file ID {fid}", code=FILE_LOCKED)
        return entry

    def _id_of(self, path: Path) -> int | None:
        wanted = _same(path)
        for fid, entry in self._open.items():
            if _same(entry.path) == wanted:
                return fid
        return None


def _same(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


def _missing(path: Path) -> int:
    raise ScriptRuntimeError(f"the file {path} is missing", code=NO_OPEN_FILE)


def decode(data: bytes, encoding: str, *, at_start: bool) -> str:
    """Text read from a data file; a byte-order mark at the start of the file is not text."""
    codec = ENCODINGS.get(encoding, "utf-8")
    if at_start:
        bom = {"utf-16-le": b"\xff\xfe", "utf-8": b"\xef\xbb\xbf"}[codec]
        if data.startswith(bom):
            data = data[len(bom) :]
    return data.decode(codec, errors="replace")


def encode(text: str, encoding: str, *, append_line_feed: bool) -> bytes:
    if append_line_feed:
        text += "\n"
    return text.encode(ENCODINGS.get(encoding, "utf-16-le"), errors="surrogatepass")
