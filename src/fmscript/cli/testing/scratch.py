"""Where a case runs: a scratch copy of its folder, so nothing a script writes lands beside it.

The case file is copied into ``<slot>/case/``; every other entry of its folder (the scripts it
performs, data files, subfolders) is linked there, so relative paths read what lies beside the case
while new files — Export Records, Save Records as JSONL, Create Data File — are written into the
scratch folder. A ``.sqlite`` database is copied to its place in that folder (a fresh copy per case).
The slot also holds the case's ``FMSCRIPT_HOME``, Documents and temporary folders.

A slot belongs to a case's folder and outlives the run: the next case of the same folder finds the
links in place and only what the last case changed is put back (a folder of 1,000 cases does not
cost 1,000 links per case), and its scripts keep the same paths, so the compiled-script cache —
keyed by path — stays warm. Runs at the same time take the next slot (``-2``, ``-3``…, held with
``flock``). Slots of folders that no longer exist are removed when a new slot is made.
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
SOURCE = ".source"  # the folder a slot mirrors
WORK = "case"


@contextlib.contextmanager
def slot_for(case_path: Path) -> Iterator[Path]:
    """A folder reserved for one run of a case of ``case_path``'s folder: empty but for its
    ``case/`` mirror."""
    if fcntl is None:
        folder = Path(tempfile.mkdtemp(prefix="fmscript-test-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    source = str(case_path.parent.resolve())
    base = Path(tempfile.gettempdir()) / f"fmscript-test-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    tag = sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    for n in range(1, 10_000):
        slot = base / f"{tag}-{n}"
        if not slot.exists():
            _prune(base)
        fd = _lock(slot)
        if fd is None:  # another run holds it
            continue
        try:
            (slot / SOURCE).write_text(source, encoding="utf-8", errors="surrogateescape")
            _empty(slot)  # what the last run (or a killed one) left
            yield slot
        finally:
            _empty(slot)
            os.close(fd)  # releases the lock
        return
    raise OSError(f"no free scratch folder for {case_path}")


def _lock(slot: Path) -> int | None:
    """The locked descriptor of ``slot``'s lock file, or None when another run holds it."""
    assert fcntl is not None
    for _ in range(100):
        try:
            slot.mkdir(exist_ok=True)
            fd = os.open(slot / LOCK, os.O_CREAT | os.O_RDWR, 0o600)
        except FileNotFoundError:  # pruned meanwhile: again
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
        os.close(fd)  # the slot was pruned after we opened its lock file: again
    return None


def _prune(base: Path) -> None:
    """Remove the slots whose folder is gone (a test's temporary folder, a deleted suite)."""
    for slot in base.iterdir():
        try:
            source = (slot / SOURCE).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            continue
        if Path(source).is_dir():
            continue
        fd = _lock(slot)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(slot / LOCK)  # first, while locked: a late opener sees the inode change
            shutil.rmtree(slot, ignore_errors=True)
            os.close(fd)


def _empty(slot: Path) -> None:
    for entry in os.scandir(slot):
        if entry.name not in (LOCK, SOURCE, WORK):
            _remove(entry)


def _remove(entry: os.DirEntry[str]) -> None:
    if entry.is_dir(follow_symlinks=False):
        shutil.rmtree(entry.path, ignore_errors=True)  # links inside are removed, never followed
    else:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)


def overlay(case_path: Path, slot: Path) -> Path:
    """``slot/case`` as a copy of the case's folder (the case copied, every other entry linked);
    returns the case file's path inside it."""
    work = slot / WORK
    work.mkdir(exist_ok=True)
    folder = case_path.parent
    wanted = {entry.name: entry.path for entry in os.scandir(folder)}
    for entry in os.scandir(work):
        # A link the last case left alone stays; anything it wrote, replaced or copied goes.
        if entry.is_symlink() and entry.name in wanted and entry.name != case_path.name:
            del wanted[entry.name]
        else:
            _remove(entry)
    for name, path in wanted.items():
        if name != case_path.name:
            _link(Path(path), work / name)
    target = work / case_path.name
    shutil.copyfile(case_path, target)
    return target


def place_copy(database: Path, case_path: Path, slot: Path) -> Path:
    """A fresh copy of a SQLite ``database`` where the case sees it: at its place in the case's
    scratch folder when it lies inside the case's folder (so relative paths resolve as in
    ``fmscript run``), else in the slot."""
    try:
        rel = database.resolve().relative_to(case_path.parent.resolve())
    except ValueError:
        target = slot / "db" / database.name
    else:
        folder = slot / WORK
        for part in rel.parts[:-1]:
            folder = _real_folder(folder / part)
        target = folder / rel.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()  # the link to the original
    shutil.copyfile(database, target)
    return target


def _real_folder(path: Path) -> Path:
    # A linked subfolder becomes a real one whose entries are linked, so a copy can be put in it
    # (the next case's overlay removes it: it is no longer a link).
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
