"""The REPL's one adapter to the runtime: a persistent run context and what the REPL does with it.

Every entry runs against the same :class:`RunContext` and the same top-level frame, so $variables,
$$variables, accounts, the layout, found sets and the error state (Get ( LastError ), Set Error
Capture) survive between entries. This is the only REPL module that knows the runtime's internals;
the front ends (plain and terminal), the meta-commands and completion go through it.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TextIO, cast

import attrs

from fmscript.errors import (
    CANNOT_CREATE_FILE,
    NO_OPEN_FILE,
    CalcSyntaxError,
    FMScriptError,
    ScriptSyntaxError,
)
from fmscript.settings import Settings
from fmscript.syntax import catalogue as _catalogue

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile
    from fmscript.runtime.compiled import CompiledScript, ScriptLoader
    from fmscript.runtime.interpreter import Interpreter
    from fmscript.steps.state import Frame, StepContext, Value

ENTRY_FILE = "<repl>"  # the "file" an entry's errors point into: <repl>:line:col


def catalogue() -> ModuleType:
    """The step catalogue (en/ja/zh step names, option labels and values)."""
    return _catalogue


def canonical_step(written: str) -> str | None:
    """The canonical English name of a step written in en/ja/zh, or None."""
    if not written:
        return None
    found = _catalogue.lookup_step(written)
    return found[0].name if found else None


@attrs.frozen
class FoundPage:
    """One page of the current found set, for ``:found``."""

    layout: str
    table: str
    count: int
    current: int  # the current record's position in the found set (1-based, 0 when empty)
    first: int  # position of the first row shown
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (position, field texts)


class ReplSession:
    """One REPL session: the file, the run context, and the persistent top-level frame."""

    def __init__(
        self,
        file: Path | None,
        parameter: str = "",
        documents: Path | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        progress: bool = True,
        settings: Settings | None = None,
    ) -> None:
        import sys

        self.file_path = file
        self.parameter = parameter
        self.documents = documents
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.progress = progress
        self.settings = settings or Settings()
        self.errors = 0  # entries that reported an error (the plain front end's exit code)
        self.fm_file: FMFile | None = None
        self._open()

    # ------------------------------------------------------------------ state
    def _open(self) -> None:
        from fmscript.cli.progress import reporter
        from fmscript.runtime.compiled import ScriptLoader
        from fmscript.runtime.interpreter import Interpreter
        from fmscript.runtime.session import new_context, open_file
        from fmscript.steps.state import Frame, RunOptions
        from fmscript.syntax import ast
        from fmscript.syntax.blocks import analyse_blocks

        if self.fm_file is None:
            self.fm_file = open_file(self.file_path)
        options = RunOptions(
            documents_path=self.documents,
            progress=self.progress,
            reporter=reporter(self.progress, self.settings.progress),
            settings=self.settings,
        )
        script_dir = self.file_path.resolve().parent if self.file_path else Path.cwd()
        # As `fmscript run`: the file opens on its first layout.
        self.ctx: StepContext = new_context(self.fm_file, script_dir, options, self.out, self.err)
        self.loader: ScriptLoader = ScriptLoader()
        self.interp: Interpreter = Interpreter(self.ctx, self.loader)
        empty = ast.Script("repl", ENTRY_FILE, ())
        self.frame: Frame = Frame(empty, analyse_blocks(empty)[0], self.parameter)

    def reset(self) -> None:
        """Forget variables, accounts, layout, found sets and error state; reload a ``.sql`` file."""
        if self.fm_file is not None and self.fm_file.path is None:
            self.fm_file.close()
            self.fm_file = None  # in memory (.sql): load it again
        self._open()

    def close(self) -> None:
        if self.fm_file is not None:
            self.fm_file.close()
            self.fm_file = None

    def save(self, path: Path) -> None:
        import sqlite3

        try:
            self._require_file().save(path)
        except (OSError, sqlite3.Error) as exc:
            raise FMScriptError(f"cannot write {path}: {exc}", code=CANNOT_CREATE_FILE) from None

    def _require_file(self) -> FMFile:
        if self.fm_file is None:
            raise FMScriptError(
                "no FileMaker file is open (start with --file DB.sqlite or DB.sql)", code=NO_OPEN_FILE
            )
        return self.fm_file

    # ------------------------------------------------------------------ running
    def run_entry(self, text: str) -> bool:
        """Parse and run one entry (a step or a whole block). False when it reported an error."""
        from fmscript.runtime.compiled import compile_text

        return self._run(compile_text(text, ENTRY_FILE))

    def load(self, path: Path) -> bool:
        """Run a script file in the current context (``:load``); sibling scripts resolve beside it."""
        try:
            compiled = self.loader.load(path)  # a missing file: FileMaker error 802
        except FMScriptError as exc:
            self.report(f":load: {exc.message}")
            self.errors += 1
            return False
        saved = self.ctx.script_dir
        self.ctx.script_dir = path.resolve().parent
        try:
            return self._run(compiled)
        finally:
            self.ctx.script_dir = saved

    def _run(self, compiled: CompiledScript) -> bool:
        from fmscript.runtime.session import finish_jobs
        from fmscript.steps.signals import ExitScript, HaltOnError, HaltScript

        if compiled.errors:
            for e in compiled.errors:
                self.report(str(e))
            self.errors += 1
            return False
        ctx = self.ctx
        before = ctx.errors.uncaptured
        # The entry runs in the session's one top-level frame: its $variables carry over.
        self.frame.script = compiled.script
        self.frame.blocks = compiled.blocks
        ctx.vars.frames.append(self.frame)
        try:
            self.interp.walk(compiled)
        except ExitScript as signal:
            print(_lines(self.text(signal.result)), file=self.out)
        except (HaltScript, HaltOnError):
            pass
        except KeyboardInterrupt:
            self.report("interrupted")
            ctx.errors.uncaptured += 1
        except FMScriptError as exc:
            self.report(str(exc))
            ctx.errors.uncaptured += 1
        finally:
            ctx.vars.frames.clear()  # an interrupted Perform Script may leave its frames behind
        try:
            ctx.data.commit_records()  # an entry is a script: its end commits the open record
        except FMScriptError as exc:
            self.report(str(exc))
            ctx.errors.uncaptured += 1
        # Local fine-tuning jobs the entry queued train now, as at the end of `fmscript run`;
        # Ctrl-C cancels the running job.
        finish_jobs(ctx)
        ok = ctx.errors.uncaptured == before
        if not ok:
            self.errors += 1
        return ok

    def evaluate(self, entry: str) -> bool:
        """Evaluate an ``= calc`` entry and print its value."""
        from fmscript.errors import UNKNOWN_ERROR, error_meaning
        from fmscript.syntax.calc_build import Locator, parse_calc

        at = entry.index("=")
        lines = entry.split("\n")
        ctx = self.ctx
        try:
            node = parse_calc(entry[at + 1 :], Locator(ENTRY_FILE, lines, 1, at + 2))
            ctx.vars.frames.append(self.frame)
            try:
                value = ctx.evaluator.evaluate(node)
            finally:
                ctx.vars.frames.clear()
        except KeyboardInterrupt:
            self.report("interrupted")
            self.errors += 1
            return False
        except (CalcSyntaxError, ScriptSyntaxError) as exc:
            self.report(str(exc))
            self.errors += 1
            return False
        except FMScriptError as exc:
            code = exc.code if exc.code is not None else UNKNOWN_ERROR
            where = f"{exc.span.location()}: " if exc.span else ""
            caret = exc.span.caret() if exc.span else ""
            self.report(f"{where}error {code} ({error_meaning(code)}): {exc.message}")
            if caret:
                self.report(caret)
            self.errors += 1
            return False
        print(_lines(self.text(value)), file=self.out)
        return True

    def report(self, text: str) -> None:
        """Print an error or notice on ``err``, after whatever ``out`` holds (one pipe stays in order)."""
        self.out.flush()
        print(text, file=self.err)
        self.err.flush()

    # ------------------------------------------------------------------ looking at the state
    def variables(self) -> list[tuple[str, str]]:
        """($name or $name[n], value as text) for every $local then every $$global, sorted."""
        out: list[tuple[str, str]] = []
        for store in (self.frame.locals, self.ctx.vars.globals):
            for (name, rep), value in sorted(store.items(), key=lambda kv: kv[0]):
                if value == "":
                    continue  # FileMaker: a variable set to empty no longer exists
                out.append((name if rep == 1 else f"{name}[{rep}]", self.text(value)))
        return out

    def variable_names(self) -> list[str]:
        names = {name for (name, _rep) in self.frame.locals} | {
            name for (name, _rep) in self.ctx.vars.globals
        }
        return sorted(names)

    @staticmethod
    def text(value: Value) -> str:
        """A calculation value as FileMaker shows it (runtime values are typed ``object``)."""
        from fmscript.calc import values as V

        return V.to_text(cast("V.Value", value))

    def layout_info(self) -> dict[str, str]:
        data = self.ctx.data
        info = {"layout": data.layout or "", "table": data.current_table() or ""}
        if data.layout is not None and self.fm_file is not None:
            fs = data.found_set()
            info["found"] = str(fs.count)
            info["total"] = str(self.fm_file.total_count(fs.table))
            info["record"] = str(fs.current)
            info["sorted"] = "yes" if fs.is_sorted else "no"
            info["mode"] = "find" if data.find_mode is not None else "browse"
        if self.fm_file is not None:
            info["layouts"] = ", ".join(self.fm_file.layouts())
        info["last error"] = str(self.ctx.errors.last)
        info["error capture"] = "on" if self.ctx.errors.capture else "off"
        return info

    def found_page(self, page: int, size: int) -> FoundPage:
        """Rows ``(page-1)*size+1 …`` of the current layout's found set (page ≥ 1)."""
        file = self._require_file()
        data = self.ctx.data
        fs = data.found_set()
        fields = [f.name for f in file.fields(fs.table) if f.type != "container"]
        first = (page - 1) * size + 1
        rows = []
        for pos in range(first, min(fs.count, first + size - 1) + 1):
            record = file.record(fs.table, fs.ids[pos - 1])
            rows.append((pos, tuple(self.text(record.get(name, "")) for name in fields)))
        return FoundPage(data.layout or "", fs.table, fs.count, fs.current, first, tuple(fields), tuple(rows))

    # ------------------------------------------------------------------ completion sources
    def tables(self) -> list[str]:
        return list(self.fm_file.tables()) if self.fm_file is not None else []

    def fields(self, table: str) -> list[str]:
        if self.fm_file is None or self.fm_file.resolve_table(table) is None:
            return []
        return [f.name for f in self.fm_file.fields(table)]

    def layouts(self) -> list[str]:
        return list(self.fm_file.layouts()) if self.fm_file is not None else []


def function_names() -> list[str]:
    """Every calculation function's name, as declared (``JSONSetElement``, ``Get``)."""
    from fmscript.calc.functions.registry import FUNCTIONS, load_all

    load_all()
    return sorted(spec.name for spec in FUNCTIONS.values())


def get_names() -> list[str]:
    """Every Get function's name in en/ja/zh (``FoundCount``, ``対象レコード数``, ``查找个数``)."""
    from fmscript.calc.functions.get import GET_FUNCTIONS

    return [name for entry in GET_FUNCTIONS.values() for name in entry.names()]


def _lines(text: str) -> str:
    """FileMaker's return (CR) prints as a line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
