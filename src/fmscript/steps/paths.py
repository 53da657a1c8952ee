"""FileMaker path lists (Claris "Creating file paths"): one path per line, tried in order.

Each entry may carry a prefix (``file:``, ``filemac:``, ``filewin:``, ``filelinux:``); an entry
that is just a variable name (``$trainingFile``, as in the seed's Fine-Tune Model example) stands
for that variable's value. fmscript's rule for relative paths: FileMaker resolves them against the
database file's folder, so fmscript uses the folder of the ``--file`` database when it is on disk,
else the folder of the running script.
"""

from __future__ import annotations

import re
from pathlib import Path

from fmscript.calc import values as V
from fmscript.errors import CANNOT_CREATE_FILE, FMScriptError, ScriptRuntimeError
from fmscript.steps.state import StepContext
from fmscript.syntax import scan

_PREFIX = re.compile(
    r"^(file|filemac|filewin|filelinux|image|imagemac|imagewin|movie|moviemac|moviewin)\s*:", re.I
)


def path_entries(text: str, ctx: StepContext) -> list[str]:
    """The entries of a path list as written in the step (quoted or not), variables expanded.

    FileMaker's path lists are text with $variables, never calculations; a list written as one
    (``"out" & $name & ".jsonl"``) is evaluated, so that what it computes is the path — reading
    only its quoted pieces would write ``out`` and silently drop the rest (a NUL in $name too)."""
    quoted = scan.strings(text)
    if _is_calculation(text, bool(quoted)):
        try:
            raw = [V.to_text(ctx.evaluator.evaluate_text(text))]
        except FMScriptError as exc:
            # The path list was compiled on its own ("<calc>:1:11"): report the error at the step.
            raise ScriptRuntimeError(f"the file path {text!r}: {exc.message}", code=exc.code) from exc
    else:
        raw = quoted if quoted else [text]
    out: list[str] = []
    for chunk in raw:
        for line in re.split(r"\r\n|\r|\n|¶", chunk):
            entry = line.strip()
            if not entry:
                continue
            if re.fullmatch(r"\$\$?[^\s$]+", entry):
                value = V.to_text(ctx.vars.get(entry))
                out.extend(e.strip() for e in re.split(r"\r\n|\r|\n", value) if e.strip())
            else:
                out.append(entry)
    return out


def _is_calculation(text: str, quoted: bool) -> bool:
    """Anything besides quoted paths, $variables and line breaks around them (an ``&``, a function
    call) makes the list a calculation."""
    if any(True for _ in scan.unquoted(text, only="&")):
        return True
    if not quoted:
        return False
    rest = "".join(ch for _i, ch in scan.unquoted(text))
    return re.sub(r"\$\$?[^\W\d]\w*|[\s¶]", "", rest) != ""


def base_folder(ctx: StepContext) -> Path:
    file_path = getattr(ctx.data.file, "path", None) if ctx.data.file is not None else None
    return Path(file_path).parent if file_path else ctx.script_dir


def to_local_path(entry: str, ctx: StepContext) -> Path:
    """A FileMaker path (with or without prefix) → a local path. A NUL character can name no file
    (the OS refuses it): error 800, capturable, instead of Python's ValueError."""
    if "\x00" in entry:
        raise ScriptRuntimeError(f"the path {entry!r} contains a NUL character", code=CANNOT_CREATE_FILE)
    text = _PREFIX.sub("", entry.strip(), count=1).strip()
    if re.match(r"^/[A-Za-z]:/", text):  # /C:/Users/... (FileMaker's Windows form)
        text = text[1:]
    if text.startswith("~"):
        return Path(text).expanduser()
    path = Path(text)
    return path if path.is_absolute() else base_folder(ctx) / path


def resolve_paths(text: str, ctx: StepContext) -> list[Path]:
    return [to_local_path(e, ctx) for e in path_entries(text, ctx)]
