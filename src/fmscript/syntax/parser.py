"""The two Lark parsers (script and calculation), each built once per process and cached.

The grammars live in ``grammar/*.lark`` at the repository root; the wheel carries them as
``fmscript/grammar/``. Both are LALR with the contextual lexer, which is what makes parsing fast.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Lark is imported when a parser is first built, not with this module
    from lark import Lark

_UNSET: Any = object()
_cache_folder: Path | None = _UNSET


def grammar_path(name: str) -> Path:
    """Find ``<name>.lark``: inside the installed package, else the source checkout's grammar/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "grammar" / f"{name}.lark", here.parent.parent / "grammar" / f"{name}.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"grammar {name}.lark not found (looked beside {here})")


def use_cache_folder(folder: Path | None) -> None:
    """Set the folder for Lark's grammar cache (``Settings.cache``; None: no cache). The edge calls
    this; until it does, the default folder of ``Settings()`` is used."""
    global _cache_folder
    _cache_folder = folder


def cache_file(name: str) -> str | bool:
    """Where Lark keeps the analysed grammar between runs (2-3x faster start-up); Lark names the
    file after the grammar's hash, so an edited grammar is never read from a stale cache."""
    import lark

    folder = _cache_folder
    if folder is _UNSET:
        from fmscript.settings import Settings

        folder = Settings().cache
    if folder is None:
        return False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return str(folder / f"{name}-lark-{lark.__version__}.cache")


def lark_options(name: str, strict: bool = False) -> dict[str, Any]:
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
    from lark import Lark

    text = grammar_path(name).read_text(encoding="utf-8")
    return Lark(text, **lark_options(name, strict))
