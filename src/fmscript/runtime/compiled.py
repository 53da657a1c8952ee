"""Compiled scripts: a script's AST, its block/jump tables and its step plan, built once.

``load_script(path)`` caches the compiled form for the run by resolved path *and* file identity
(mtime + size), so Perform Script of a sibling file parses it once, an edited file is recompiled,
and nothing is ever keyed by ``id()`` of an object that can be freed (the bug that mixed up two
alternating sub-scripts' plans).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

import attrs

from fmscript.errors import CANNOT_OPEN_FILE, FMScriptError, ScriptRuntimeError
from fmscript.steps.registry import Handler, Specializer, handler_for, specializer_for
from fmscript.steps.state import Frame, Runner, StepContext, Value
from fmscript.syntax import ast
from fmscript.syntax.blocks import BlockAnalysis, Blocks, analyse_blocks
from fmscript.syntax.cache import LazyTuple, ScriptCache
from fmscript.syntax.catalogue import StepSpec, spec_for
from fmscript.syntax.source import EncodingError, decode

SCRIPT_SUFFIXES = (".fmscript", ".fmp", ".txt")
# Scripts longer than this are not stored in the disk cache: the entry would cost as much memory
# to write as the script itself (a 10 MB text constant), for a start-up gain nobody would notice.
MAX_CACHED_TEXT = 1_000_000
# Scripts longer than this keep their steps as offsets into their text (memory per line; issue 22).
COMPACT_FROM = MAX_CACHED_TEXT


@attrs.frozen
class PlannedStep:
    """A step with what the interpreter needs to run it, looked up once."""

    step: ast.Step
    handler: Handler | None  # None: FileMaker step that fmscript parses but does not run
    skip: bool  # comments and // disabled steps
    keeps_last_error: bool  # steps that do not reset Get ( LastError )
    specializer: Specializer | None = None  # the step's hot-loop runner, if its spec names one


@attrs.frozen
class CompiledScript:
    script: ast.Script
    blocks: Blocks
    plan: Sequence[PlannedStep]  # a tuple, or lazy when read from the disk cache
    errors: tuple[FMScriptError, ...] = ()

    @property
    def name(self) -> str:
        return self.script.name

    def new_frame(self, parameter: Value = "") -> Frame:
        return Frame(self.script, self.blocks, parameter)


def _planned(step: ast.Step) -> PlannedStep:
    skip = step.disabled or step.name == "#"
    spec = None if skip else spec_for(step.name)
    if spec is None or not spec.implemented:
        return PlannedStep(step, None, skip, bool(spec and spec.keeps_last_error))
    handler, specializer = _behaviour(spec)
    return PlannedStep(step, handler, skip, spec.keeps_last_error, specializer)


# Per step (English name): its handler and specializer as the planner runs them.
_BEHAVIOUR: dict[str, tuple[Handler, Specializer | None]] = {}


def _behaviour(spec: StepSpec) -> tuple[Handler, Specializer | None]:
    """A step's handler and specializer, with the open record committed first when the step leaves
    the record or reads the whole table (``StepSpec.commits_first``, see ``steps/records.py``)."""
    found = _BEHAVIOUR.get(spec.name)
    if found is None:
        handler = handler_for(spec)
        assert handler is not None
        specializer = specializer_for(spec)
        if spec.commits_first:
            handler = _committing(handler)
            specializer = _committing_specializer(specializer) if specializer else None
        found = _BEHAVIOUR[spec.name] = (handler, specializer)
    return found


def _committing(handler: Handler) -> Handler:
    def committing(ctx: StepContext, step: ast.Step) -> int | None:
        ctx.data.commit_records()
        return handler(ctx, step)

    return committing


def _committing_specializer(specialize: Specializer) -> Specializer:
    def specialize_committing(
        ctx: StepContext, step: ast.Step, index: int, blocks: Blocks, n: int
    ) -> Runner | None:
        run = specialize(ctx, step, index, blocks, n)
        if run is None:
            return None
        commit, run_ = ctx.data.commit_records, run

        def committing(frame: Frame) -> int | None:
            commit()
            return run_(frame)

        return committing

    return specialize_committing


def _plan(script: ast.Script) -> tuple[PlannedStep, ...]:
    return tuple(_planned(step) for step in script.steps)


class _LazyPlan(list[Any]):
    """The plan of a script read from the disk cache: a step is decoded and planned when it first
    runs (or is looked at), so a warm start costs little whatever the script's length. A list, so
    the interpreter's ``plan[pc]`` stays a C-level index: each slot holds a :class:`_Pending` until
    its step is first used, then the :class:`PlannedStep`."""

    def __init__(self, steps: Sequence[ast.Step]) -> None:
        super().__init__(_Pending(self, steps, i) for i in range(len(steps)))


class _Pending:
    """A plan slot not planned yet: any attribute plans it, puts it in the slot, and answers."""

    __slots__ = ("_index", "_plan", "_steps")

    def __init__(self, plan: _LazyPlan, steps: Sequence[ast.Step], index: int) -> None:
        self._plan, self._steps, self._index = plan, steps, index

    def _real(self) -> PlannedStep:
        planned = self._plan[self._index]
        if planned is self:
            planned = self._plan[self._index] = _planned(self._steps[self._index])
        return planned  # type: ignore[no-any-return]

    @property
    def step(self) -> ast.Step:
        return self._real().step

    @property
    def handler(self) -> Handler | None:
        return self._real().handler

    @property
    def skip(self) -> bool:
        return self._real().skip

    @property
    def keeps_last_error(self) -> bool:
        return self._real().keeps_last_error

    @property
    def specializer(self) -> Specializer | None:
        return self._real().specializer


class _ViewPlan(Sequence[PlannedStep]):
    """The plan of a big script (:data:`COMPACT_FROM`): a step is planned each time it is asked
    for (on its first and second run; see ``Interpreter._first_use``), nothing is kept per step."""

    __slots__ = ("_steps",)

    def __init__(self, steps: Sequence[ast.Step]) -> None:
        self._steps = steps

    def __len__(self) -> int:
        return len(self._steps)

    @overload
    def __getitem__(self, index: int) -> PlannedStep: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[PlannedStep, ...]: ...
    def __getitem__(self, index: int | slice) -> PlannedStep | tuple[PlannedStep, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        return _planned(self._steps[index])


def compile_text(text: str, source: str) -> CompiledScript:
    """Parse and check one script's text; every error found is in ``.errors`` (sorted). A script
    longer than :data:`COMPACT_FROM` keeps its steps as offsets into its text (``CompactSteps``):
    a step costs ~100 bytes instead of ~1 KB of objects, and is built again when it runs."""
    from fmscript.syntax.build import check_script  # Lark: only when a script is really parsed

    if len(text) > COMPACT_FROM:
        analysis = BlockAnalysis()
        count = 0

        def feed(step: ast.Step) -> None:
            nonlocal count
            analysis.feed(count, step)
            count += 1

        script, errors = check_script(text, source, sink=feed, compact=True)
        blocks, block_errors = analysis.finish()
        plan: Sequence[PlannedStep] = _ViewPlan(script.steps)
    else:
        script, errors = check_script(text, source)
        blocks, block_errors = analyse_blocks(script)
        plan = _plan(script)
    all_errors: list[FMScriptError] = [*errors, *block_errors]
    all_errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
    return CompiledScript(script, blocks, plan, tuple(all_errors))


def check_file(path: Path, each_step: Callable[[ast.Step], None]) -> tuple[int, list[FMScriptError]]:
    """``fmscript check`` of one file without keeping its steps: each step goes to ``each_step``
    as it is built, then is freed, so memory stays near the file's own size whatever its length.
    Returns the number of steps and every parse and block error (sorted)."""
    from fmscript.syntax.build import check_script  # Lark: only when a script is really parsed

    try:
        text = read_script_text(path)
    except EncodingError as exc:
        return 0, [exc]
    analysis = BlockAnalysis(tables=False)
    count = 0

    def step(step: ast.Step) -> None:
        nonlocal count
        analysis.feed(count, step)
        count += 1
        each_step(step)

    _script, errors = check_script(text, str(path), sink=step)
    all_errors: list[FMScriptError] = [*errors, *analysis.finish()[1]]
    all_errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
    return count, all_errors


def read_script_text(path: Path) -> str:
    """UTF-8, or UTF-16 with a byte-order mark; anything else raises a positioned EncodingError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ScriptRuntimeError(
            f"cannot read {path}: {exc.strerror or exc}", code=CANNOT_OPEN_FILE
        ) from None
    return decode(data, str(path))


