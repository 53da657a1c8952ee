"""Control-flow signals: how Exit Script, Halt Script and --halt-on-error unwind the interpreter.

They are not errors (Get ( LastError ) never sees them); steps raise them, the runtime catches them.
"""

from __future__ import annotations

from fmscript.calc.values import Value
from fmscript.errors import FMScriptError


class ExitScript(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, result: Value) -> None:
        self.result = result


class HaltScript(Exception):  # noqa: N818
    pass


class HaltOnError(Exception):  # noqa: N818
    def __init__(self, error: FMScriptError) -> None:
        self.error = error
