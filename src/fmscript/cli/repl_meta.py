"""The REPL's meta-commands: ``:help [STEP]``, ``:vars``, ``:layout``, ``:found [PAGE]``,
``:load FILE``, ``:save PATH``, ``:reset``, ``:quit``.

Output is plain text written to the session's ``out`` (the same in a terminal and in a pipe, so
transcript tests see exactly what a person sees).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from fmscript.cli.repl_session import ReplSession, catalogue
from fmscript.errors import FMScriptError

FOUND_PAGE_SIZE = 10
CELL_WIDTH = 24  # display columns per field in :found

COMMANDS: dict[str, str] = {
    ":help": ":help [STEP]     steps and meta-commands; a step's options and labels in en/ja/zh",
    ":vars": ":vars            the $variables and $$variables that are set",
    ":layout": ":layout          the current layout, its table, found count and record",
    ":found": ":found [PAGE]    the found set as a table, 10 records a page",
    ":load": ":load FILE       run a script file in the current context",
    ":save": ":save PATH       write the database to PATH (.sqlite, or .sql text)",
    ":reset": ":reset           forget variables, accounts, layout, found sets and errors (.sql reloads)",
    ":quit": ":quit            leave (Ctrl-D too)",
}


class Quit(Exception):  # noqa: N818 - a signal to the front end, not an error
    pass


def run_meta(session: ReplSession, line: str) -> bool:
    """Run one meta-command line; False when it failed (unknown command, bad argument)."""
    name, _, arg = line.strip().partition(" ")
    arg = arg.strip()
    out = session.out
    matches = [c for c in COMMANDS if c.startswith(name.lower())] if len(name) > 1 else []
    if len(matches) != 1:
        known = " ".join(COMMANDS)
        session.report(f"unknown command {name!r} (known: {known})")
        session.errors += 1
        return False
    command = matches[0]
    try:
        if command == ":quit":
            raise Quit()
        if command == ":help":
            out.write(help_text(arg) if arg else general_help())
        elif command == ":vars":
            rows = session.variables()
            if not rows:
                print("(no variables)", file=out)
            for name_, value in rows:
                print(f"{name_} = {_one_line(value, 200)}", file=out)
        elif command == ":layout":
            for key, value in session.layout_info().items():
                print(f"{key}: {value}", file=out)
        elif command == ":found":
            page = int(arg) if arg.isdigit() and int(arg) > 0 else 1
            if arg and not arg.isdigit():
                raise FMScriptError(f":found takes a page number, not {arg!r}")
            out.write(found_table(session, page))
        elif command == ":load":
            if not arg:
                raise FMScriptError(":load needs a script file")
            return session.load(Path(arg).expanduser())
        elif command == ":save":
            if not arg:
                raise FMScriptError(":save needs a path")
            session.save(Path(arg).expanduser())
            print(f"saved to {arg}", file=out)
        elif command == ":reset":
            session.reset()
            print("reset", file=out)
    except (FMScriptError, OSError, KeyError) as exc:
        message = exc.message if isinstance(exc, FMScriptError) else str(exc)
        session.report(f"{command}: {message}")
        session.errors += 1
        return False
    return True


# ---------------------------------------------------------------------- :help


def general_help() -> str:
    lines = [
        "Enter a script step (English, 日本語 or 中文) to run it now, an If/Loop block to run it",
        "when it is closed, or = calculation to see its value. Meta-commands:",
    ]
    lines += [f"  {text}" for text in COMMANDS.values()]
    lines.append("Steps: " + ", ".join(spec.name for spec in catalogue().STEPS))
    return "\n".join(lines) + "\n"


def label_language(label: str) -> tuple[str, ...]:
    """Which of en/ja/zh a label is written in. The catalogue keeps all spellings of a label in one
    tuple; kana means Japanese, ASCII English; a label in Han characters only is Japanese if
    Shift_JIS can write it and Chinese if GB2312 can (both for shared words such as 条件)."""
    if all(ord(ch) < 128 for ch in label):
        return ("en",)
    if any("KATAKANA" in unicodedata.name(ch, "") or "HIRAGANA" in unicodedata.name(ch, "") for ch in label):
        return ("ja",)
    langs = []
    for lang, codec in (("ja", "shift_jis"), ("zh", "gb2312")):
        try:
            label.encode(codec)
            langs.append(lang)
        except UnicodeEncodeError:
            pass
    return tuple(langs) or ("zh",)


_POSITIONAL_EXAMPLE = {
    "condition": "$n > 0",
    "name": "$name",
    "target": "Table::Field",
    "value": '"text"',
    "field": "Table::Field",
    "layout": '"Layout"',
    "script": '"Script"',
    "state": "On",
    "where": "Next",
    "source": "Table",
    "files": '"file:out.jsonl"',
    "first": '"text"',
}


# Flags that are the alternative of another option: an example shows one of each pair.
_LEFT_OUT = {"no_dialog", "omit_records", "find_records", "indefinitely"}
_OPTION_EXAMPLE = {"criteria": 'Table::Field: "value"', "sort_order": "Table::Field"}


def _example_value(opt: Any, lang: str) -> str:
    cat = catalogue()
    if opt.key in _OPTION_EXAMPLE:
        return _OPTION_EXAMPLE[opt.key]
    if opt.kind == "calc":
        return '"text"' if opt.key in ("message", "title", "result") else "$value"
    if opt.kind == "target":
        return "$result"
    if opt.kind == "field":
        return "Table::Field"
    if opt.kind == "name":
        return '"Table"'
    if opt.kind == "enum" and opt.values:
        words = cat.VALUE_WORDS.get(opt.values[0], (opt.values[0],))
        return next((w for w in words if lang in label_language(w)), words[0])
    if opt.kind == "flag":
        words = cat.VALUE_WORDS["On"]
        return next((w for w in words if lang in label_language(w)), "On")
    return '"…"'


def languages(labels: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The language(s) of each label of one option. The catalogue lists an option's spellings in
    the order en, ja, zh, so a Han-only label both scripts can write is Japanese when it comes first
    among several (入力 before 输入) and Chinese once a Japanese one came before it (メッセージ, 消息);
    alone, it is both (温度)."""
    several = sum(1 for label in labels if not label.isascii()) > 1
    out: list[tuple[str, ...]] = []
    seen_ja = False
    for label in labels:
        langs = label_language(label)
        if langs == ("ja", "zh") and (seen_ja or several):
            langs = ("zh",) if seen_ja else ("ja",)
        seen_ja = seen_ja or langs == ("ja",)
        out.append(langs)
    return out


