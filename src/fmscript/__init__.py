"""fmscript: run FileMaker-style script text, fine-tune models with it, chat with them.

Only light modules are imported here; heavy ones (mlx, openai, fastapi) load where they are used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fmscript._version import __version__

if TYPE_CHECKING:
    from fmscript.calc.values import Value
    from fmscript.settings import Settings
    from fmscript.steps.state import RunOptions, StepContext
    from fmscript.syntax.ast import Script

__all__ = ["__version__", "parse_script", "run_script"]


def parse_script(text: str, filename: str = "<script>") -> Script:
    """Parse script text into a :class:`fmscript.syntax.ast.Script` (raises fmscript errors)."""
    from fmscript.syntax.build import parse_script as _parse

    return _parse(text, filename)


def run_script(
    path: str | Path,
    file: str | Path | None = None,
    parameter: str = "",
    options: RunOptions | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    save: str | Path | None = None,
    settings: Settings | None = None,
) -> tuple[int, Value, StepContext | None]:
    """Run a script file: (exit code, script result, run context); see
    ``fmscript.runtime.session.run_file``."""
    from fmscript.runtime.session import run_file

    return run_file(path, file, parameter, options, out, err, save, settings)
