"""The interpreter: a top-down walker over a compiled script's step plan, with a call stack of frames.

Control flow (If/Loop/Exit Script/Halt Script) uses the compiled jump tables and signals that are
kept apart from errors. Errors behave like FileMaker Server: each step sets Get ( LastError );
an error that Set Error Capture does not capture is reported (``file:line:col: error NNN``) and
the script goes on, unless ``--halt-on-error``.
"""

from __future__ import annotations

import attrs

from fmscript.errors import (
    COMMAND_UNAVAILABLE,
    SCRIPT_MISSING,
    UNKNOWN_ERROR,
    FMScriptError,
    ScriptRuntimeError,
    error_meaning,
)
from fmscript.runtime.compiled import CompiledScript, ScriptLoader
from fmscript.steps.signals import ExitScript, HaltOnError, HaltScript
from fmscript.steps.state import Frame, Runner, StepContext, Value
from fmscript.syntax import ast

MAX_CALL_DEPTH = 200  # Perform Script nesting
# What the walk runs for a step, and whether a success then clears Get ( LastError ).
Entry = tuple[Runner, bool]


class Interpreter:
    # False: every step runs through its handler, never a specialised runner (tests/test_runners.py
    # runs the conformance scripts both ways and requires the same results).
    specialize = True

    def __init__(self, ctx: StepContext, loader: ScriptLoader | None = None) -> None:
        self.ctx = ctx
        self.loader = loader or ScriptLoader()
        ctx.perform_script = self.perform_script
        # Per compiled script (by identity): its step runners for this run (see walk).
        self._runner_cache: dict[int, tuple[CompiledScript, list[Entry | None], tuple[Entry, Entry]]] = {}

    # ------------------------------------------------------------------ scripts by name
    def find_script(self, name: str) -> CompiledScript:
        """A sibling script file, matched by name case-insensitively (FileMaker's rule)."""
        path = self.loader.sibling(self.ctx.script_dir, name)
        if path is None:
            raise ScriptRuntimeError(
                f"script {name!r} is missing (no {name}.fmscript beside this script)", code=SCRIPT_MISSING
            )
        compiled = self.loader.load(path)
        if compiled.errors:
            raise compiled.errors[0]
        return compiled

    def perform_script(self, name: str, parameter: Value) -> Value:
        return self.call(self.find_script(name), parameter)

    # ------------------------------------------------------------------ running
    def run(self, compiled: CompiledScript, parameter: Value = "") -> Value:
        """Run a top-level script; returns its Exit Script result ('' when none)."""
        try:
            return self.call(compiled, parameter)
        except HaltScript:
            return ""

    def call(self, compiled: CompiledScript, parameter: Value = "") -> Value:
        """Run a script in a new frame (Perform Script); returns its result."""
        variables = self.ctx.vars
        if len(variables.frames) >= MAX_CALL_DEPTH:
            raise ScriptRuntimeError(
                f"scripts call each other too deeply ({MAX_CALL_DEPTH} levels)", code=UNKNOWN_ERROR
            )
        variables.frames.append(compiled.new_frame(parameter))
        try:
            self.walk(compiled)
            return ""
        except ExitScript as signal:
            return signal.result
        finally:
            frame = variables.frames.pop()
            if not variables.frames:
                variables.final_locals = frame.locals  # kept for the REPL and tests to inspect

    def walk(self, compiled: CompiledScript, start: int = 0) -> None:
        """Run the current frame's steps from ``start`` to the end."""
        errors = self.ctx.errors
        settle = errors.settle
        frame = self.ctx.vars.frame
        plan = compiled.plan
        runners, again = self._runners(compiled)
        n = len(plan)
        pc = start
        while pc < n:
            entry = runners[pc]
            if entry is None:
                entry = self._first_use(compiled, pc, runners, again)
            run, settles = entry
            frame.pc = pc
            try:
                jump = run(frame)
            except FMScriptError as exc:
                self.step_failed(plan[pc].step, exc)
                pc = frame.pc + 1  # a failing If points at the Else If that failed
                continue
            # A step that succeeded clears Get ( LastError ) (settle), unless it keeps it.
            if settles and (errors.last or errors.quiet is not None or errors.detail):
                settle()
            pc = frame.pc + 1 if jump is None else jump
        frame.pc = pc

    # ------------------------------------------------------------------ step runners
    # A step's runner is built on its *second* run and kept from then on (a loop's steps): the
    # first run goes through the step's handler and leaves in its slot an entry shared by the
    # whole script, so a script of 200,000 steps run once holds no runner per step at its end.
    def _runners(self, compiled: CompiledScript) -> tuple[list[Entry | None], tuple[Entry, Entry]]:
        """The runners of a script's steps for this run, and its two "build on the next run"
        entries (for steps that keep Get ( LastError ) and for those that settle it)."""
        hit = self._runner_cache.get(id(compiled))
        if hit is not None and hit[0] is compiled:
            return hit[1], hit[2]
        if len(self._runner_cache) > 1000:  # the REPL compiles every entry: keep it bounded
            self._runner_cache.clear()
        runners: list[Entry | None] = [None] * len(compiled.plan)

        def build_and_run(frame: Frame) -> int | None:
            pc = frame.pc  # the walk sets it before running a step
            entry = runners[pc] = self._runner(compiled, pc)
            return entry[0](frame)

        again = ((build_and_run, False), (build_and_run, True))
        self._runner_cache[id(compiled)] = (compiled, runners, again)
        return runners, again

    def _first_use(
        self, compiled: CompiledScript, pc: int, runners: list[Entry | None], again: tuple[Entry, Entry]
    ) -> Entry:
        """What step ``pc`` does on its first run: its handler, built for this once."""
        entry = self._runner(compiled, pc, specialize=False)
        runners[pc] = _SKIPPED if entry is _SKIPPED else again[entry[1]]
        return entry

    def _runner(self, compiled: CompiledScript, pc: int, specialize: bool = True) -> Entry:
        """What running step ``pc`` does, and whether it then clears Get ( LastError )."""
        planned = compiled.plan[pc]
        if planned.skip:  # comments and disabled steps: nothing at all, LastError untouched
            return _SKIPPED
        step, handler, ctx = planned.step, planned.handler, self.ctx
        if handler is None:

            def unsupported(frame: Frame) -> None:
                raise ScriptRuntimeError(
                    f"{step.name} is not supported by fmscript", code=COMMAND_UNAVAILABLE
                )

            return unsupported, False
        settles = not planned.keeps_last_error
        specializer = planned.specializer if self.specialize and specialize else None
        if specializer is not None:
            try:
                fast = specializer(ctx, step, pc, compiled.blocks, len(compiled.plan))
            except FMScriptError:
                fast = None  # e.g. an unknown function: the handler reports it when the step runs
            if fast is not None:
                return fast, settles

        def general(frame: Frame) -> int | None:
            return handler(ctx, step)

        return general, settles

    def step_failed(self, step: ast.Step, exc: FMScriptError) -> None:
        ctx = self.ctx
        errors = ctx.errors
        # Errors a step raises without a position of their own point at the step's name.
        exc.with_span(
            attrs.evolve(
                step.span,
                end_line=step.span.line,
                end_column=step.span.column + max(1, len(step.written_name)),
            )
        )
        code = exc.code if exc.code is not None else UNKNOWN_ERROR
        errors.last = code
        errors.detail = exc.message
        script = ctx.vars.frame.script.name if ctx.vars.frames else ""
        errors.location = f"{script}\r{step.name}\r{exc.span.line if exc.span else 0}"
        if errors.capture:
            return
        errors.uncaptured += 1
        report_error(ctx, exc, code)
        if ctx.options.halt_on_error:
            raise HaltOnError(exc)


def report_error(ctx: StepContext, exc: FMScriptError, code: int) -> None:
    span = exc.span
    where = f"{span.location()}: " if span else ""
    text = f"{where}error {code} ({error_meaning(code)}): {exc.message}"
    caret = span.caret() if span else ""
    print(text + (f"\n{caret}" if caret else ""), file=ctx.err)


def _skipped(frame: Frame) -> None:
    return None


_SKIPPED: Entry = (_skipped, False)
