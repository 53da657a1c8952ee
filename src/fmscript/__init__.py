"""fmscript: run FileMaker-style script text, fine-tune models with it, chat with them.

Only light modules are imported here; heavy ones (mlx, openai, fastapi) load where they are used.
"""

from __future__ import annotations

from typing import Any

from fmscript._version import __version__

__all__ = ["__version__", "parse_script", "run_script"]


def parse_script(text: str, filename: str = "<script>") -> Any:
    """Parse script text into a :class:`fmscript.syntax.ast.Script` (raises fmscript errors)."""
    from fmscript.syntax.build import parse_script as _parse

    return _parse(text, filename)


def run_script(path: str, **options: Any) -> Any:
    """Run a script file; see ``fmscript.runtime.session.run_file`` for the options."""
    from fmscript.runtime.session import run_file

    return run_file(path, **options)
