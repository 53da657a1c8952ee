"""Option post-processors of the steps declared in ``catalogue_more.py`` (``StepSpec.post``).

``post_typed`` gives unlabelled options their kind by key (``_POSITIONAL_KINDS``); the others
read the forms FileMaker prints for Replace Field Contents, Import Records and Export Records,
and Insert Text. ``post_any`` accepts whatever a step FileMaker prints is given: the steps that
need a window (no-ops, or error 3 when reached) never look at their options.
"""

from __future__ import annotations

import re
from typing import Any

from fmscript.errors import OptionError, SourceSpan
from fmscript.syntax import scan
from fmscript.syntax.catalogue import StepSpec, norm
from fmscript.syntax.options import Classified, _generic, calc_of, name_of, target_of

# How an unlabelled option is read, by its key.
_POSITIONAL_KINDS = {
    "path": "text",
    "field": "field",
    "target": "target",
    "value": "calc",
    "count": "calc",
    "request": "calc",
    "table": "name",
    "script": "name",
    "text": "string",
}


def _typed(key: str, c: Classified) -> Any:
    kind = _POSITIONAL_KINDS.get(key, "calc")
    if kind == "text":
        return c.value
    if kind == "field":
        return target_of(c, "field")
    if kind == "target":
        return target_of(c)
    if kind == "name":
        return name_of(c) if c.value[:1] in scan.OPENERS else c.value
    if kind == "string":
        quoted = scan.whole_string(c.value)
        return quoted if quoted is not None else calc_of(c)
    return calc_of(c)


