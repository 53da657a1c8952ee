"""Compiled scripts: a script's AST, its block/jump tables and its step plan, built once.

``load_script(path)`` caches the compiled form for the run by resolved path *and* file identity
(mtime + size), so Perform Script of a sibling file parses it once, an edited file is recompiled,
and nothing is ever keyed by ``id()`` of an object that can be freed (the bug that mixed up two
alternating sub-scripts' plans).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from fmscript.errors import CANNOT_OPEN_FILE, FMScriptError, ScriptRuntimeError
from fmscript.steps.registry import Handler, load_handlers
from fmscript.steps.state import Frame, Value
from fmscript.syntax import ast
from fmscript.syntax.blocks import Blocks, analyse_blocks
from fmscript.syntax.build import check_script
from fmscript.syntax.catalogue import spec_for
from fmscript.syntax.source import EncodingError, decode

SCRIPT_SUFFIXES = (".fmscript", ".fmp", ".txt")


@attrs.frozen
class PlannedStep:
    """A step with what the interpreter needs to run it, looked up once."""

    step: ast.Step
    handler: Handler | None  # None: FileMaker step that fmscript parses but does not run
    skip: bool  # comments and // disabled steps
    keeps_last_error: bool  # steps that do not reset Get ( LastError )


@attrs.frozen
class CompiledScript:
    script: ast.Script
    blocks: Blocks
    plan: tuple[PlannedStep, ...]
    errors: tuple[FMScriptError, ...] = ()

    @property
    def name(self) -> str:
        return self.script.name

    def new_frame(self, parameter: Value = "") -> Frame:
        return Frame(self.script, self.blocks, parameter)


def _plan(script: ast.Script) -> tuple[PlannedStep, ...]:
    handlers = load_handlers()
    plan = []
    for step in script.steps:
        skip = step.disabled or step.name == "#"
        spec = None if skip else spec_for(step.name)
        handler = handlers.get(step.name) if spec is not None and spec.implemented else None
        plan.append(PlannedStep(step, handler, skip, bool(spec and spec.keeps_last_error)))
    return tuple(plan)


def compile_text(text: str, source: str) -> CompiledScript:
    """Parse and check one script's text; every error found is in ``.errors`` (sorted)."""
    script, errors = check_script(text, source)
    blocks, block_errors = analyse_blocks(script)
    all_errors: list[FMScriptError] = [*errors, *block_errors]
    all_errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
    return CompiledScript(script, blocks, _plan(script), tuple(all_errors))


def read_script_text(path: Path) -> str:
    """UTF-8, or UTF-16 with a byte-order mark; anything else raises a positioned EncodingError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptRuntimeError(
            f"cannot read {path}: {exc.strerror or exc}", code=CANNOT_OPEN_FILE
        ) from None
    return decode(data, str(path))


def load_script(path: Path) -> CompiledScript:
    """Compile a script file (not cached: see :class:`ScriptLoader`)."""
    try:
        text = read_script_text(path)
    except EncodingError as exc:  # `file:line:col: EncodingError: not valid UTF-8`, nothing runs
        script = ast.Script(path.stem, str(path), ())
        return CompiledScript(script, analyse_blocks(script)[0], (), (exc,))
    return compile_text(text, str(path))


class ScriptLoader:
    """Compiled scripts of one run, keyed by resolved path and (mtime, size) of the file."""

    def __init__(self, compile_file: Callable[[Path], CompiledScript] = load_script) -> None:
        self._compile = compile_file
        self._cache: dict[Path, tuple[tuple[int, int], CompiledScript]] = {}
        self._listings: dict[Path, dict[str, Path]] = {}

    def load(self, path: Path) -> CompiledScript:
        resolved = path.resolve()
        try:
            st = resolved.stat()
            identity = (st.st_mtime_ns, st.st_size)
        except OSError:
            identity = (-1, -1)
        hit = self._cache.get(resolved)
        if hit is not None and hit[0] == identity:
            return hit[1]
        compiled = self._compile(resolved)
        self._cache[resolved] = (identity, compiled)
        return compiled

    def sibling(self, folder: Path, name: str) -> Path | None:
        """A script file beside the running one, matched by name case-insensitively (FileMaker's rule)."""
        listing = self._listings.get(folder)
        if listing is None:
            listing = {}
            for p in sorted(folder.iterdir()) if folder.is_dir() else []:
                if p.suffix in SCRIPT_SUFFIXES and p.is_file():
                    listing.setdefault(p.stem.casefold(), p)
            self._listings[folder] = listing
        return listing.get(name.strip().casefold())
