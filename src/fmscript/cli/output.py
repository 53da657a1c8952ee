"""What the ``jobs``, ``models``, ``keys``, ``eval`` and ``validate`` commands share: formatting."""

from __future__ import annotations

import json
import time
from typing import Any


def when(ms: int | None) -> str:
    """A millisecond timestamp as local ``YYYY-MM-DD HH:MM:SS`` (empty for None)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else ""


def table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in [headers, *rows]]
    return "\n".join(lines)


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)
