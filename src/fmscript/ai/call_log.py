"""Set AI Call Logging's log: one JSON object per AI call, appended to a file (JSON Lines).

Claris (21.0, set-ai-call-logging.html): On logs every AI script step and function call to the
file (default ``LLMDebug.log`` in the Documents folder), appending; Off stops; Verbose adds detail
— the embedding vectors, the full messages, the parameters —; Truncate Messages shortens long
entries (vectors) when Verbose is on. *Choice*: FileMaker does not publish its log's layout;
fmscript's line is ``{"time", "call", "provider", "account", "model", …, "error"?}``. API keys
never reach the log: every text passes through the account's ``redact``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

DEFAULT_NAME = "LLMDebug.log"
TRUNCATED_ITEMS = 8  # a vector's first numbers kept by Truncate Messages


@attrs.frozen
class CallLog:
    path: Path
    verbose: bool = False
    truncate: bool = False

    def write(self, entry: dict[str, Any], redact: Callable[[str], str]) -> None:
        """Append one entry (a failing disk is not the AI call's failure: the entry is dropped)."""
        line = redact(json.dumps({"time": _now(), **entry}, ensure_ascii=False, separators=(",", ":")))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        except OSError:
            pass

    def vectors(self, vectors: list[list[float]]) -> list[Any]:
        """Vectors as Verbose logs them (shortened by Truncate Messages)."""
        if not self.truncate:
            return [list(v) for v in vectors]
        return [[*v[:TRUNCATED_ITEMS], f"… {len(v)} numbers"] for v in vectors]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
