"""The one registry of calculation functions.

Each function is declared once, next to its implementation, with its arity::

    @function("Left", 2)
    def left(ctx, text, count): ...

``impl(ctx, *args)`` receives already-evaluated values (see ``fmscript.calc.values``), except for
``lazy=True`` functions (If, Case, Let, ...), which receive ``(ctx, evaluator, *nodes)``. A
bracketed argument group such as ``JSONSetElement ( json ; [ k ; v ; t ] ; [ k ; v ; t ] )`` or
``Substitute ( t ; [ a ; b ] ; [ c ; d ] )`` arrives as a ``tuple`` of evaluated values.
Lookup is case-insensitive, as in FileMaker. Arity is checked centrally by the evaluator, which also
attaches the call's source span to any error an implementation raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs

from fmscript.calc.context import CalcContext
from fmscript.calc.values import Value
from fmscript.syntax.names import fold

# A calculation function: ``impl(ctx: CalcContext, *values)``, or ``impl(ctx, lazy_args, *nodes)``.
Impl = Callable[..., Value]
_F = TypeVar("_F", bound=Impl)


@attrs.frozen
class FunctionSpec:
    name: str
    min_args: int
    max_args: int | None  # None = variadic
    impl: Impl
    lazy: bool = False
    # Zero-argument functions FileMaker lets you write without parentheses (Pi, True, False, ...).
    bare: bool = False
    category: str = ""
    # Aggregates (Sum, Count, List …): a ``Table::Field`` argument naming a related table occurrence
    # arrives as a tuple of every related record's value ("If field is a related field, …").
    over_related: bool = False

    def arity_text(self) -> str:
        if self.max_args is None:
            return f"at least {self.min_args}"
        if self.min_args == self.max_args:
            return str(self.min_args)
        return f"{self.min_args} to {self.max_args}"


FUNCTIONS: dict[str, FunctionSpec] = {}


def function(
    name: str,
    min_args: int,
    max_args: int | None | str = "same",
    *,
    lazy: bool = False,
    bare: bool = False,
    category: str = "",
    over_related: bool = False,
) -> Callable[[_F], _F]:
    """Declare a calculation function. ``max_args`` defaults to ``min_args``; None means variadic."""

    def register(impl: _F) -> _F:
        key = fold(name)
        if key in FUNCTIONS:
            raise RuntimeError(f"calculation function {name} declared twice")
        top = min_args if max_args == "same" else max_args
        assert not isinstance(top, str)
        FUNCTIONS[key] = FunctionSpec(
            name,
            min_args,
            top,
            impl,
            lazy,
            bare,
            category or impl.__module__.rsplit(".", 1)[-1],
            over_related,
        )
        return impl

    return register


def constant(name: str, value: Value) -> None:
    """Declare a zero-argument function written without parentheses (``JSONString`` is 1)."""

    def impl(ctx: CalcContext) -> Value:
        return value

    function(name, 0, bare=True)(impl)


def lookup(name: str) -> FunctionSpec | None:
    load_all()
    return FUNCTIONS.get(fold(name))


_loaded = False


def load_all() -> None:
    """Import every function module once (they register themselves)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import pkgutil

    from fmscript.calc import functions as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name != "registry":
            importlib.import_module(f"fmscript.calc.functions.{info.name}")
