"""Find requests, evaluated with FileMaker's find-mode semantics.

Sources (help.claris.com page titles). Read: "Find operators" (the operator table below),
"Perform Find" (Find Records / Omit Records requests), "Constrain Found Set" (a logical AND;
zero records when nothing matches), "Extend Found Set". Named for the detailed rules but not
retrievable here, so the rules follow the operator table plus FileMaker's long-documented
leading-edge word search: "Finding text and characters", "Finding numbers, dates, times, and
timestamps", "Finding ranges of information". Choices where those pages could not be checked are
marked *Choice*.

Requests (one Perform Find):
  - criteria inside one request are AND-ed; an empty criterion is ignored; a request with no
    criterion at all is error 400 ("Find criteria are empty").
  - requests run in order: a Find request adds the records it matches (searched among all
    records), an Omit request removes the records it matches from what was found so far. When the
    first request is an Omit request, the search starts from all records, so a lone Omit request
    finds everything except its matches.
  - *Choice*: any request with no criterion is error 400, even beside valid ones.
  - the result is in creation order (a find leaves the found set unsorted).

Criterion text, as typed in a field in Find mode ("Find operators" table):
  (plain)     text: every word typed must match the *start* of some word in the field, in any
              order, ignoring case ("Finding text and characters": a leading-edge search);
              number/date/time/timestamp fields: equal value (10 finds 10 and 10.0;
              dates as M/D/YYYY or ISO; a year "2024" or month "3/2024" finds that whole span;
              a date alone in a timestamp field finds that whole day)
  =           empty field (alone); =word matches a whole word ("match whole word")
  ==          whole field: ==abc matches exactly "abc" (ignoring case); wildcards allowed
  * @ #       zero or more characters / any one character / any one digit
  \\          the next character is literal
  "phrase"    literal phrase, from the start of a word; *"phrase" from anywhere
  *           alone: any non-empty value
  !           duplicate values: values that occur in more than one record
  < <= > >=   (also ≤ ≥) compare numbers, dates, times, timestamps; text compares ignoring case
  a...b       inclusive range (also a..b and a…b); *Choice*: "a..." and "...b" are open
              ranges, and a range written backwards (10...1) means the same span
  //          today's date (date and timestamp fields, also inside ranges and comparisons)
  ?           invalid date, time or number: a value in such a field that is not one
*Choice*: unquoted text is split into words at spaces and punctuation ("e-mail" looks for the
words "e" and "mail"); ``*`` and ``@`` do not cross spaces except after ``==``; text compared with
< > or ranges compares the whole field, ignoring case.
Not implemented: ~ (Japanese relaxed search), related-table criteria, repeating fields.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fmscript.data.convert import (
    from_storage,
    number_of,
    parse_date,
    parse_number,
    parse_time,
    parse_timestamp,
    to_text,
)
from fmscript.data.schema import Field, FieldType, fold
from fmscript.errors import FIELD_MISSING, FIND_CRITERIA_EMPTY, NO_RECORD, TABLE_MISSING, ScriptRuntimeError
from fmscript.syntax.ast import FindRequest

if TYPE_CHECKING:
    from fmscript.data.sqlite_file import FMFile

Pred = Callable[[Any], bool]


class FindMode:
    """Find requests being typed in Find mode: one dict of criteria per request."""

    def __init__(self, requests: list[FindRequest] | None = None) -> None:
        self.requests: list[tuple[bool, dict[str, str]]] = [
            (r.omit, dict(r.criteria)) for r in (requests or [FindRequest(())])
        ]
        self.current = len(self.requests) - 1

    def set_criterion(self, table: str | None, field: str, text: str) -> None:
        name = f"{table}::{field}" if table else field
        self.requests[self.current][1][name] = text

    def new_request(self) -> None:
        self.requests.append((False, {}))
        self.current = len(self.requests) - 1

    def duplicate_request(self) -> None:
        omit, crit = self.requests[self.current]
        self.requests.append((omit, dict(crit)))
        self.current = len(self.requests) - 1

    def delete_request(self) -> None:
        if len(self.requests) > 1:
            del self.requests[self.current]
            self.current = min(self.current, len(self.requests) - 1)
        else:
            self.requests = [(False, {})]

    def omit_current(self) -> None:
        omit, crit = self.requests[self.current]
        self.requests[self.current] = (not omit, crit)

    def go(self, where: str | int) -> None:
        n = len(self.requests)
        moves = {"First": 0, "Last": n - 1, "Next": self.current + 1, "Previous": self.current - 1}
        target = where - 1 if isinstance(where, int) else moves.get(where, 0)
        if not 0 <= target < n:
            raise ScriptRuntimeError("there is no such find request", code=NO_RECORD)
        self.current = target

    def to_requests(self) -> list[FindRequest]:
        return [FindRequest(tuple(crit.items()), omit) for omit, crit in self.requests]


class _Duplicates:
    """Marker for the ``!`` operator: it needs every record's value, not one."""


