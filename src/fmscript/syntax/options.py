"""Step options: raw ``;``-separated text → named, typed values, driven by the step catalogue.

Each option is either ``Label: value`` (a label of the step in en/ja/zh), a bare flag word
(``Restore``, ``記憶する``, ``Verify SSL Certificates``) or a positional value (``$x``, ``"Layout"``).
Some steps need a second look at the whole sequence (stored find requests, sort orders, the
Fine-Tune Model table/file source); those are the ``post_*`` functions below, named by the steps' specs (``StepSpec.post``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.errors import OptionError, SourceSpan
from fmscript.syntax import ast, scan
from fmscript.syntax.calc_build import parse_calc
from fmscript.syntax.catalogue import Opt, StepSpec, norm, resolve, value_word

if TYPE_CHECKING:
    from fmscript.syntax.build import SourceMap


@attrs.frozen
class RawOption:
    text: str
    offset: int  # offset of text[0] in the script
    smap: SourceMap

    def span(self, start: int = 0, end: int | None = None) -> SourceSpan:
        end = len(self.text) if end is None else end
        return self.smap.span(self.offset + start, self.offset + end)


@attrs.frozen
class Classified:
    key: str | None  # option key, or None for positional
    value: str  # value text (stripped)
    raw: RawOption
    vstart: int  # offset of value inside raw.text
    labelled: bool


def _top_level_colons(text: str) -> list[int]:
    """Positions of ':' / '：' outside quotes, parentheses and brackets, not part of '::'."""
    if ":" not in text and "：" not in text:
        return []  # most options (``$x``, ``Next``, a quoted name): nothing to scan
    out = []
    depth = 0
    skip_to = 0
    for i, ch in scan.unquoted(text, only="()[]:："):
        if i < skip_to:
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch in ":：" and depth == 0:
            if text[i : i + 2] == "::" or (i > 0 and text[i - 1] == ":"):
                skip_to = i + 2 if text[i : i + 2] == "::" else i + 1
                continue
            out.append(i)
    return out


@functools.cache
def _label_map(spec: StepSpec) -> dict[str, Opt]:
    return {norm(label): opt for opt in spec.options for label in opt.labels}


@functools.cache
def _flag_map(spec: StepSpec) -> dict[str, Opt]:
    return {norm(word): opt for opt in spec.options for word in opt.flag_words}


def _strip(text: str, start: int = 0) -> tuple[int, int]:
    """Where ``text[start:].strip()`` begins and ends in ``text``, without copying it (an option
    may be a 10 MB text constant: ``strip`` and ``lstrip`` would each copy it)."""
    if len(text) - start < 4096:  # short: the C methods, whose copies are small
        rest = text[start:]
        a = start + len(rest) - len(rest.lstrip())
        return a, max(a, start + len(rest.rstrip()))
    a, b = start, len(text)
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


# Longer option text is never a label or a flag word (their lookup keys are not computed then).
_LONGEST_WORD = 200


def classify(spec: StepSpec, raw: RawOption) -> Classified:
    text = raw.text
    labels = _label_map(spec)
    for i in _top_level_colons(text):
        opt = labels.get(norm(text[:i])) if i <= _LONGEST_WORD else None
        if opt is not None:
            a, b = _strip(text, i + 1)
            return Classified(opt.key, text[a:b], raw, a, True)
        break  # only the first top-level colon can end a label
    a, b = _strip(text)
    stripped = text[a:b] if (a, b) != (0, len(text)) else text
    if len(stripped) > _LONGEST_WORD:
        return Classified(None, stripped, raw, a, False)
    flag = _flag_map(spec).get(norm(stripped))
    if flag is not None:
        return Classified(flag.key, stripped, raw, a, False)
    # A bare label of a flag option ("Create folders") also switches it on.
    opt = labels.get(norm(stripped))
    if opt is not None and opt.kind == "flag":
        return Classified(opt.key, "", raw, a, True)
    return Classified(None, stripped, raw, a, False)


def calc_of(c: Classified) -> ast.Calc | None:
    if not c.value:
        return None
    loc = c.raw.smap.locator(c.raw.offset + c.vstart)
    expr = parse_calc(c.value, loc)
    span = c.raw.span(c.vstart, c.vstart + len(c.value))
    if expr.span == span:  # one span object for the calc and its whole expression (memory)
        span = expr.span
    return ast.Calc(c.value, expr, span)


def target_of(c: Classified, want: str = "any") -> ast.Target:
    calc = calc_of(c)
    if calc is None:
        raise OptionError("a field or variable is missing here", c.raw.span())
    node = calc.expr
    rep = None
    if isinstance(node, ast.FieldRef | ast.Variable) and node.repetition is not None:
        rep = ast.Calc(c.value, node.repetition, calc.span)
    if isinstance(node, ast.Variable) and want in ("any", "variable"):
        return ast.Target("variable", node.name, repetition=rep, span=calc.span)
    if isinstance(node, ast.Name) and want == "variable":
        # Set Variable adds the "$" when it is left out.
        return ast.Target("variable", "$" + node.name, span=calc.span)
    if isinstance(node, ast.FieldRef) and want in ("any", "field"):
        return ast.Target("field", node.full_name, node.table, node.field, rep, calc.span)
    what = {
        "any": "a field or a variable",
        "field": "a field (Table::Field)",
        "variable": "a variable ($name)",
    }[want]
    raise OptionError(f"expected {what}, found {c.value!r}", calc.span)


def name_of(c: Classified) -> str | ast.Calc:
    """A quoted name ("…", “…”, 「…」, optionally followed by "(table occurrence)") or a calc."""
    text = c.value
    lead = scan.leading_string(text)
    if lead is not None and re.fullmatch(r"\s*(?:\([^()]*\))?", text[lead[1] :]):
        return lead[0]
    calc = calc_of(c)
    if calc is None:
        raise OptionError("a name is missing here", c.raw.span())
    return calc


def _bool_of(c: Classified) -> bool:
    if not c.value or not c.labelled:
        return True
    word = value_word(c.value)
    if word not in ("On", "Off"):
        raise OptionError(
            f"expected On or Off, found {c.value!r}", c.raw.span(c.vstart, c.vstart + len(c.value))
        )
    return word == "On"


# A step's option post-processor (``StepSpec.post``): the whole classified sequence → options.
PostProcessor = Callable[[StepSpec, list[Classified], SourceSpan], dict[str, Any]]


def convert(opt: Opt, c: Classified) -> Any:
    kind = opt.kind
    if kind == "calc":
        return calc_of(c)
    if kind == "target":
        return target_of(c)
    if kind == "field":
        return target_of(c, "field")
    if kind == "flag":
        return _bool_of(c)
    if kind == "enum":
        word = value_word(c.value)
        if word not in opt.values:
            allowed = ", ".join(opt.values)
            raise OptionError(
                f"{c.value!r} is not one of: {allowed}", c.raw.span(c.vstart, c.vstart + max(1, len(c.value)))
            )
        return word
    if kind == "name":
        # A table occurrence is picked from a list in FileMaker, so unquoted text is its name.
        return name_of(c) if c.value[:1] in scan.OPENERS else c.value
    return c.value  # text


def build_options(spec: StepSpec, raws: list[RawOption], step_span: SourceSpan) -> dict[str, Any]:
    seq = [classify(spec, r) for r in raws if r.text.strip()]
    if spec.post:
        post: PostProcessor = resolve(spec.post)  # type: ignore[assignment]
        return post(spec, seq, step_span)
    return _generic(spec, seq)


def _generic(spec: StepSpec, seq: list[Classified]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    slots = list(spec.positional)
    labelled: set[str] = set()
    for c in seq:
        if c.labelled and c.key is not None:
            # "Action: Train ; Action: Save" would silently Save: FileMaker never prints a label twice.
            if c.key in labelled:
                label = c.raw.text[: c.vstart].strip().rstrip(":").strip()
                raise OptionError(f"{spec.name} is given the option {label!r} twice", c.raw.span())
            labelled.add(c.key)
        if c.key is None:
            if not slots:
                raise OptionError(_unexpected_option(spec, c), c.raw.span(c.vstart, c.vstart + len(c.value)))
            out[slots.pop(0)] = c
            continue
        opt = spec.option(c.key)
        assert opt is not None
        out[c.key] = convert(opt, c)
    return out


def _unexpected_option(spec: StepSpec, c: Classified) -> str:
    labels = sorted({opt.labels[0] for opt in spec.options if opt.labels})
    hint = f" (its options: {', '.join(labels)})" if labels else " (it takes no options)"
    return f"{spec.name} does not take the option {c.value!r}{hint}"


def _require(out: dict[str, Any], key: str, spec: StepSpec, span: SourceSpan, what: str) -> Any:
    if out.get(key) is None:
        raise OptionError(f"{spec.name} needs {what}", span)
    return out[key]


# --------------------------------------------------------------------------- per-step finishing


def post_condition(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    c = out.get("condition")
    out["condition"] = calc_of(c) if c is not None else None
    _require(out, "condition", spec, span, "a condition, e.g. [ $i > 10 ]")
    return out


def post_set_variable(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    name = _require(out, "name", spec, span, "a variable name, e.g. [ $x ; Value: 1 ]")
    out["name"] = target_of(name, "variable")
    return out


def post_set_field(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    return _set_field(spec, seq, by_name=False)


def post_set_field_by_name(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    return _set_field(spec, seq, by_name=True)


def _set_field(spec: StepSpec, seq: list[Classified], by_name: bool) -> dict[str, Any]:
    out = _generic(spec, seq)
    target, value = out.get("target"), out.get("value")
    if value is None and target is not None:
        # Set Field [ calc ]: the active-field form.
        out["target"], out["value"] = None, calc_of(target)
        return out
    if by_name:  # the field's name is a calculation
        out["target"] = calc_of(target) if target else None
    else:
        out["target"] = target_of(target, "field") if target else None
    out["value"] = calc_of(value) if value else None
    return out


def post_positional_calcs(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    for key in spec.positional:
        if isinstance(out.get(key), Classified):
            out[key] = calc_of(out[key])
    return out


def post_state(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    c = out.get("state")
    word = value_word(c.value) if c is not None else None
    if word not in ("On", "Off"):
        raise OptionError(f"{spec.name} needs [ On ] or [ Off ]", c.raw.span() if c else span)
    out["state"] = word == "On"
    return out


def post_perform_script(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    c = _require(out, "script", spec, span, 'a script name, e.g. [ "Find Customers" ]')
    out["script"] = calc_of(c) if out.get("specified") == "By name" else name_of(c)
    return out


def post_go_to_layout(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    c = _require(out, "layout", spec, span, 'a layout, e.g. [ "Support QA" ]')
    out["layout"] = (
        "original layout"
        if norm(c.value) in {norm("original layout"), norm("元のレイアウト"), norm("原始布局")}
        else name_of(c)
    )
    return out


def post_go_to_record(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    c = out.get("where")
    if c is not None:
        word = value_word(c.value)
        out["where"] = word if word in ("First", "Last", "Next", "Previous") else calc_of(c)
    elif out.get("by_calculation") is not None:
        out["where"] = out["by_calculation"]
    else:
        raise OptionError(f"{spec.name} needs First, Last, Next, Previous or a record number", span)
    return out


def post_dialog(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    pos = [out.pop(k) for k in ("first", "second", "third") if k in out]
    if pos:
        if len(pos) == 1:
            out.setdefault("message", calc_of(pos[0]))
        else:
            second = calc_of(pos[1])
            if second is not None and isinstance(second.expr, ast.FieldRef) and len(pos) == 2:
                # 显示自定义对话框 [ "message" ; Table::Field ]: the field is an input field.
                out.setdefault("message", calc_of(pos[0]))
                out.setdefault("input1", pos[1].value)
            else:
                out.setdefault("title", calc_of(pos[0]))
                out.setdefault("message", second)
                if len(pos) > 2:
                    out.setdefault("button1", pos[2].value)
    return out


def post_find(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    """``Specified Find Requests: Find Records ; Criteria: T::F: “x” AND T::G: “y” ; Omit Records ;
    Criteria: …`` → a tuple of FindRequest."""
    out: dict[str, Any] = {}
    requests: list[ast.FindRequest] = []
    omit: bool | None = None
    rest = []
    for c in seq:
        if c.key == "find_requests":
            omit = value_word(c.value) == "Omit Records"
        elif c.key in ("omit_records", "find_records"):
            omit = c.key == "omit_records"
        elif c.key == "criteria":
            requests.append(
                ast.FindRequest(
                    ((f"{t}::{f}" if t else f, text) for t, f, text in parse_criteria(c)), bool(omit)
                )
            )
        else:
            rest.append(c)
    out.update(_generic(spec, rest))
    if requests:
        out["find_requests"] = tuple(requests)
    else:
        out.pop("find_requests", None)
    return out


_CRITERION = re.compile(r"^\s*(.+?)::(.+?)\s*[:：]\s*(.*?)\s*$", re.S)


def parse_criteria(c: Classified) -> list[tuple[str, str, str]]:
    out = []
    for part in _split_and(c.value):
        m = _CRITERION.match(part)
        if not m:
            raise OptionError(
                f"a find criterion must look like Table::Field: “value”, found {part!r}", c.raw.span()
            )
        table, field, value = m.group(1).strip(), m.group(2).strip(), m.group(3)
        quoted = scan.whole_string(value)
        if quoted is not None:
            value = quoted
        out.append((table, field, value))
    return out


def _split_and(text: str) -> list[str]:
    """Find criteria joined by `` AND `` (outside quoted text)."""
    parts, start = [], 0
    for i, _ch in scan.unquoted(text):
        if i >= start and text[i : i + 5].upper() == " AND ":
            parts.append(text[start:i])
            start = i + 5
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def post_sort(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    """Sort orders → ((table, field, ascending), ...), in either printed form:
    ``Specified Sort Order: T::F; ascending ; T::G; descending`` on one line, or one
    ``T::F ; ascending`` entry per line inside the brackets, after the flags
    (``Sort Records [ Restore ; With dialog: Off ;`` / ``T::F ; ascending`` / ``T::G ; descending ]``)."""
    keys: list[list[Any]] = []
    rest = []
    in_order = False
    for c in _sort_lines(spec, seq):
        if c.key == "sort_order":
            in_order = True
            keys.append([*_field_name(c), True])
        elif c.key == "direction" and keys:
            keys[-1][2] = value_word(c.value) != "descending"
        elif c.key is None and (in_order or _is_field_ref(c.value)):
            in_order = True
            keys.append([*_field_name(c), True])
        else:
            rest.append(c)
    out = _generic(spec, rest)
    if keys:
        out["sort_order"] = tuple(tuple(k) for k in keys)
    return out


def _is_field_ref(text: str) -> bool:
    return "::" in text and text[:1] not in '"“「'


def _sort_lines(spec: StepSpec, seq: list[Classified]) -> list[Classified]:
    """Sort entries one per line need no ';' between them: split an option at its line breaks."""
    out: list[Classified] = []
    for c in seq:
        text = c.raw.text
        if "\n" not in text.strip() or text.lstrip()[:1] in '"“「':
            out.append(c)
            continue
        start = 0
        for line in text.split("\n"):
            if line.strip():
                out.append(classify(spec, RawOption(line, c.raw.offset + start, c.raw.smap)))
            start += len(line) + 1
    return out


def _field_name(c: Classified) -> tuple[str, str]:
    target = target_of(c, "field")
    return target.table or "", target.field or ""


def post_fine_tune(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    source = out.pop("source", None)
    kind = out.get("training_data")
    if source is not None:
        if kind == "File":
            out["files"] = source.value
        else:
            out["table"] = name_of(source)
    if kind is None:
        out["training_data"] = "File" if "files" in out and "table" not in out else "Table"
    if (
        out["training_data"] == "Table"
        and out.get("table") is None
        and out.get("completion_field") is not None
    ):
        out["table"] = out["completion_field"].table
    return out


def post_save_jsonl(spec: StepSpec, seq: list[Classified], span: SourceSpan) -> dict[str, Any]:
    out = _generic(spec, seq)
    for key in ("source", "files"):
        c = out.get(key)
        if isinstance(c, Classified):
            out.pop(key)
            if "table" not in out and key == "source" and not c.value.startswith(('"file', "“file")):
                out["table"] = name_of(c)
            else:
                out["files"] = c.value
    return out
