"""Reading script and SQL text files: UTF-8 (with or without a BOM), or UTF-16 with a BOM.

FileMaker's "copy as text" is Unicode; a script saved by Windows Notepad as "Unicode" is UTF-16 with
a byte-order mark, so fmscript decodes that too (the BOM says which). Anything else that is not
valid UTF-8 (a Latin-1 ``é``, random bytes) is one clean error at the first bad byte:
``file:line:col: EncodingError: not valid UTF-8 …`` — never a traceback.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from fmscript.errors import ScriptSyntaxError, SourceSpan


class EncodingError(ScriptSyntaxError):
    """A text file that is neither UTF-8 nor UTF-16 with a byte-order mark."""

    kind = "EncodingError"


_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def read_text(path: Path | str, what: str = "script") -> str:
    """The text of ``path``. Raises EncodingError (positioned at the first bad byte) or, when
    the file cannot be read at all, EncodingError at 1:1 with the system's reason."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise EncodingError(
            f"cannot read the {what} file: {exc.strerror or exc}", SourceSpan(name, 1, 1, 1, 2)
        ) from None
    return decode(data, name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 (BOM dropped) or BOM-marked UTF-16; EncodingError at the first undecodable byte."""
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise _error(
                    data, name, exc.start + len(bom), "not valid UTF-16 (after a UTF-16 byte-order mark)"
                ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        raise _error(data, name, exc.start + skip, "not valid UTF-8") from None


def _error(data: bytes, name: str, at: int, message: str) -> EncodingError:
    line_start = data.rfind(b"\n", 0, at) + 1
    line = data.count(b"\n", 0, at) + 1
    column = len(data[line_start:at].decode("utf-8", "replace")) + 1
    line_end = data.find(b"\n", at)
    source = data[line_start : line_end if line_end >= 0 else len(data)][:2000].decode("utf-8", "replace")
    # Random bytes would put control characters on the terminal: show them as U+FFFD.
    source = "".join(ch if ch.isprintable() or ch == "\t" else "\ufffd" for ch in source.rstrip("\r"))
    bad = data[at]
    hint = "save the file as UTF-8" if "UTF-8" in message else "save the file again as UTF-8"
    return EncodingError(
        f"{message} (byte 0x{bad:02X}); {hint}", SourceSpan(name, line, column, line, column + 1, source)
    )