_DUPLICATES = _Duplicates()


def find(
    file: FMFile,
    table: str,
    requests: Sequence[FindRequest],
    *,
    today: dt.date | None = None,
    occurrence: str | None = None,
) -> list[int]:
    """Record ids of ``table`` matching ``requests`` (in order), in creation order.

    A criterion on a related field (``Related::Field``, related to the layout's table occurrence
    ``occurrence``) finds the records with at least one related record matching it; the criteria
    of one request on the same related table occurrence must match the same related record."""
    t = file.resolve_table(table)
    if t is None:
        raise ScriptRuntimeError(f"Table “{table}” is missing", code=TABLE_MISSING)
    today = today or dt.date.today()
    if not requests or any(r.is_empty() for r in requests):
        raise ScriptRuntimeError("Find criteria are empty", code=FIND_CRITERIA_EMPTY)

    columns: list[str] = []
    compiled: list[tuple[bool, list[tuple[int, Field, Any]], list[set[int]]]] = []
    for request in requests:
        preds = []
        related: dict[str, list[tuple[str, str]]] = {}
        for name, text in request.criteria:
            if not text.strip():
                continue  # FileMaker ignores a field left empty in a request
            owner = _related_owner(t, occurrence, name)
            if owner is not None:
                related.setdefault(fold(owner), []).append((name, text))
                continue
            f = file.field(t, _unqualified(t, name))
            if f.name not in columns:
                columns.append(f.name)
            preds.append((columns.index(f.name), f, _compile(text, f.type, today)))
        hits_through = [_related_hits(file, t, occurrence or t, crits, today) for crits in related.values()]
        compiled.append((request.omit, preds, hits_through))

    rows = file.raw_rows(t, columns)
    duplicates: dict[int, Pred] = {}
    found: set[int] = {rid for rid, _v in rows} if compiled[0][0] else set()
    for omit, preds, hits_through in compiled:
        checks: list[tuple[int, Pred]] = []
        for col, f, pred in preds:
            if pred is _DUPLICATES:
                if col not in duplicates:
                    duplicates[col] = _duplicates_pred([v[col] for _rid, v in rows], f.type)
                pred = duplicates[col]
            checks.append((col, pred))
        hits = {
            rid
            for rid, values in rows
            if all(p(values[c]) for c, p in checks) and all(rid in related for related in hits_through)
        }
        found = found - hits if omit else found | hits
    return [rid for rid, _v in rows if rid in found]


def _related_owner(table: str, occurrence: str | None, name: str) -> str | None:
    """The table occurrence of a criterion's field when it is not the layout's own, else None."""
    owner, sep, _field = name.partition("::")
    owner = owner.strip()
    if not sep or not owner or fold(owner) in (fold(table), fold(occurrence or table)):
        return None
    return owner


def _related_hits(
    file: FMFile, table: str, occurrence: str, criteria: list[tuple[str, str]], today: dt.date
) -> set[int]:
    """The records of ``table`` with a related record (of the criteria's occurrence) that matches
    every criterion: the matching related records, followed back to ``table``."""
    owner = criteria[0][0].partition("::")[0].strip()
    hops = file.graph.path(owner, occurrence)
    target = file.resolve_table(owner)
    if not hops or target is None:
        raise ScriptRuntimeError(
            f"Finding on “{criteria[0][0]}” needs a related table; “{owner}” is not related to “{occurrence}”",
            code=FIELD_MISSING,
        )
    fields = [file.field(target, name.partition("::")[2].strip()) for name, _text in criteria]
    preds = [_compile(text, f.type, today) for f, (_name, text) in zip(fields, criteria)]
    rows = file.raw_rows(target, [f.name for f in fields])
    for i, pred in enumerate(preds):
        if pred is _DUPLICATES:
            preds[i] = _duplicates_pred([v[i] for _rid, v in rows], fields[i].type)
    matching = [rid for rid, values in rows if all(p(values[i]) for i, p in enumerate(preds))]
    return set(file.related.along(hops, target, matching)[1]) if matching else set()


def _unqualified(table: str, name: str) -> str:
    if "::" not in name:
        return name
    owner, _sep, field = name.partition("::")
    if owner.strip() and fold(owner.strip()) != fold(table):
        raise ScriptRuntimeError(
            f"Finding on “{name}” needs a related table; only fields of “{table}” can be searched",
            code=FIELD_MISSING,
        )
    return field.strip()


# ------------------------------------------------------------------ criterion -> predicate