def load_script(path: Path, cache: ScriptCache | None = None) -> CompiledScript:
    """Compile a script file, or read its compiled form from the on-disk ``cache`` (for the run,
    see :class:`ScriptLoader`). Only scripts without errors are stored."""
    try:
        text = read_script_text(path)
    except EncodingError as exc:  # `file:line:col: EncodingError: not valid UTF-8`, nothing runs
        script = ast.Script(path.stem, str(path), ())
        return CompiledScript(script, analyse_blocks(script)[0], (), (exc,))
    source = str(path)
    if cache is None:
        return compile_text(text, source)
    hit = cache.get(text, source)
    if isinstance(hit, tuple) and len(hit) == 3:
        # The script without its steps, each step pickled on its own, the block tables; the plan
        # (handler functions) is rebuilt, lazily like the steps.
        shell, blobs, blocks = hit
        steps: LazyTuple[ast.Step] = LazyTuple(blobs)
        script = attrs.evolve(shell, steps=steps, source=shell.source or text)
        return CompiledScript(script, blocks, _LazyPlan(steps))
    compiled = compile_text(text, source)
    if not compiled.errors and len(text) <= MAX_CACHED_TEXT and cache.enabled:
        script = compiled.script
        # The shell keeps the source text only when it is not the file's text itself.
        shell = attrs.evolve(script, steps=(), source="" if script.source == text else script.source)
        # Each step pickled on its own as the entry is written (a calculation nested thousands
        # deep cannot be pickled: that script runs without being cached).
        cache.put(text, source, (shell, LazyTuple.encode(script.steps), compiled.blocks))
    return compiled


class ScriptLoader:
    """Compiled scripts of one run, keyed by resolved path and (mtime, size) of the file."""

    def __init__(
        self, compile_file: Callable[[Path], CompiledScript] | None = None, cache: ScriptCache | None = None
    ) -> None:
        self._compile = compile_file or functools.partial(load_script, cache=cache)
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
