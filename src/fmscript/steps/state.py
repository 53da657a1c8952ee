"""The run state a step handler sees: a typed context split into coherent parts.

``StepContext`` is what every handler receives (``handler(ctx, step) -> int | None``). It holds

- ``vars``   — $$globals and the call stack of frames ($locals, the running script, its pc);
- ``data``   — the FileMaker file, the current layout, found sets per layout, Find mode;
- ``errors`` — Get ( LastError ) and friends, Set Error Capture;
- ``ai``     — AI accounts (Configure AI Account) and the local jobs this run queued;

plus the evaluator, output streams, options/settings, and one operation that needs the
interpreter: ``perform_script`` (Perform Script by name). It also implements the calculation
context protocol (fields, variables, Get functions), so the evaluator runs against it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from fmscript.ai.progress import Reporter
from fmscript.calc.context import Env, FileView
from fmscript.calc.evaluator import Evaluator
from fmscript.calc.values import Value as Value  # re-exported: the steps' value type
from fmscript.errors import (
    AI_ACCOUNT_MISSING,
    COMMAND_UNAVAILABLE,
    FIELD_MISSING,
    NAME_INVALID,
    NO_LAYOUT,
    NO_OPEN_FILE,
    NO_RECORD,
    REPETITION_INVALID,
    FieldMissingError,
    FMScriptError,
    ScriptRuntimeError,
)
from fmscript.settings import Settings
from fmscript.syntax import ast
from fmscript.syntax.blocks import Blocks

if TYPE_CHECKING:
    from fmscript.ai.accounts import Account
    from fmscript.ai.call_log import CallLog
    from fmscript.ai.nl import PromptTemplate
    from fmscript.ai.rag import RagAccount
    from fmscript.ai.regression import Forest
    from fmscript.data.accounts import Accounts
    from fmscript.data.data_files import DataFiles
    from fmscript.data.find import FindMode, FindRequest
    from fmscript.data.found_set import FoundSet
    from fmscript.data.sqlite_file import FMFile
    from fmscript.steps.windows import Window


@attrs.define
class Frame:
    """One running script: its $local variables, its jump tables and where it is."""

    script: ast.Script
    blocks: Blocks
    parameter: Value = ""
    locals: dict[tuple[str, int], Value] = attrs.field(factory=dict)
    pc: int = 0
    revert_on_error: bool | None = None  # Set Revert Transaction on Error here (None: the caller's)


@attrs.define
class RunOptions:
    halt_on_error: bool = False
    interactive: bool = False
    documents_path: Path | None = None  # --documents (else settings.documents)
    wait_for_jobs: bool = True
    progress: bool = True
    settings: Settings = attrs.field(factory=Settings)
    follow_remote: bool = False  # --wait: follow remote providers' jobs (OpenAI, Custom) to the end
    # How ai/ reports progress (training and download bars, lines of news): the command line
    # supplies its own (fmscript.cli.progress.reporter, built from ``progress``); the default is quiet.
    reporter: Reporter = attrs.field(factory=Reporter)


_FOLDED: dict[str, str] = {}


def fold_name(name: str) -> str:
    """``name.casefold()``, remembered (variable names come from the script: a small set)."""
    folded = _FOLDED.get(name)
    if folded is None:
        if len(_FOLDED) > 10_000:
            _FOLDED.clear()
        folded = name.casefold()
        if folded == name:
            folded = name  # the script's own string: no copy per variable (memory per line)
        _FOLDED[name] = folded
    return folded


_fold = fold_name


@attrs.define
class Variables:
    """$$globals (one per file) and $locals (one dict per running script)."""

    globals: dict[tuple[str, int], Value] = attrs.field(factory=dict)
    frames: list[Frame] = attrs.field(factory=list)
    final_locals: dict[tuple[str, int], Value] = attrs.field(factory=dict)  # the top script's, kept

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    def _scope(self, name: str) -> dict[tuple[str, int], Value]:
        if name.startswith("$$") or not self.frames:
            return self.globals
        return self.frames[-1].locals

    # FileMaker variable names are case-insensitive: keys are case-folded. These two run for every
    # variable read and write (the interpreter's hot loop): the scope test and the folding are inline.
    def get(self, name: str, repetition: int = 1) -> Value:
        scope = self.globals if name.startswith("$$") or not self.frames else self.frames[-1].locals
        return scope.get((_fold(name), repetition), "")

    def set(self, name: str, value: Value, repetition: int = 1) -> None:
        if repetition < 1:
            raise ScriptRuntimeError(
                f"repetition {repetition} of {name} is out of range", code=REPETITION_INVALID
            )
        scope = self.globals if name.startswith("$$") or not self.frames else self.frames[-1].locals
        scope[(_fold(name), repetition)] = value


@attrs.define
class ErrorState:
    """Get ( LastError ), its detail and location; Set Error Capture; uncaptured error count."""

    last: int = 0
    detail: str = ""
    location: str = ""
    capture: bool = False
    uncaptured: int = 0
    quiet: tuple[int, str] | None = None  # set by a step that succeeds with an error number

    def clear(self) -> None:
        self.last = 0
        self.detail = ""

    def settle(self) -> None:
        """After a step that succeeded: no error, unless it left a quiet one — an error FileMaker
        records without treating the step as failed (Go to Record [ Next ; Exit after last ]
        leaving a loop: 101)."""
        self.last, self.detail = self.quiet or (0, "")
        self.quiet = None


@attrs.define
class DataSession:
    """The FileMaker file as a running script sees it: layouts, found sets, Find mode."""

    file: FMFile | None = None
    layout: str | None = None  # current layout name
    previous_layout: str | None = None
    original_layout: str | None = None  # current when the run started (Go to Layout [ original layout ])
    found_sets: dict[str, FoundSet] = attrs.field(factory=dict)  # layout -> found set
    last_finds: dict[str, list[FindRequest]] = attrs.field(factory=dict)  # layout -> last find
    find_mode: FindMode | None = None  # requests being typed while in Find mode
    active_field: ast.Target | None = None  # Go to Field target (Set Field without a field)
    window_name: str = ""  # the current window's name ("": the file's name)
    windows: list[Window] = attrs.field(factory=list)  # the other windows (New Window), last current last
    _data_files: DataFiles | None = None  # Open Data File … (made on first use)
    _accounts: Accounts | None = None  # Add Account, Re-Login … (made on first use)

    @property
    def accounts(self) -> Accounts:
        """The file's accounts and the one in use (Get ( AccountName ))."""
        if self._accounts is None:
            from fmscript.data.accounts import Accounts

            self._accounts = Accounts()
        return self._accounts

    @property
    def data_files(self) -> DataFiles:
        """The data files this run has open (Create/Open/Read/Write Data File)."""
        if self._data_files is None:
            from fmscript.data.data_files import DataFiles

            self._data_files = DataFiles()
        return self._data_files

    def require_file(self) -> FMFile:
        if self.file is None:
            raise ScriptRuntimeError(
                "no FileMaker file is open (use --file DB.sqlite or DB.sql)", code=NO_OPEN_FILE
            )
        return self.file

    def current_table(self) -> str | None:
        if self.layout is None or self.file is None:
            return None
        return self.file.table_for_layout(self.layout)

    def found_set(self) -> FoundSet:
        """The found set of the current layout (all records on the first visit)."""
        if self.layout is None:
            raise ScriptRuntimeError("no layout is current (use Go to Layout first)", code=NO_LAYOUT)
        fs = self.found_sets.get(self.layout)
        if fs is None:
            from fmscript.data.found_set import FoundSet

            table = self.current_table() or ""
            fs = FoundSet(table, self.require_file().record_ids(table))
            self.found_sets[self.layout] = fs
        return fs

    def current_record(self, table: str) -> int | None:
        """The record a field of ``table`` refers to: the current record when ``table`` is the
        current layout's table, else the current record of a layout showing that table."""
        if self.layout is not None and self.current_table() == table:
            return self.found_set().current_id
        for layout, fs in self.found_sets.items():
            if fs.table == table and layout != self.layout:
                return fs.current_id
        return None

    def resolve_field(self, table: str | None, field: str) -> tuple[str, str]:
        file = self.file
        if file is None:
            raise FieldMissingError(f"field {_full(table, field)} is missing: no file is open")
        if table is None:
            t = self.current_table()
            if t is None:
                raise FieldMissingError(f"field {field} is missing: no layout is current")
        else:
            found = file.resolve_table(table)
            if found is None:
                raise FieldMissingError(f"table {table} is missing (field {_full(table, field)})")
            t = found
        f = file.resolve_field(t, field)
        if f is None:
            raise FieldMissingError(f"field {_full(t, field)} is missing")
        return t, f

    def current_occurrence(self) -> str | None:
        """The table occurrence the current layout shows (the calculation context)."""
        if self.layout is None or self.file is None:
            return None
        return self.file.occurrence_for_layout(self.layout)

    def qualify_field(self, table: str | None, field: str) -> tuple[str, str]:
        """(table occurrence, field) as the file spells them; FieldMissingError when missing."""
        _t, f = self.resolve_field(table, field)
        file = self.require_file()
        occurrence = file.graph.occurrence(table) if table is not None else self.current_occurrence()
        return occurrence or _t, f

    def related_ids(self, occurrence: str) -> list[int] | None:
        """The records of ``occurrence`` related to the current record, in the relationship's
        order (``[]`` when none is related or there is no current record); None when
        ``occurrence`` is the current layout's own occurrence or is not related to it."""
        file = self.file
        if file is None or not file.graph.relationships:
            return None  # no relationships graph: nothing is related (the common, fast case)
        context = self.current_occurrence()
        if context is None:
            return None
        hops = file.graph.path(context, occurrence)
        if not hops:
            return None
        rid = self.found_set().current_id
        if rid is None:
            return []
        return file.related.along(hops, self.current_table() or "", [rid])[1]

    def get_field(self, table: str | None, field: str, repetition: int = 1) -> Value:
        if self.find_mode is not None and table is None:
            return ""
        t, f = self.resolve_field(table, field)
        file = self.require_file()
        if file.field(t, f).is_global:
            value: Value = file.get(t, None, f)  # the data layer's values are calc values
            return value
        if table is not None:
            related = self.related_ids(table)
            if related is not None:  # Claris: a related field gives the first related record's value
                return file.get(t, related[0], f) if related else ""
        rid = self.current_record(t)
        if rid is None:
            return ""  # no (related) record: FileMaker gives an empty value
        value = file.get(t, rid, f)
        return value

    def related_values(self, table: str | None, field: str) -> list[Value] | None:
        """Every related record's value of ``table::field`` (for Sum, Count, List …), or None when
        ``table`` is not a related occurrence (then the field is one value)."""
        if table is None or self.find_mode is not None:
            return None
        related = self.related_ids(table)
        if related is None:
            return None
        t, f = self.resolve_field(table, field)
        file = self.require_file()
        if file.field(t, f).is_global:
            return None
        if len(related) <= 64:  # a few records: indexed reads (iter_records scans the table)
            return [file.get(t, rid, f) for rid in related]
        return [row[0] for row in file.iter_records(t, [f], related)]

    def sort_values(self, table: str | None, field: str, ids: list[int]) -> tuple[dict[int, Any], Any, str]:
        """A sort key over the found set ``ids``: (stored value per record, field type, the name
        Get ( SortState ) remembers). A related field sorts by each record's first related
        record's value (Claris "Sorting records": related fields sort by the first related value)."""
        t, f = self.resolve_field(table, field)
        file = self.require_file()
        ftype = file.field(t, f).type
        context = self.current_occurrence()
        hops = file.graph.path(context, table) if table is not None and context is not None else None
        if not hops and t == self.current_table():
            return {rid: values[0] for rid, values in file.raw_rows(t, [f], ids)}, ftype, f
        if not hops:
            raise ScriptRuntimeError(
                f"cannot sort by {table}::{f}: it is not related to this layout", code=FIELD_MISSING
            )
        from fmscript.data.convert import to_storage

        source = self.current_table() or ""
        values: dict[int, Any] = {}
        for rid in ids:
            related = file.related.along(hops, source, [rid])[1]
            if related:
                values[rid] = to_storage(file.get(t, related[0], f), ftype)  # as stored
        return values, ftype, f"{table}::{f}"

    def lookup_next(self, table: str, field: str, higher: bool) -> Value:
        """LookupNext when no record is related: ``table::field`` of the record with the next
        higher/lower match value (through one relationship), else empty."""
        file = self.require_file()
        context = self.current_occurrence() or ""
        hops = file.graph.path(context, table) or []
        rid = self.found_set().current_id if self.layout is not None else None
        if len(hops) != 1 or rid is None:
            return ""
        t, f = self.resolve_field(table, field)
        found = file.related.nearest(hops[0], self.current_table() or "", rid, t, higher)
        return file.get(t, found, f) if found is not None else ""

    def set_field(self, table: str | None, field: str, value: Value, repetition: int = 1) -> None:
        t, f = self.resolve_field(table, field)
        file = self.require_file()
        if file.field(t, f).is_global:
            file.set(t, None, f, value)
            return
        if table is not None:
            related = self.related_ids(table)
            if related is not None:
                rid = related[0] if related else self._create_related(table)
                file.stage(t, rid, f, value)
                self._lookups(file, t, rid, f)
                return
        current = self.current_record(t)
        if current is None:
            raise ScriptRuntimeError(f"no current record to set {t}::{f} in", code=NO_RECORD)
        file.stage(t, current, f, value)  # held in the open record until it is committed
        self._lookups(file, t, current, f)

    @staticmethod
    def _lookups(file: FMFile, table: str, rid: int, field: str) -> None:
        """Claris "Defining lookups": changing a lookup's match field copies the looked-up values
        (``data/lookups.py``); only files with relationships can declare lookups."""
        if file.graph.relationships:
            from fmscript.data.lookups import run_lookups

            run_lookups(file, table, rid, [field])

    def _create_related(self, occurrence: str) -> int:
        """A new record of ``occurrence`` related to the current record, when the relationship
        allows creation (its match fields take the current record's keys); error 101 otherwise,
        as FileMaker creates nothing through a relationship that does not allow it."""
        from fmscript.data.relationships import creation_values

        file = self.require_file()
        context = self.current_occurrence() or ""
        hops = file.graph.path(context, occurrence) or []
        rid = self.found_set().current_id
        values = None
        if len(hops) == 1 and hops[0].side.allow_creation and rid is not None:
            values = creation_values(file, hops[0], self.current_table() or "", rid)
        if values is None:
            raise ScriptRuntimeError(
                f"no related record in {occurrence} (the relationship does not allow creating one)",
                code=NO_RECORD,
            )
        target = file.resolve_table(occurrence) or occurrence
        new = file.new_record(target, open=True)
        for name, value in values.items():
            file.stage(target, new, name, value)
        return new

    def record_value(self, table: str, rid: int, field: str) -> Value:
        value: Value = self.require_file().get(table, rid, field)
        return value

    # Open records (``fmscript.data.open_records``): what leaving a record commits, Revert discards.
    def commit_records(self) -> None:
        file = self.file
        if file is not None and file.buffer:
            mapping = file.commit_records()  # new records get their real ids
            for fs in self.found_sets.values():
                fs.rename_ids(mapping)

    def revert_records(self) -> None:
        file = self.file
        if file is not None and file.buffer:
            for table, rid in file.revert_records():  # uncommitted new records disappear
                self.forget(table, [rid])

    def record_open_state(self) -> int:
        table = self.current_table()
        if table is None or self.file is None:
            return 0
        return self.file.open_state(table, self.found_set().current_id)

    def record_open_count(self) -> int:
        return len(self.file.buffer) if self.file is not None else 0

    def delete_records(self, table: str, ids: list[int]) -> None:
        """Delete records and, as the relationships say, their related records (one savepoint:
        all or nothing); every found set forgets them."""
        from fmscript.data.relationships import cascade

        file = self.require_file()
        plan = [(table, list(ids)), *cascade(file, table, ids)]
        conn = file.connection
        conn.execute("SAVEPOINT fm_cascade")
        try:
            for t, rids in plan:
                file.delete_records(t, rids)
        except BaseException:
            conn.execute("ROLLBACK TO fm_cascade")
            conn.execute("RELEASE fm_cascade")
            raise
        conn.execute("RELEASE fm_cascade")
        for t, rids in plan:
            self.forget(t, rids)

    def forget(self, table: str, ids: list[int]) -> None:
        """Deleted records leave every found set of their table."""
        for fs in self.found_sets.values():
            if fs.table == table:
                fs.remove_records(ids)