def _in_lang(words: tuple[str, ...], lang: str) -> list[str]:
    """The spellings of one option in ``lang``, each once."""
    found = [w for w, langs in zip(words, languages(words)) if lang in langs]
    return list(dict.fromkeys(found))


def help_text(step: str) -> str:
    cat = catalogue()
    found = cat.lookup_step(step.strip().strip("「」"))
    if found is None:
        import difflib

        close = difflib.get_close_matches(step, cat.step_names(), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return f"unknown script step {step!r}{hint}\n"
    spec = found[0]
    names = {"en": (spec.name,), "ja": spec.ja, "zh": spec.zh}
    lines = [f"{spec.name} — 日本語: {' / '.join(spec.ja)} — 中文: {' / '.join(spec.zh)}"]
    if not spec.implemented:
        lines.append("  parsed but not run by fmscript: running it reports error 3 (command is unavailable)")
    if spec.positional:
        lines.append("  unlabelled options, in order: " + ", ".join(spec.positional))
    if spec.options:
        lines.append("  options:")
    for opt in spec.options:
        kind = opt.kind + (f" ({' | '.join(opt.values)})" if opt.values else "")
        lines.append(f"    {opt.key}: {kind}")
        for lang in ("en", "ja", "zh"):
            labels = _in_lang(opt.labels, lang)
            flags = _in_lang(opt.flag_words, lang)
            parts = ([" / ".join(f"{x}:" for x in labels)] if labels else []) + (
                [" / ".join(flags)] if flags else []
            )
            if parts:
                lines.append(f"      {lang}: {' ; '.join(parts)}")
    lines.append("  example:")
    for lang in ("en", "ja", "zh"):
        lines.append(f"    {lang}: {example(spec, lang, names[lang][0])}")
    return "\n".join(lines) + "\n"


def example(spec: Any, lang: str, name: str) -> str:
    """A step written out with every option, labels in ``lang`` (a template to edit)."""
    # Unlabelled first/second/third stand for labelled options (Title, Message…): show the labels.
    generic = {"first", "second", "third"} if spec.options else set()
    parts = [
        _POSITIONAL_EXAMPLE.get(key, '"…"')
        for key in spec.positional
        if key not in {o.key for o in spec.options} and key not in generic
    ]
    for opt in spec.options:
        if opt.key in _LEFT_OUT:
            continue
        labels = _in_lang(opt.labels, lang) or list(opt.labels[:1])
        flags = _in_lang(opt.flag_words, lang) or list(opt.flag_words[:1])
        if opt.kind == "flag" and flags and not labels:
            parts.append(flags[0])
        elif labels:
            parts.append(f"{labels[0]}: {_example_value(opt, lang)}")
    return f"{name} [ {' ; '.join(parts)} ]" if parts else name


# ---------------------------------------------------------------------- :found


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def clip(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` display columns (… when cut), padded to exactly that width."""
    text = _one_line(text, 10_000)
    if width(text) > cells:
        out, used = "", 0
        for ch in text:
            w = width(ch)
            if used + w > cells - 1:
                break
            out, used = out + ch, used + w
        text = out + "…"
    return text + " " * (cells - width(text))


def _one_line(text: str, limit: int) -> str:
    text = text.replace("\r\n", "¶").replace("\r", "¶").replace("\n", "¶")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def found_table(session: ReplSession, page: int) -> str:
    fp = session.found_page(page, FOUND_PAGE_SIZE)
    pages = max(1, -(-fp.count // FOUND_PAGE_SIZE))
    head = f"{fp.layout} ({fp.table}): {fp.count} record{'s' if fp.count != 1 else ''} found"
    if fp.count == 0:
        return head + "\n"
    if not fp.rows:
        return head + f"; there are {pages} page(s)\n"
    last = fp.first + len(fp.rows) - 1
    head += f", showing {fp.first}-{last} (page {page}/{pages})"
    cols = [
        min(CELL_WIDTH, max([width(h)] + [width(_one_line(r[1][i], 10_000)) for r in fp.rows]))
        for i, h in enumerate(fp.headers)
    ]
    num = max(2, len(str(last))) + 1
    lines = [head, " " * (num + 2) + " | ".join(clip(h, w) for h, w in zip(fp.headers, cols)).rstrip()]
    lines.append("-" * (num + 2) + "-+-".join("-" * w for w in cols))
    for pos, values in fp.rows:
        mark = ">" if pos == fp.current else " "
        cells = " | ".join(clip(v, w) for v, w in zip(values, cols)).rstrip()
        lines.append(f"{mark}{str(pos).rjust(num - 1)}  {cells}")
    if page < pages:
        lines.append(f"(:found {page + 1} for the next page)")
    return "\n".join(lines) + "\n"
