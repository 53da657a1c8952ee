"""What a calculation sees of the world: the :class:`CalcContext` protocol every calculation
function receives as ``ctx``, and :class:`FileView`, the open file as design and record functions
see it. The runtime implements both (``steps.state.StepContext``, ``steps.file_view``);
``evaluator.SimpleContext`` is the context without a file. The calc layer never imports the data
layer: everything it needs goes through these two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fmscript.calc.values import Value

# Let variables in scope while a calculation runs.
Env = dict[str, Value]

# A calculation function's argument: a value, or a tuple — a bracketed group (``Substitute ( t ;
# [ a ; b ] )``, ``JSONSetElement ( j ; [ k ; v ; t ] )``) or an aggregate's related values.
Arg = Value | tuple[Value, ...]


class FileView(Protocol):
    """What design and record functions may ask of the open file."""

    def is_file(self, name: str) -> bool: ...
    def file_name(self) -> str: ...
    def table_names(self) -> list[str]: ...
    def layout_names(self) -> list[str]: ...
    def script_names(self) -> list[str]: ...
    def field_names(self, layout_or_table: str) -> list[str] | None: ...
    def field_type(self, field: str) -> str | None: ...
    def table_ddl(self, table: str) -> str | None: ...
    def nth_record(self, table: str | None, field: str, number: int) -> tuple[bool, Value]: ...
    def query(self, sql: str, arguments: list[Value]) -> list[tuple[Value, ...]]: ...
    def found_set_ids(self) -> list[int]: ...
    def base_table(self, table: str | None) -> str: ...
    def field_comment(self, field: str) -> str | None: ...
    def base_table_names(self) -> list[str]: ...
    def relation_info(self, table: str) -> list[tuple[str, list[str], list[str]]] | None: ...
    def next_serial(self, field: str) -> str | None: ...


class CalcContext(Protocol):
    """What a calculation can see of the running script."""

    def get_field(self, table: str | None, field: str, repetition: int = 1) -> Value: ...
    def get_variable(self, name: str, repetition: int = 1) -> Value: ...
    def set_variable(self, name: str, value: Value, repetition: int = 1) -> None: ...

    def get_info(self, name: str) -> Value | None:
        """What ``Get ( name )`` answers here; None: its value outside a run."""

    def variable_reader(self, name: str) -> Callable[[Env], Value] | None:
        """The compiled form of ``$name`` (repetition 1) with the scope choice and case folding
        done once, for the closures loops run over and over; None: use ``get_variable``."""

    def file_view(self) -> FileView | None:
        """The open file for design functions, ExecuteSQL and GetNthRecord; None: no file."""

    def related_values(self, table: str | None, field: str) -> list[Value] | None:
        """Every related record's value of ``table::field`` (Sum, Count, List …); None when
        ``table`` is not a related occurrence (the field is then one value)."""

    def lookup_next(self, table: str, field: str, higher: bool) -> Value:
        """LookupNext when no record is related: the next higher/lower match's value, or ""."""

    def qualify_field(self, table: str | None, field: str) -> str | None:
        """``TableOccurrence::Field`` as the file spells them; None: not a field of the file."""