@attrs.define
class AISession:
    """AI accounts live for one run, as in FileMaker; jobs this run queued on the Local provider."""

    accounts: dict[str, Account] = attrs.field(factory=dict)
    queued_jobs: list[str] = attrs.field(factory=list)
    remote_jobs: list[tuple[Account, dict[str, Any]]] = attrs.field(factory=list)  # OpenAI/Custom jobs
    call_log: CallLog | None = None  # Set AI Call Logging [ On ]
    prompt_templates: dict[str, PromptTemplate] = attrs.field(factory=dict)  # by name, case-sensitive
    rag_accounts: dict[str, RagAccount] = attrs.field(factory=dict)  # Configure RAG Account

    # Configure Regression Model: the models in memory, by their (case-sensitive) names
    regression_models: dict[str, Forest] = attrs.field(factory=dict)

    def rag_account(self, name: str) -> RagAccount:
        """The RAG account called ``name`` (any case); error 877 when none is configured."""
        acct = self.rag_accounts.get(name.strip().casefold())
        if acct is None:
            raise ScriptRuntimeError(
                f"RAG account {name.strip()!r} is not configured (use Configure RAG Account first)",
                code=AI_ACCOUNT_MISSING,
            )
        return acct


def _full(table: str | None, field: str) -> str:
    return f"{table}::{field}" if table else field


