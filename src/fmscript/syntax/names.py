"""Name folding, in one place.

- :func:`fold` — FileMaker names (tables, fields, layouts, scripts, variables, functions) ignore
  case: ``Support QA`` and ``support qa`` are the same table.
- :func:`lookup_key` — localized words written by people (step names, option labels, Get function
  names in en/ja/zh): also full-width forms (NFKC), spaces and a trailing colon do not matter, so
  ``Ｇｏ to  Layout`` and ``アカウント名：`` are found.
"""

from __future__ import annotations

import functools
import re
import unicodedata


def fold(name: str) -> str:
    """Case-insensitive key for FileMaker names."""
    return name.casefold()


@functools.lru_cache(maxsize=8192)
def lookup_key(text: str) -> str:
    """Lookup key for a step name, option label or Get function name: NFKC, case-folded, no
    whitespace, no trailing colon (ASCII or full-width)."""
    text = unicodedata.normalize("NFKC", text).casefold().strip().rstrip(":：").strip()
    return re.sub(r"\s+", "", text)
