"""Where a case runs: a scratch copy of its folder, so nothing a script writes lands beside it.

The case file is copied into ``<slot>/case/``; every other entry of its folder (the scripts it
performs, data files, subfolders) is linked there, so relative paths read what lies beside the case
while new files — Export Records, Save Records as JSONL, Create Data File — are written into the
scratch folder. A ``.sqlite`` database is copied to its place in that folder (a fresh copy per case).
The slot also holds the case's ``FMSCRIPT_HOME``, Documents and temporary folders.

A case always gets the same slot path (one per case file, ``-2``, ``-3``… when the same case runs
twice at once, held with ``flock``), because the compiled-script cache is keyed by the script's
path: a case that ran before is not parsed again. A slot is emptied before each run and removed
after it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: a fresh folder per run (the compiled-script cache then misses)
    fcntl = None  # type: ignore[assignment]

LOCK = ".lock"


@contextlib.contextmanager
def slot_for(case_path: Path) -> Iterator[Path]:
    """An empty folder reserved for one run of ``case_path``."""
    if fcntl is None:
        folder = Path(tempfile.mkdtemp(prefix="fmscript-test-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = Path(tempfile.gettempdir()) / f"fmscript-test-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    tag = sha256(str(case_path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    for n in range(1, 10_000):
        slot = base / f"{tag}-{n}"
        fd = _lock(slot)
        if fd is None:  # another run holds it
            continue
        try:
            _empty(slot)  # what a killed run left
            yield slot
        finally:
            _empty(slot)
            with contextlib.suppress(OSError):
                os.unlink(slot / LOCK)  # while still locked: nobody can take the slot half-removed
            os.close(fd)
            with contextlib.suppress(OSError):
                slot.rmdir()  # not empty when another run took it in between: then it stays
        return
    raise OSError(f"no free scratch folder for {case_path}")


def _lock(slot: Path) -> int | None:
    """The locked descriptor of ``slot``'s lock file, or None when another run holds it."""
    assert fcntl is not None
    for _ in range(100):
        try:
            slot.mkdir(exist_ok=True)
            fd = os.open(slot / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
        except FileNotFoundError:  # removed by its last user meanwhile: again
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        try:
            current = os.stat(slot / LOCK).st_ino
        except FileNotFoundError:
            current = -1
        if current == os.fstat(fd).st_ino:
            return fd
        os.close(fd)  # we locked a lock file its last user had already removed: again
    return None


def _empty(folder: Path) -> None:
    for entry in os.scandir(folder):
        if entry.name == LOCK:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)  # links inside are removed, never followed
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def overlay(case_path: Path, work: Path) -> Path:
    """``work`` as a copy of the case's folder (the case copied, the rest linked); returns the case
    file's path inside it."""
    work.mkdir()
    for entry in os.scandir(case_path.parent):
        if entry.name != case_path.name:
            _link(Path(entry.path), work / entry.name)
    target = work / case_path.name
    shutil.copyfile(case_path, target)
    return target


def place_copy(database: Path, case_path: Path, work: Path, slot: Path) -> Path:
    """A fresh copy of a SQLite ``database`` where the case sees it: at its place in ``work`` when
    it lies inside the case's folder (so relative paths resolve as in ``fmscript run``), else in the
    slot."""
    try:
        rel = database.resolve().relative_to(case_path.parent.resolve())
    except ValueError:
        target = slot / "db" / database.name
    else:
        folder = work
        for part in rel.parts[:-1]:
            folder = _real_folder(folder / part)
        target = folder / rel.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()  # the link to the original
    shutil.copyfile(database, target)
    return target


def _real_folder(path: Path) -> Path:
    # A linked subfolder becomes a real one whose entries are linked, so a copy can be put in it.
    if path.is_symlink():
        source = path.resolve()
        path.unlink()
        path.mkdir()
        for entry in os.scandir(source):
            _link(Path(entry.path), path / entry.name)
    return path


def _link(source: Path, target: Path) -> None:
    try:
        target.symlink_to(source.resolve(), target_is_directory=source.is_dir())
    except OSError:  # no symlinks here (Windows without the privilege): copy
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copyfile(source, target)
