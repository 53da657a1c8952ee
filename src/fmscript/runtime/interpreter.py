"""The interpreter: a top-down walker over a script's steps, with a call stack of frames.

Control flow (If/Loop/Exit Script/Halt Script) uses precomputed jump tables and signals that are
kept apart from errors. Errors behave like FileMaker Server: each step sets Get ( LastError );
an error that Set Error Capture does not capture is reported (``file:line:col: error NNN``) and
the script goes on, unless ``--halt-on-error``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from fmscript.errors import FMScriptError, ScriptRuntimeError, ScriptSyntaxError
from fmscript.runtime.context import Frame, RunContext, RunOptions, error_meaning
from fmscript.steps.catalogue import spec_for
from fmscript.steps.registry import load_handlers
from fmscript.syntax import ast
from fmscript.syntax.build import check_script
from fmscript.syntax.source import read_text

SCRIPT_SUFFIXES = (".fmscript", ".fmp", ".txt")


class ExitScript(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, result: Any) -> None:
        self.result = result


class HaltScript(Exception):  # noqa: N818
    pass


class HaltOnError(Exception):  # noqa: N818
    def __init__(self, error: FMScriptError) -> None:
        self.error = error


@attrs.frozen
class Blocks:
    """Jump tables for one script: matching If/Else If/Else/End If and Loop/End Loop."""

    chain: dict[int, tuple[int, ...]]  # If / Else If / Else index -> the later branch markers + End If
    end_if: dict[int, int]  # Else If / Else -> End If
    loop_end: dict[int, int]  # Loop -> End Loop
    loop_start: dict[int, int]  # End Loop -> Loop
    enclosing_loop: dict[int, int]  # step index -> innermost Loop index


def analyse_blocks(script: ast.Script) -> tuple[Blocks, list[ScriptSyntaxError]]:
    errors: list[ScriptSyntaxError] = []
    chain: dict[int, tuple[int, ...]] = {}
    end_if: dict[int, int] = {}
    loop_end: dict[int, int] = {}
    loop_start: dict[int, int] = {}
    enclosing: dict[int, int] = {}
    ifs: list[list[int]] = []  # each open If: [if index, else-if/else indices...]
    loops: list[int] = []
    for i, step in enumerate(script.steps):
        if step.disabled:
            continue
        if loops:
            enclosing[i] = loops[-1]
        name = step.name
        if name in ("Else If", "Else", "End If") and ifs and loops and loops[-1] > ifs[-1][0]:
            errors.append(ScriptSyntaxError(f"{name} inside a Loop that started after its If: close the Loop with End Loop first", step.span))
            if name == "End If":
                ifs.pop()
            continue
        if name == "End Loop" and loops and ifs and ifs[-1][0] > loops[-1]:
            errors.append(ScriptSyntaxError("End Loop inside an If that started after its Loop: close the If with End If first", step.span))
            loops.pop()
            continue
        if name == "If":
            ifs.append([i])
        elif name in ("Else If", "Else"):
            if not ifs:
                errors.append(ScriptSyntaxError(f"{name} without a matching If", step.span))
                continue
            if any(script.steps[j].name == "Else" for j in ifs[-1][1:]):
                errors.append(ScriptSyntaxError(f"{name} after Else in the same If", step.span))
            ifs[-1].append(i)
        elif name == "End If":
            if not ifs:
                errors.append(ScriptSyntaxError("End If without a matching If", step.span))
                continue
            group = ifs.pop() + [i]
            for k, idx in enumerate(group[:-1]):
                chain[idx] = tuple(group[k + 1 :])
                if k > 0:
                    end_if[idx] = i
        elif name == "Loop":
            loops.append(i)
        elif name == "End Loop":
            if not loops:
                errors.append(ScriptSyntaxError("End Loop without a matching Loop", step.span))
                continue
            start = loops.pop()
            loop_end[start] = i
            loop_start[i] = start
    for group in ifs:
        errors.append(ScriptSyntaxError("If without a matching End If", script.steps[group[0]].span))
    for start in loops:
        errors.append(ScriptSyntaxError("Loop without a matching End Loop", script.steps[start].span))
    return Blocks(chain, end_if, loop_end, loop_start, enclosing), errors


def load_script(path: Path) -> tuple[ast.Script, list[FMScriptError]]:
    """Parse a script file and check its blocks; returns the script and every error found."""
    try:
        text = read_text(path)  # UTF-8, or UTF-16 with a BOM; else a positioned EncodingError
    except ScriptSyntaxError as exc:
        return ast.Script(path.stem, str(path), ()), [exc]
    script, errors = check_script(text, str(path))
    _, block_errors = analyse_blocks(script)
    all_errors = errors + list(block_errors)
    all_errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
    return script, all_errors


class Interpreter:
    def __init__(self, rt: RunContext) -> None:
        self.rt = rt
        self.handlers = load_handlers()
        self._blocks: dict[int, Blocks] = {}
        self._scripts: dict[str, Path] | None = None
        self._plans: dict[int, list[tuple[ast.Step, Any, bool, bool]]] = {}

    # ------------------------------------------------------------------ scripts by name
    def find_script(self, name: str) -> ast.Script:
        """A sibling script file, matched by name case-insensitively (FileMaker's rule)."""
        if self._scripts is None:
            self._scripts = {}
            for p in sorted(self.rt.script_dir.iterdir()) if self.rt.script_dir.is_dir() else []:
                if p.suffix in SCRIPT_SUFFIXES and p.is_file():
                    self._scripts.setdefault(p.stem.casefold(), p)
        path = self._scripts.get(name.strip().casefold())
        if path is None:
            raise ScriptRuntimeError(
                f"script {name!r} is missing (no {name}.fmscript beside this script)", code=104
            )
        script, errors = load_script(path)
        if errors:
            raise errors[0]
        return script

    def blocks(self, script: ast.Script) -> Blocks:
        b = self._blocks.get(id(script))
        if b is None:
            b, errors = analyse_blocks(script)
            if errors:
                raise errors[0]
            self._blocks[id(script)] = b
        return b

    # ------------------------------------------------------------------ running
    def run(self, script: ast.Script, parameter: Any = "") -> Any:
        """Run a top-level script; returns its Exit Script result ('' when none)."""
        try:
            return self.call(script, parameter)
        except HaltScript:
            return ""

    def call(self, script: ast.Script, parameter: Any = "") -> Any:
        """Run a script in a new frame (Perform Script); returns its result."""
        rt = self.rt
        if len(rt.frames) >= 200:
            raise ScriptRuntimeError("scripts call each other too deeply (200 levels)", code=-1)
        blocks = self.blocks(script)
        rt.frames.append(Frame(script, parameter))
        try:
            self._walk(script, blocks)
            return ""
        except ExitScript as signal:
            return signal.result
        finally:
            frame = rt.frames.pop()
            if not rt.frames:
                rt.final_locals = frame.locals  # kept for the REPL and tests to inspect

    def _plan(self, script: ast.Script) -> list[tuple[ast.Step, Any, bool, bool]]:
        """Per step: (step, handler, skip it, keeps Get ( LastError )) — looked up once."""
        plan = self._plans.get(id(script))
        if plan is None:
            plan = []
            for step in script.steps:
                skip = step.disabled or step.name == "#"
                spec = None if skip else spec_for(step.name)
                handler = None if skip or not spec.implemented else self.handlers.get(step.name)
                plan.append((step, handler, skip, bool(spec and spec.keeps_last_error)))
            self._plans[id(script)] = plan
        return plan

    def _walk(self, script: ast.Script, blocks: Blocks) -> None:
        rt = self.rt
        frame = rt.frame
        plan = self._plan(script)
        n = len(plan)
        frame.pc = 0
        while frame.pc < n:
            step, handler, skip, keeps_error = plan[frame.pc]
            if skip:
                frame.pc += 1
                continue
            try:
                if handler is None:
                    raise ScriptRuntimeError(f"{step.name} is not supported by fmscript", code=3)
                jump = handler(self, step)
                if not keeps_error:
                    rt.last_error = 0
                    rt.last_error_detail = ""
                frame.pc = frame.pc + 1 if jump is None else jump
            except FMScriptError as exc:
                self.step_failed(step, exc)
                frame.pc += 1

    def step_failed(self, step: ast.Step, exc: FMScriptError) -> None:
        rt = self.rt
        # Errors a step raises without a position of their own point at the step's name.
        exc.with_span(
            attrs.evolve(
                step.span,
                end_line=step.span.line,
                end_column=step.span.column + max(1, len(step.written_name)),
            )
        )
        code = exc.code if exc.code is not None else -1
        rt.last_error = code
        rt.last_error_detail = exc.message
        script = rt.frame.script.name if rt.frames else ""
        rt.last_error_location = f"{script}\r{step.name}\r{exc.span.line if exc.span else 0}"
        if rt.error_capture:
            return
        rt.uncaptured_errors += 1
        report_error(rt, exc, code)
        if rt.options.halt_on_error:
            raise HaltOnError(exc)


def report_error(rt: RunContext, exc: FMScriptError, code: int) -> None:
    span = exc.span
    where = f"{span.location()}: " if span else ""
    text = f"{where}error {code} ({error_meaning(code)}): {exc.message}"
    caret = span.caret() if span else ""
    print(text + (f"\n{caret}" if caret else ""), file=rt.err)


def run_file(
    path: str | Path,
    file: str | Path | None = None,
    parameter: str = "",
    options: RunOptions | None = None,
    out: Any = None,
    err: Any = None,
    save: str | Path | None = None,
) -> tuple[int, Any, RunContext]:
    """Run a script file. Returns (exit code, script result, run context)."""
    from fmscript.runtime.session import run_session

    return run_session(Path(path), file, parameter, options or RunOptions(), out, err, save)