def post_typed(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    for key, value in list(out.items()):
        if isinstance(value, Classified):
            out[key] = _typed(key, value)
    return out


def post_any(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    """Steps that need a window or a device: their options are accepted as written."""
    return {}


def post_script_on_server(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = post_typed(spec, seq, span)
    if out.get("specified") == "By name" and isinstance(out.get("script"), str):
        c = next(c for c in seq if c.key is None)
        out["script"] = calc_of(c)
    return out


# --------------------------------------------------------------------------- Insert Text / Calculated Result


def post_insert(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    """``Insert Text [ Select ; Target: $x ; "text" ]`` — or the older ``[ Select ; T::F ; "text" ]``:
    an unlabelled field or variable is the target, anything else the text (or calculation)."""
    positional = [c for c in seq if c.key is None]
    out = _generic(spec, [c for c in seq if c.key is not None])
    what = next((k for k in ("text", "value") if k in spec.positional), None)
    for c in positional:
        if "target" not in out and _looks_like_target(c.value) and (what != "value" or len(positional) > 1):
            out["target"] = target_of(c)
        elif what is not None and what not in out:
            out[what] = _typed("text", c) if what == "text" else calc_of(c)
        else:
            raise OptionError(f"{spec.name} does not take the option {c.value!r}", c.raw.span())
    return out


def _looks_like_target(text: str) -> bool:
    t = text.strip()
    return t.startswith("$") or ("::" in t and t[:1] not in scan.OPENERS)


# --------------------------------------------------------------------------- Replace Field Contents

_CURRENT = {norm(w) for w in ("Current contents", "当前内容", "現在の内容", "現在の内容で置換")}
_SERIAL = {
    norm(w) for w in ("Serial numbers", "Serial number", "序列号", "シリアル番号", "シリアル番号で置換")
}
_CALC = {norm(w) for w in ("Calculation result", "Calculated result", "计算结果", "計算結果")}


def post_replace(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rest = []
    for c in seq:
        if c.key is None and norm(c.value) in _CURRENT:
            out["mode"] = "Current contents"
        elif c.key is None and norm(c.value) in _SERIAL:
            out["mode"] = "Serial numbers"
        elif c.key is None and norm(c.value) in _CALC:
            out["mode"] = "Calculation"
        else:
            rest.append(c)
    positional = [c for c in rest if c.key is None]
    out.update(_generic(spec, [c for c in rest if c.key is not None]))
    for c in positional:
        if "field" not in out and "::" in c.value and c.value[:1] not in scan.OPENERS:
            out["field"] = target_of(c, "field")
        elif "calculation" not in out:
            out["calculation"] = calc_of(c)
        else:
            raise OptionError(f"{spec.name} does not take the option {c.value!r}", c.raw.span())
    if out.get("calculation") is not None:
        out["mode"] = "Calculation"
    elif out.get("serial") is not None or out.get("initial") is not None:
        out["mode"] = "Serial numbers"
    out.setdefault("mode", "Current contents")
    return out


# --------------------------------------------------------------------------- Import / Export Records

_METHODS = {
    "Add": ("Add", "Add new records", "追加", "新規レコードとして追加", "添加", "添加新记录"),
    "Update": (
        "Update",
        "Update matching",
        "Update matching records",
        "Update matching records in found set",
        "更新",
        "一致するレコードを更新",
        "更新匹配内容",
        "更新匹配记录",
    ),
    "Replace": (
        "Replace",
        "Update existing",
        "Update existing records",
        "Update existing records in found set",
        "Replace data in current found set",
        "Replace found set",
        "置換",
        "既存のレコードを更新",
        "替换",
        "更新现有内容",
        "更新现有记录",
    ),
}
_METHOD_OF = {norm(w): m for m, words in _METHODS.items() for w in words}
_NAMES = {norm(w) for w in ("Matching names", "Matching Names", "一致する名前", "匹配名称", "名前の一致")}
_MAP = re.compile(
    r"^\s*(?:Source\s+field|ソースフィールド|源字段)\s*(\d+)\s*"
    r"(import\s+to|match\s+with|インポート先|照合|导入到|匹配)\s*(.+?)\s*$",
    re.I | re.S,
)
_CHARSET_HINT = re.compile(r"utf|unicode|ansi|mac\s*roman|ascii|shift|jis|windows|dos|gb|big5|euc", re.I)


def _charset(text: str) -> str | None:
    """A character set name (``Unicode (UTF-8)``, quoted or not) — not a path."""
    value = scan.whole_string(text) or text
    if _CHARSET_HINT.search(value) and not re.search(r"[/\\$]|\w:|\.\w{2,4}$", value):
        return value
    return None


def _mapping_entries(text: str, out: dict[str, Any]) -> bool:
    """``Source field N import to T::F`` entries (one or several, by line) → out["mapping"]."""
    found = False
    for line in re.split(r"\r\n|\r|\n|¶", text):
        if not line.strip():
            continue
        m = _MAP.match(line)
        if m is None:
            return found
        role = "match" if re.match(r"match|照合|匹配", m.group(2), re.I) else "import"
        out.setdefault("mapping", []).append((int(m.group(1)), m.group(3).strip(), role))
        found = True
    return found


def post_import(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    rest = []
    for c in seq:
        value = scan.whole_string(c.value) or c.value
        if c.key in (None, "method") and norm(value) in _METHOD_OF:
            out["method"] = _METHOD_OF[norm(value)]
            if re.search(r"add remaining|残り|其余", value, re.I):
                out["add_remaining"] = True
        elif c.key in (None, "mapping") and norm(value) in _NAMES:
            out["mapping"] = "names"
        elif c.key in (None, "mapping") and _mapping_entries(c.value, out):
            pass
        elif c.key is None and _charset(c.value) is not None:
            out["charset"] = _charset(c.value)
        else:
            rest.append(c)
    positional = [c for c in rest if c.key is None]
    out.update(_generic(spec, [c for c in rest if c.key is not None]))
    for c in positional:
        if "source" not in out:
            out["source"] = c.value
        elif "::" in c.value:
            out.setdefault("mapping", []).append((len(out.get("mapping", [])) + 1, c.value.strip(), "import"))
        else:
            raise OptionError(f"{spec.name} does not take the option {c.value!r}", c.raw.span())
    if isinstance(out.get("target"), str):
        out["target"] = scan.whole_string(out["target"]) or out["target"]
    if isinstance(out.get("charset"), str):
        out["charset"] = scan.whole_string(out["charset"]) or out["charset"]
    if isinstance(out.get("mapping"), list):
        out["mapping"] = tuple(out["mapping"])
    return out


def post_export(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fields: list[tuple[str, str]] = []
    rest = []
    for c in seq:
        if c.key is None and "::" in c.value and c.value[:1] not in scan.OPENERS:
            target = target_of(c, "field")
            fields.append((target.table or "", target.field or ""))
        elif c.key is None and _charset(c.value) is not None:
            out["charset"] = _charset(c.value)
        else:
            rest.append(c)
    positional = [c for c in rest if c.key is None]
    out.update(_generic(spec, [c for c in rest if c.key is not None]))
    for c in positional:
        if "path" not in out:
            out["path"] = c.value
        else:
            raise OptionError(f"{spec.name} does not take the option {c.value!r}", c.raw.span())
    if fields:
        out["fields"] = tuple(fields)
    if isinstance(out.get("charset"), str):
        out["charset"] = scan.whole_string(out["charset"]) or out["charset"]
    return out


# --------------------------------------------------------------------------- found sets, files

_DIRECTIONS = {norm(w): "descending" for w in ("descending", "降順", "降序")}
_HOW = {
    **{norm(w): "Replace" for w in ("Replace", "置換", "替换")},
    **{norm(w): "Constrain" for w in ("Constrain", "絞り込み", "限制")},
    **{norm(w): "Extend" for w in ("Extend", "拡大", "扩展")},
}


def post_sort_by_field(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = post_typed(spec, seq, span)
    out["direction"] = _DIRECTIONS.get(norm(str(out.get("direction", ""))), "ascending")
    return out


def post_find_matching(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = post_typed(spec, seq, span)
    out["how"] = _HOW.get(norm(str(out.get("how", ""))), "Replace")
    return out


def post_save_copy(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = post_typed(spec, seq, span)
    kind = norm(str(out.get("copy_type", "")))
    out["copy_type"] = "clone" if "clone" in kind else "copy"
    return out


_DEACTIVATE = {norm(w) for w in ("Deactivate", "アカウントを無効にする", "停用")}


def post_enable_account(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = post_typed(spec, seq, span)
    out["state"] = "Deactivate" if norm(str(out.get("state", ""))) in _DEACTIVATE else "Activate"
    return out


def post_window(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    """New / Select / Close Window: the name and the layout count; the style, size, position and
    window controls (``Style: Document``, ``Height: 600``, ``Current Window`` …) change nothing
    without a screen and are accepted as written."""
    return _generic(spec, [c for c in seq if c.key in ("name", "layout")])