def _compile(text: str, ftype: FieldType, today: dt.date) -> Any:
    s = text.strip()
    if s in ("=", "=="):
        return _is_empty
    if s == "*":
        return lambda raw: not _is_empty(raw)
    if s == "!":
        return _DUPLICATES
    if s == "?":
        return _invalid_pred(ftype)
    if s.startswith("=="):
        return _whole_field(s[2:], ftype, today)
    for op in ("<=", ">=", "≤", "≥", "<", ">"):
        if s.startswith(op):
            return _comparison(op, s[len(op) :].strip(), ftype, today)
    if s.startswith("="):
        return _equal_or_words(s[1:].strip(), ftype, today, whole_word=True)
    if '"' not in s and "“" not in s:
        m = re.search(r"\.\.\.|…|\.\.", s)
        if m:
            return _range(s[: m.start()].strip(), s[m.end() :].strip(), ftype, today)
    return _equal_or_words(s, ftype, today, whole_word=False)


def _is_empty(raw: Any) -> bool:
    return raw is None or raw == "" or raw == b""


def _text_of(raw: Any, ftype: FieldType) -> str:
    """A stored value as the text FileMaker would show (dates M/D/YYYY, numbers plain)."""
    if _is_empty(raw) or isinstance(raw, bytes):
        return ""
    return to_text(from_storage(raw, ftype))


def value_key(raw: Any, ftype: FieldType) -> Any:
    """An orderable key for a stored value, or None when it is empty or not of the field's type."""
    if _is_empty(raw):
        return None
    if ftype is FieldType.NUMBER:
        return number_of(raw)
    if ftype in (FieldType.TEXT, FieldType.CONTAINER):
        return _text_of(raw, ftype).casefold()
    if isinstance(raw, (int, float)):
        raw = from_storage(raw, ftype)
        if isinstance(raw, str):
            return None
        return Decimal(raw.seconds) if ftype is FieldType.TIME else raw
    text = str(raw)
    if ftype is FieldType.DATE:
        return parse_date(text)
    if ftype is FieldType.TIME:
        return parse_time(text)
    return parse_timestamp(text)


def _bounds(text: str, ftype: FieldType, today: dt.date) -> tuple[Any, Any] | None:
    """The inclusive span of keys a criterion value stands for, or None when it does not parse."""
    s = text.strip()
    if ftype is FieldType.NUMBER:
        n = parse_number(s)
        return (n, n) if n is not None else None
    if ftype in (FieldType.TEXT, FieldType.CONTAINER):
        return (s.casefold(), s.casefold()) if s else None
    if ftype is FieldType.TIME:
        secs = parse_time(s)
        return (secs, secs) if secs is not None else None
    days = _date_span(s, today)
    if ftype is FieldType.DATE:
        return days
    if days is not None:  # a date (or year, or month) in a timestamp field: the whole span
        start = dt.datetime.combine(days[0], dt.time())
        return start, dt.datetime.combine(days[1], dt.time.max)
    stamp = parse_timestamp(s)
    return (stamp, stamp) if stamp is not None else None


