"""Source spans and the one error hierarchy of fmscript.

Every error a user can see carries a :class:`SourceSpan`; ``str(error)`` renders
``file:line:col: Kind: message`` followed by the source line and a caret line, so the CLI never
has to show a traceback.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class SourceSpan:
    """A region of script text: 1-based lines and columns, end exclusive on the same line."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    source_line: str = attrs.field(default="", eq=False, repr=False)

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def caret(self) -> str:
        """The source line and a ``^^^`` line under the span (empty when the line is unknown)."""
        if not self.source_line:
            return ""
        text = self.source_line.rstrip("\n")
        # Keep the caret aligned under wide (CJK, full-width) characters and tabs.
        prefix = "".join(
            "\t" if ch == "\t" else ("　" if _is_wide(ch) else " ") for ch in text[: self.column - 1]
        )
        end = self.end_column if self.end_line == self.line else len(text) + 1
        width = max(1, end - self.column)
        marks = "".join(
            "^^" if _is_wide(ch) else "^" for ch in text[self.column - 1 : self.column - 1 + width]
        )
        return f"{text}\n{prefix}{marks or '^'}"


def _is_wide(ch: str) -> bool:
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F")


class FMScriptError(Exception):
    """Base of every error fmscript reports. ``code`` is the FileMaker error number, when one applies."""

    kind = "Error"
    default_code: int | None = None

    def __init__(self, message: str, span: SourceSpan | None = None, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.code = code if code is not None else self.default_code

    def with_span(self, span: SourceSpan | None) -> FMScriptError:
        """Attach a span if the error has none yet (inner code raises, outer code knows where)."""
        if self.span is None and span is not None:
            self.span = span
        return self

    def __str__(self) -> str:
        head = f"{self.kind}: {self.message}"
        if self.span is None:
            return head
        caret = self.span.caret()
        return f"{self.span.location()}: {head}" + (f"\n{caret}" if caret else "")


class ScriptSyntaxError(FMScriptError):
    """Script text that does not follow FileMaker's copy-as-text form."""

    kind = "SyntaxError"


class UnknownStepError(ScriptSyntaxError):
    kind = "UnknownStep"


class OptionError(ScriptSyntaxError):
    """A step option that the step does not take, or a value of the wrong form."""

    kind = "OptionError"


class CalcSyntaxError(FMScriptError):
    kind = "CalcSyntaxError"
    default_code = 1208  # FileMaker: "operator missing, function not found or '(' not expected"


class CalcError(FMScriptError):
    """An error while evaluating a calculation."""

    kind = "CalcError"
    default_code = 1200  # FileMaker: "generic calculation error"


class UnknownFunctionError(CalcError):
    kind = "UnknownFunction"
    default_code = 113  # FileMaker: "function is missing"


class ArityError(CalcError):
    kind = "ArityError"
    default_code = 1201  # FileMaker: "too few parameters in the function" (1202: too many)


class FieldMissingError(CalcError):
    kind = "FieldMissing"
    default_code = 102


class ScriptRuntimeError(FMScriptError):
    """A step failed at run time; ``code`` is what Get ( LastError ) reports."""

    kind = "RuntimeError"
    default_code = -1


class UsageError(FMScriptError):
    """Bad command-line use (exit code 2)."""

    kind = "UsageError"
