"""Found sets and finds: Perform Find, Enter Find Mode, Constrain / Extend Found Set, Show All
Records, Show Omitted Only, Omit Record, Sort Records, Unsort Records.

Stored requests come from the step text (``Specified Find Requests: Find Records ; Criteria:
T::F: “x”``); requests built in Find mode (Enter Find Mode, Set Field, New Record/Request) work too.
"""

from __future__ import annotations

from typing import Any

from fmscript.data.find import FindRequest, find
from fmscript.errors import ScriptRuntimeError
from fmscript.steps.registry import handles
from fmscript.syntax import ast


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
        target = {"First": 0, "Last": n - 1, "Next": self.current + 1, "Previous": self.current - 1}.get(
            where, where - 1 if isinstance(where, int) else 0
        )
        if not 0 <= target < n:
            raise ScriptRuntimeError("there is no such find request", code=101)
        self.current = target

    def to_requests(self) -> list[FindRequest]:
        return [FindRequest(tuple(crit.items()), omit) for omit, crit in self.requests]


def stored_requests(step: ast.Step) -> list[FindRequest] | None:
    stored = step.opt("find_requests")
    if not stored:
        return None
    return [
        FindRequest(tuple((f"{t}::{f}", text) for t, f, text in req.criteria), req.omit) for req in stored
    ]


def _requests_for(interp: Any, step: ast.Step) -> list[FindRequest] | None:
    rt = interp.rt
    requests = stored_requests(step)
    if requests is None and rt.find_mode is not None:
        requests = rt.find_mode.to_requests()
    return requests


def _finish_find(rt: Any, fs: Any, ids: list[int]) -> None:
    fs.replace_ids(ids)
    rt.find_mode = None
    if not ids:
        raise ScriptRuntimeError("no records match the request", code=401)


@handles("Perform Find")
def perform_find(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    file = rt.require_file()
    fs = rt.found_set()
    requests = _requests_for(interp, step)
    if requests is None:
        # "Perform Find [ Restore ]" printed without its requests, or "Perform Find [ ]" in
        # Browse mode: repeat this layout's last find, or find all records when there was none.
        requests = rt.last_finds.get(rt.layout)
        if requests is None:
            fs.show_all(file.record_ids(fs.table))
            return None
    rt.last_finds[rt.layout] = requests
    _finish_find(rt, fs, find(file, fs.table, requests))
    return None


@handles("Enter Find Mode")
def enter_find_mode(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    rt.found_set()  # a layout must be current
    rt.find_mode = FindMode(stored_requests(step))
    return None


@handles("Constrain Found Set")
def constrain_found_set(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    fs = rt.found_set()
    requests = _requests_for(interp, step) or rt.last_finds.get(rt.layout)
    if not requests:
        raise ScriptRuntimeError("Constrain Found Set has no find requests", code=400)
    ids = set(find(rt.require_file(), fs.table, requests))
    _finish_find(rt, fs, [rid for rid in fs.ids if rid in ids])
    return None


@handles("Extend Found Set")
def extend_found_set(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    fs = rt.found_set()
    file = rt.require_file()
    requests = _requests_for(interp, step) or rt.last_finds.get(rt.layout)
    if not requests:
        raise ScriptRuntimeError("Extend Found Set has no find requests", code=400)
    have = set(fs.ids) | set(find(file, fs.table, requests))
    _finish_find(rt, fs, [rid for rid in file.record_ids(fs.table) if rid in have])
    return None


@handles("Show All Records")
def show_all_records(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    fs = rt.found_set()
    fs.show_all(rt.require_file().record_ids(fs.table))
    rt.find_mode = None
    return None


@handles("Show Omitted Only")
def show_omitted_only(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    fs = rt.found_set()
    fs.show_omitted_only(rt.require_file().record_ids(fs.table))
    return None


@handles("Omit Record")
def omit_record(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    if rt.find_mode is not None:
        rt.find_mode.omit_current()
        return None
    if rt.found_set().omit_current() is None:
        raise ScriptRuntimeError("there is no record to omit", code=101)
    return None


@handles("Sort Records")
def sort_records(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    fs = rt.found_set()
    order = step.opt("sort_order")
    if not order:
        return None  # no stored sort order was printed with the step
    file = rt.require_file()
    keys = []
    for table, field, ascending in order:
        t, f = rt.resolve_field(table or None, field)
        if t != fs.table:
            raise ScriptRuntimeError(f"sorting by a related field ({t}::{f}) is not supported", code=102)
        keys.append((f, ascending))
    fs.sort(file, keys)
    return None


@handles("Unsort Records")
def unsort_records(interp: Any, step: ast.Step) -> None:
    rt = interp.rt
    rt.found_set().unsort(rt.require_file())
    return None