def _date_span(s: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    if s == "//":
        return today, today
    day = parse_date(s)
    if day is not None:
        return day, day
    try:
        if m := re.fullmatch(r"\d{4}", s):
            year = int(m[0])
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        if m := re.fullmatch(r"(\d{1,2})/(\d{4})|(\d{4})-(\d{1,2})", s):
            month, year = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
            first = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
    except ValueError:
        return None
    return None


def _comparison(op: str, value: str, ftype: FieldType, today: dt.date) -> Pred:
    span = _bounds(value, ftype, today)
    if span is None:
        return lambda raw: False
    lo, hi = span
    test: Callable[[Any], bool] = {
        "<": lambda k: k < lo,
        "<=": lambda k: k <= hi,
        "≤": lambda k: k <= hi,
        ">": lambda k: k > hi,
        ">=": lambda k: k >= lo,
        "≥": lambda k: k >= lo,
    }[op]

    def pred(raw: Any) -> bool:
        key = value_key(raw, ftype)
        return key is not None and test(key)

    return pred


def _range(low: str, high: str, ftype: FieldType, today: dt.date) -> Pred:
    lo = _bounds(low, ftype, today) if low else None
    hi = _bounds(high, ftype, today) if high else None
    if (low and lo is None) or (high and hi is None) or (lo is None and hi is None):
        return lambda raw: False
    start = lo[0] if lo else None
    end = hi[1] if hi else None
    if start is not None and end is not None and start > end:
        # Written backwards (10...1): take it as the same span rather than an empty one.
        start, end = hi[0], lo[1]  # type: ignore[index]

    def pred(raw: Any) -> bool:
        key = value_key(raw, ftype)
        if key is None:
            return False
        return (start is None or key >= start) and (end is None or key <= end)

    return pred


def _equal_or_words(s: str, ftype: FieldType, today: dt.date, *, whole_word: bool) -> Pred:
    if ftype not in (FieldType.TEXT, FieldType.CONTAINER):
        span = _bounds(s, ftype, today)
        if span is not None:
            lo, hi = span

            def equal(raw: Any) -> bool:
                key = value_key(raw, ftype)
                return key is not None and lo <= key <= hi

            return equal
    if not s:
        return _is_empty
    patterns = _word_patterns(s, whole_word)

    def words(raw: Any) -> bool:
        text = _text_of(raw, ftype).casefold()
        return all(p.search(text) for p in patterns)

    return words


def _whole_field(s: str, ftype: FieldType, today: dt.date) -> Pred:
    s = s.strip()
    if ftype not in (FieldType.TEXT, FieldType.CONTAINER) and not re.search(r'[*@#"“\\]', s):
        return _equal_or_words(s, ftype, today, whole_word=True)
    pattern = re.compile(_field_regex(s), re.DOTALL)
    return lambda raw: pattern.fullmatch(_text_of(raw, ftype).casefold()) is not None


def _invalid_pred(ftype: FieldType) -> Pred:
    if ftype in (FieldType.TEXT, FieldType.CONTAINER):
        return lambda raw: False
    return lambda raw: not _is_empty(raw) and value_key(raw, ftype) is None


def _duplicates_pred(values: Iterable[Any], ftype: FieldType) -> Pred:
    def dup_key(raw: Any) -> Any:
        key = value_key(raw, ftype)
        return key if key is not None else _text_of(raw, ftype).casefold() or None

    counts = Counter(k for k in map(dup_key, values) if k is not None)
    return lambda raw: (k := dup_key(raw)) is not None and counts[k] > 1


# ------------------------------------------------------------------ text patterns

_WILDCARDS = {"*": r"\S*", "@": r"\S", "#": r"\d"}
_QUOTES = {'"': '"', "“": "”", "”": "”"}


def _word_patterns(s: str, whole_word: bool) -> list[re.Pattern[str]]:
    """One regex per word or phrase of a criterion; a field matches when all of them match.

    Unquoted text is split into words at spaces and punctuation (FileMaker indexes words, so
    "e-mail" looks for the words "e" and "mail"); each word must start a word of the field.
    """
    patterns: list[str] = []
    i, n = 0, len(s)
    word: list[str] = []  # regex pieces of the word being read

    def end_word() -> None:
        if word:
            pieces = "".join(word)
            starts_literal = not word[0].startswith("\\S") and not word[0].startswith("\\d")
            anchor = r"(?<!\w)" if starts_literal else ""
            patterns.append(anchor + pieces + (r"(?!\w)" if whole_word else ""))
            word.clear()

    while i < n:
        ch = s[i]
        if ch in _QUOTES or (ch == "*" and i + 1 < n and s[i + 1] in _QUOTES and not word):
            anywhere = ch == "*"
            if anywhere:
                i += 1
            end_word()
            close = s.find(_QUOTES[s[i]], i + 1)
            close = n if close < 0 else close
            phrase = s[i + 1 : close].casefold()
            if phrase:
                anchor = r"(?<!\w)" if not anywhere and re.match(r"\w", phrase) else ""
                patterns.append(anchor + re.escape(phrase))
            i = close + 1
            continue
        if ch == "\\" and i + 1 < n:
            word.append(re.escape(s[i + 1].casefold()))
            i += 2
            continue
        if ch in _WILDCARDS:
            word.append(_WILDCARDS[ch])
        elif re.match(r"\w", ch):
            word.append(re.escape(ch.casefold()))
        else:
            end_word()  # spaces and punctuation separate words
        i += 1
    end_word()
    if not patterns:  # only punctuation typed: look for it literally
        patterns.append(re.escape(s.casefold()))
    return [re.compile(p) for p in patterns]


def _field_regex(s: str) -> str:
    """Regex for a whole-field (``==``) criterion: wildcards and quotes, no word splitting."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch in _QUOTES:
            close = s.find(_QUOTES[ch], i + 1)
            close = n if close < 0 else close
            out.append(re.escape(s[i + 1 : close].casefold()))
            i = close + 1
            continue
        if ch == "\\" and i + 1 < n:
            out.append(re.escape(s[i + 1].casefold()))
            i += 2
            continue
        out.append({"*": ".*", "@": ".", "#": r"\d"}.get(ch) or re.escape(ch.casefold()))
        i += 1
    return "".join(out)


__all__ = ["FindMode", "FindRequest", "find"]
