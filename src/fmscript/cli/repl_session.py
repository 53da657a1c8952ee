"""The REPL's one adapter to the runtime: a persistent run context and what the REPL does with it.

Every entry runs against the same :class:`RunContext` and the same top-level frame, so $variables,
$$variables, accounts, the layout, found sets and the error state (Get ( LastError ), Set Error
Capture) survive between entries. This is the only REPL module that knows the runtime's internals;
the front ends (plain and terminal), the meta-commands and completion go through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from fmscript.errors import CalcSyntaxError, FMScriptError, ScriptSyntaxError

if TYPE_CHECKING:
    from fmscript.runtime.context import Frame, RunContext

ENTRY_FILE = "<repl>"  # the "file" an entry's errors point into: <repl>:line:col


def catalogue() -> Any:
    """The step catalogue module (en/ja/zh step names, option labels)."""
    try:
        from fmscript.syntax import catalogue as cat  # after issue 9's move
    except ImportError:
        from fmscript.steps import catalogue as cat
    return cat


def canonical_step(written: str) -> str | None:
    """The canonical English name of a step written in en/ja/zh (「」 allowed), or None."""
    if not written:
        return None
    found = catalogue().lookup_step(written)
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
        home: Path | None = None,
    ) -> None:
        import sys

        self.file_path = file
        self.parameter = parameter
        self.documents = documents
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.progress = progress
        self.home = home
        self.errors = 0  # entries that reported an error (the plain front end's exit code)
        self.fm_file: Any = None
        self._open()

    # ------------------------------------------------------------------ state
    def _open(self) -> None:
        from fmscript.runtime.context import Frame, RunContext, RunOptions
        from fmscript.runtime.session import open_file
        from fmscript.syntax import ast

        if self.fm_file is None:
            self.fm_file = open_file(self.file_path)
        options = RunOptions(documents_path=self.documents, progress=self.progress)
        script_dir = self.file_path.resolve().parent if self.file_path else Path.cwd()
        self.rt: RunContext = RunContext(self.fm_file, script_dir, self.out, self.err, options)
        if self.fm_file is not None:
            # As `fmscript run`: the file opens on its first layout.
            layouts = self.fm_file.layouts()
            self.rt.layout = self.rt.original_layout = layouts[0] if layouts else None
        empty = ast.Script("repl", ENTRY_FILE, ())
        self.frame: Frame = Frame(empty, self.parameter)
        self._scripts: list[Any] = []  # every entry's script stays alive (the interpreter caches by id)

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
        if self.fm_file is None:
            raise FMScriptError("no FileMaker file is open (start with --file DB.sqlite or DB.sql)", code=100)
        self.fm_file.save(path)

    # ------------------------------------------------------------------ running
    def run_entry(self, text: str, filename: str = ENTRY_FILE) -> bool:
        """Parse and run one entry (a step or a whole block). False when it reported an error."""
        from fmscript.runtime.interpreter import analyse_blocks
        from fmscript.syntax.build import check_script

        script, errors = check_script(text, filename, name="repl")
        if not errors:
            errors = list(analyse_blocks(script)[1])
        if errors:
            for e in errors:
                self._print_err(str(e))
            self.errors += 1
            return False
        return self._run(script)

    def load(self, path: Path) -> bool:
        """Run a script file in the current context (``:load``); sibling scripts resolve beside it."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            self._print_err(f"cannot read {path}: {exc.strerror or exc}")
            self.errors += 1
            return False
        saved = self.rt.script_dir
        self.rt.script_dir = path.resolve().parent
        try:
            return self.run_entry(text, str(path))
        finally:
            self.rt.script_dir = saved

    def _run(self, script: Any) -> bool:
        from fmscript.calc import values as V
        from fmscript.runtime.interpreter import ExitScript, HaltScript, Interpreter

        self._scripts.append(script)
        rt = self.rt
        before = rt.uncaptured_errors
        self.frame.script = script
        try:
            Interpreter(rt).run_in_frame(self.frame)
        except ExitScript as signal:
            print(_lines(V.to_text(signal.result)), file=self.out)
        except HaltScript:
            pass
        except KeyboardInterrupt:
            self._print_err("interrupted")
            rt.uncaptured_errors += 1
        except FMScriptError as exc:
            self._print_err(str(exc))
            rt.uncaptured_errors += 1
        if rt.queued_jobs:
            self._train_queued()
        ok = rt.uncaptured_errors == before
        if not ok:
            self.errors += 1
        return ok

    def _train_queued(self) -> None:
        """Local fine-tuning jobs an entry queued train now, as at the end of `fmscript run`;
        Ctrl-C cancels the running job."""
        from fmscript.runtime.session import _wait_for_jobs

        try:
            if _wait_for_jobs(self.rt, self.err):
                self.rt.uncaptured_errors += 1
        finally:
            self.rt.queued_jobs.clear()

    def evaluate(self, entry: str) -> bool:
        """Evaluate an ``= calc`` entry and print its value."""
        from fmscript.calc import values as V
        from fmscript.runtime.context import error_meaning
        from fmscript.syntax.calc_build import Locator, parse_calc

        at = entry.index("=")
        lines = entry.split("\n")
        try:
            node = parse_calc(entry[at + 1 :], Locator(ENTRY_FILE, lines, 1, at + 2))
            self.rt.frames.append(self.frame)
            try:
                value = self.rt.evaluator.evaluate(node)
            finally:
                self.rt.frames.pop()
        except KeyboardInterrupt:
            self._print_err("interrupted")
            self.errors += 1
            return False
        except (CalcSyntaxError, ScriptSyntaxError) as exc:
            self._print_err(str(exc))
            self.errors += 1
            return False
        except FMScriptError as exc:
            code = exc.code if exc.code is not None else -1
            where = f"{exc.span.location()}: " if exc.span else ""
            caret = exc.span.caret() if exc.span else ""
            self._print_err(f"{where}error {code} ({error_meaning(code)}): {exc.message}")
            if caret:
                self._print_err(caret)
            self.errors += 1
            return False
        print(_lines(V.to_text(value)), file=self.out)
        return True

    def _print_err(self, text: str) -> None:
        self.out.flush()
        print(text, file=self.err)
        self.err.flush()

    # ------------------------------------------------------------------ looking at the state
    def variables(self) -> list[tuple[str, str]]:
        """($name or $name[n], value as text) for every $local then every $$global, sorted."""
        out: list[tuple[str, str]] = []
        for store in (self.frame.locals, self.rt.globals):
            for (name, rep), value in sorted(store.items(), key=lambda kv: (kv[0][0], kv[0][1])):
                if value == "":
                    continue  # FileMaker: a variable set to empty no longer exists
                out.append((name if rep == 1 else f"{name}[{rep}]", self.text(value)))
        return out

    def variable_names(self) -> list[str]:
        names = {name for (name, _rep) in self.frame.locals} | {name for (name, _rep) in self.rt.globals}
        return sorted(names)

    @staticmethod
    def text(value: Any) -> str:
        from fmscript.calc import values as V

        return V.to_text(value)

    def layout_info(self) -> dict[str, str]:
        rt = self.rt
        info = {"layout": rt.layout or "", "table": rt.current_table() or ""}
        if rt.layout is not None and self.fm_file is not None:
            fs = rt.found_set()
            info["found"] = str(fs.count)
            info["total"] = str(self.fm_file.total_count(fs.table))
            info["record"] = str(fs.current)
            info["sorted"] = "yes" if fs.is_sorted else "no"
            info["mode"] = "find" if rt.find_mode is not None else "browse"
        if self.fm_file is not None:
            info["layouts"] = ", ".join(self.fm_file.layouts())
        info["last error"] = str(rt.last_error)
        info["error capture"] = "on" if rt.error_capture else "off"
        return info

    def found_page(self, page: int, size: int) -> FoundPage:
        """Rows ``(page-1)*size+1 …`` of the current layout's found set (page ≥ 1)."""
        rt = self.rt
        if self.fm_file is None:
            raise FMScriptError("no FileMaker file is open (start with --file DB.sqlite or DB.sql)", code=100)
        fs = rt.found_set()
        fields = [f.name for f in self.fm_file.fields(fs.table) if f.type != "container"]
        first = (page - 1) * size + 1
        rows = []
        for pos in range(first, min(fs.count, first + size - 1) + 1):
            record = self.fm_file.record(fs.table, fs.ids[pos - 1])
            rows.append((pos, tuple(self.text(record.get(name, "")) for name in fields)))
        return FoundPage(rt.layout or "", fs.table, fs.count, fs.current, first, tuple(fields), tuple(rows))

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


def _lines(text: str) -> str:
    """FileMaker's return (CR) prints as a line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