def _no_info(ctx: StepContext, name: str) -> Value | None:
    return None


def _no_perform(name: str, parameter: Value) -> Value:
    raise ScriptRuntimeError(f"script {name!r} cannot be performed here", code=COMMAND_UNAVAILABLE)


# What a Get function that reads the run answers (None: not one of those).
InfoLookup = Callable[["StepContext", str], "Value | None"]


class StepContext:
    """Everything a running step can see and change; the calculation context of its calcs."""

    def __init__(
        self,
        file: FMFile | None,
        script_dir: Path,
        out: TextIO,
        err: TextIO,
        options: RunOptions | None = None,
        info: InfoLookup | None = None,
    ) -> None:
        """``info`` answers the Get functions that read the run (``steps.info.run_info``; passed
        in by the runtime — without it they give their values outside a run)."""
        self._info = info or _no_info
        self.options = options or RunOptions()
        self.settings = self.options.settings
        self.script_dir = script_dir
        self.out = out
        self.err = err
        self.vars = Variables()
        self.data = DataSession(file)
        self.errors = ErrorState()
        self.ai = AISession()
        self.last_message_choice = 0
        self.script_result: Value = ""
        # Perform Script needs the interpreter; the runtime installs it (steps never import runtime).
        self.perform_script: Callable[[str, Value], Value] = _no_perform
        self.evaluator = Evaluator(self)

    def embed_texts(self, account_name: str, model: str, texts: list[str]) -> list[list[float]]:
        """Embedding vectors from the named AI account's provider (GetEmbedding, the embedding
        steps); error 877 when no such account is configured."""
        from fmscript.ai import providers

        acct = self.ai.accounts.get(account_name.casefold())
        if acct is None:
            raise ScriptRuntimeError(
                f"AI account {account_name!r} is not configured", code=AI_ACCOUNT_MISSING
            )
        if not model:
            raise ScriptRuntimeError("an Embedding Model is needed", code=NAME_INVALID)
        run = providers.Run(self.settings, self.ai, self.options.reporter)
        log = self.ai.call_log
        entry: dict[str, Any] = {
            "call": "embeddings",
            "provider": acct.provider,
            "account": acct.name,
            "model": model,
        }
        try:
            vectors = providers.embeddings(acct.provider).embed(acct, model, texts, run)
        except FMScriptError as exc:
            exc.message = acct.redact(exc.message)
            if log is not None:
                log.write(
                    {**entry, "inputs": len(texts), "error": exc.code, "message": exc.message}, acct.redact
                )
            raise
        if log is not None:
            detail = {"texts": texts, "vectors": log.vectors(vectors)} if log.verbose else {}
            log.write(
                {**entry, "inputs": len(texts), "dimensions": len(vectors[0]) if vectors else 0, **detail},
                acct.redact,
            )
        return vectors

    def rag_space_info(self, account_name: str, space_id: str) -> str:
        """GetRAGSpaceInfo's JSON (``ai.rag``); error 877 when no such RAG account is configured."""
        from fmscript.ai.rag import space_info

        return space_info(self.settings.home, self.ai.rag_account(account_name), space_id)

    def predict_from_model(self, name: str, vector: list[float]) -> float | None:
        """PredictFromModel: the named regression model's prediction (None: no model of that
        name is in memory, or the vector's length is not the model's)."""
        model = self.ai.regression_models.get(name)
        if model is None or len(vector) != model.dimensions:
            return None
        return model.predict(vector)

    # ------------------------------------------------------------------ calc context protocol
    def get_field(self, table: str | None, field: str, repetition: int = 1) -> Value:
        return self.data.get_field(table, field, repetition)

    def related_values(self, table: str | None, field: str) -> list[Value] | None:
        return self.data.related_values(table, field)

    def lookup_next(self, table: str, field: str, higher: bool) -> Value:
        return self.data.lookup_next(table, field, higher)

    def qualify_field(self, table: str | None, field: str) -> str | None:
        """GetFieldName's ``TableOccurrence::Field`` (names as the file spells them), or None when
        the field is not in the file."""
        try:
            occurrence, name = self.data.qualify_field(table, field)
        except FMScriptError:
            return None
        return f"{occurrence}::{name}"

    def get_variable(self, name: str, repetition: int = 1) -> Value:
        variables = self.vars  # Variables.get, inline: every $variable a calculation reads
        scope = (
            variables.globals
            if name.startswith("$$") or not variables.frames
            else variables.frames[-1].locals
        )
        return scope.get((_fold(name), repetition), "")

    def set_variable(self, name: str, value: Value, repetition: int = 1) -> None:
        self.vars.set(name, value, repetition)

    def variable_reader(self, name: str) -> Callable[[Env], Value] | None:
        """The compiled ``$name`` of a calculation (its argument: the Let bindings, unused):
        ``get_variable(name)`` with the scope test and case folding done once
        (``Variables.globals`` and ``.frames`` are never replaced, only changed)."""
        variables = self.vars
        globals_, frames = variables.globals, variables.frames
        key = (_fold(name), 1)
        if name.startswith("$$"):
            return lambda env: globals_.get(key, "")
        return lambda env: (frames[-1].locals if frames else globals_).get(key, "")

    def get_info(self, name: str) -> Value | None:
        return self._info(self, name)

    def file_view(self) -> FileView | None:
        """The open file for design functions, ExecuteSQL and GetNthRecord (None: no file)."""
        from fmscript.steps.file_view import RunFileView

        return RunFileView(self) if self.data.file is not None else None

    # ------------------------------------------------------------------ folders
    def documents_path(self) -> Path:
        return self.options.documents_path or self.settings.documents

    def temporary_path(self) -> Path:
        # FileMaker's temporary folder is a per-session "S<n>" folder inside the system temp folder.
        import os

        path = self.settings.temp / f"S{os.getpid()}"
        path.mkdir(parents=True, exist_ok=True)
        return path


# A step's handler, the step's one definition (``StepSpec.handler``): returns the index of the next
# step when it jumps, else None.
Handler = Callable[[StepContext, ast.Step], "int | None"]

# Step runners for the interpreter's hot loop. A step's spec may name a *specializer*
# (``StepSpec.runner``) that, given one step where it stands in its script (index, block tables,
# step count), returns a runner ``runner(frame) -> int | None`` doing exactly what
# ``handler(ctx, step)`` would, with what does not change between runs (folded names, jump
# targets, compiled calcs) worked out once; or None when that step needs the general handler.
Runner = Callable[[Frame], "int | None"]
Specializer = Callable[[StepContext, ast.Step, int, Blocks, int], "Runner | None"]
