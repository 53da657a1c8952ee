"""The two Lark parsers (script and calculation), each built once per process and cached.

The grammars live in ``grammar/*.lark`` at the repository root; the wheel carries them as
``fmscript/grammar/``. Both are LALR with the contextual lexer, which is what makes parsing fast.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lark import Lark


def grammar_path(name: str) -> Path:
    """Find ``<name>.lark``: inside the installed package, else the source checkout's grammar/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / f"{name}.lark", here.parent.parent / "grammar" / f"{name}.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"grammar {name}.lark not found (looked beside {here})")


# The cache folder (``Settings.cache``), set once at the edge by :func:`configure_cache`; until
# then the default folder. None: caching is off (``FMSCRIPT_CACHE=off``).
_cache_folder: Path | None | bool = True  # True: not configured, use the default


def configure_cache(folder: Path | None) -> None:
    """Called by the edge (CLI, server, public API) with ``Settings.cache``."""
    global _cache_folder
    _cache_folder = folder


def cache_file(name: str) -> str | bool:
    """Where Lark keeps the analysed grammar between runs (2-3x faster start-up); Lark names the
    file after the grammar's hash, so an edited grammar is never read from a stale cache."""
    import os

    if _cache_folder is None:
        return False
    if _cache_folder is True:
        from fmscript.settings import Settings

        folder = str(Settings().cache)
    else:
        folder = str(_cache_folder)
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.path.join(folder, f"{name}-lark-{__import__('lark').__version__}.cache")


def lark_options(name: str, strict: bool = False) -> dict[str, object]:
    return {
        "parser": "lalr",
        "lexer": "contextual",
        "propagate_positions": False,
        "maybe_placeholders": False,
        "strict": strict,
        "cache": False if strict else cache_file(name),
    }


@functools.cache
def get_parser(name: str, strict: bool = False) -> Lark:
    """The Lark parser for ``script`` or ``calc`` (cached; ``strict`` for the grammar test)."""
    from lark import Lark  # imported on first parse only (start-up of commands that never parse)

    text = grammar_path(name).read_text(encoding="utf-8")
    return Lark(text, **lark_options(name, strict))
