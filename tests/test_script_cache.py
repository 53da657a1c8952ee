"""The on-disk compiled-script cache (``fmscript.syntax.cache``, used by ``runtime.compiled``):
a warm run does not parse; any edit, another fmscript version or another file name misses; a
corrupt or foreign entry is ignored and rewritten; FMSCRIPT_CACHE=off turns it off; concurrent
runs share it safely."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fmscript import _version
from fmscript.runtime import compiled as compiled_mod
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions
from fmscript.syntax.cache import ScriptCache

SRC = str(Path(__file__).resolve().parents[1] / "src")
SCRIPT = """Set Variable [ $x ; Value: 6 * 7 ]
If [ $x = 42 ]
  Exit Script [ Text Result: "answer " & $x ]
End If
"""


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources compiled (parsed) from now on."""
    seen: list[str] = []
    real = compiled_mod.compile_text

    def counting(text: str, source: str) -> compiled_mod.CompiledScript:
        seen.append(source)
        return real(text, source)

    monkeypatch.setattr(compiled_mod, "compile_text", counting)
    return seen


def _run(path: Path, cache: Path | None, off: bool = False) -> str:
    settings = Settings(cache_override=cache, cache_enabled=not off, home_override=path.parent / "home")
    out, err = io.StringIO(), io.StringIO()
    code, result, _ = run_session(path, None, "", RunOptions(settings=settings), out, err)
    assert code == 0, err.getvalue()
    return str(result)


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "compiled").glob("*.fmc")) if (cache / "compiled").is_dir() else []


def _script(tmp_path: Path, text: str = SCRIPT, name: str = "main.fmscript") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_warm_run_reads_the_cache_and_does_not_parse(tmp_path: Path, compiles: list[str]) -> None:
    path, cache = _script(tmp_path), tmp_path / "cache"
    assert _run(path, cache) == "answer 42"
    assert compiles == [str(path.resolve())] and len(_entries(cache)) == 1
    assert _run(path, cache) == "answer 42"
    assert len(compiles) == 1  # the second run was served from the cache


def test_warm_run_never_imports_lark(tmp_path: Path) -> None:
    path, cache = _script(tmp_path), tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=SRC, FMSCRIPT_CACHE=str(cache), FMSCRIPT_HOME=str(tmp_path / "home"))
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['fmscript', 'run', {str(path)!r}]\n"
        "try:\n    runpy.run_module('fmscript', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'click')))\n"
    )
    cold = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    warm = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert cold.stdout.splitlines()[0] == "answer 42" and "'lark'" in cold.stdout
    assert warm.stdout.splitlines() == ["answer 42", "[]"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("6 * 7", "6 * 8").replace("42", "48"),  # a calculation
        lambda t: t.replace("answer ", "answer: "),  # text in a string
        lambda t: t + "\n",  # a trailing line break
        lambda t: t.replace("Set Variable [ $x", "Set Variable [  $x"),  # one space
    ],
)
def test_any_edit_misses(tmp_path: Path, compiles: list[str], edit) -> None:  # type: ignore[no-untyped-def]
    path, cache = _script(tmp_path), tmp_path / "cache"
    _run(path, cache)
    path.write_text(edit(SCRIPT), encoding="utf-8")
    _run(path, cache)
    assert len(compiles) == 2 and len(_entries(cache)) == 2


def test_same_text_in_another_file_misses(tmp_path: Path, compiles: list[str]) -> None:
    # Positions in the compiled form name the file, so the file name is part of the key.
    cache = tmp_path / "cache"
    _run(_script(tmp_path, name="a.fmscript"), cache)
    _run(_script(tmp_path, name="b.fmscript"), cache)
    assert len(compiles) == 2 and len(_entries(cache)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",  # empty
        lambda data: b"garbage" * 10,  # not ours
        lambda data: data[: len(data) // 2],  # truncated pickle behind a good header
        lambda data: data[:-40] + bytes(40),  # damaged tail
    ],
    ids=["empty", "garbage", "truncated", "damaged"],
)
def test_corrupt_entry_is_ignored_and_rewritten(tmp_path: Path, compiles: list[str], damage) -> None:  # type: ignore[no-untyped-def]
    path, cache = _script(tmp_path), tmp_path / "cache"
    _run(path, cache)
    (entry,) = _entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert _run(path, cache) == "answer 42"
    assert len(compiles) == 2
    assert entry.read_bytes() == good  # rewritten whole
    assert _run(path, cache) == "answer 42" and len(compiles) == 2


def test_foreign_entry_is_ignored(tmp_path: Path, compiles: list[str]) -> None:
    # Another script's entry under this script's name (a copied cache, a hash collision).
    cache = tmp_path / "cache"
    other = _script(tmp_path, 'Exit Script [ Text Result: "other" ]\n', "other.fmscript")
    _run(other, cache)
    (foreign,) = _entries(cache)
    path = _script(tmp_path)
    target = ScriptCache(cache).path(SCRIPT, str(path.resolve()))
    assert target is not None
    target.write_bytes(foreign.read_bytes())
    assert _run(path, cache) == "answer 42"
    assert len(compiles) == 2


def test_fmscript_version_change_misses(
    tmp_path: Path, compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, cache = _script(tmp_path), tmp_path / "cache"
    _run(path, cache)
    monkeypatch.setattr(_version, "__version__", _version.__version__ + ".post1")
    _run(path, cache)
    assert len(compiles) == 2 and len(_entries(cache)) == 2


def test_grammar_change_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fmscript.syntax import parser

    grammar = tmp_path / "grammar"
    grammar.mkdir()
    for name in ("script", "calc"):
        (grammar / f"{name}.lark").write_bytes(parser.grammar_path(name).read_bytes())
    monkeypatch.setattr(parser, "grammar_path", lambda name: grammar / f"{name}.lark")
    before = ScriptCache(tmp_path / "cache").key(SCRIPT, "x")
    with (grammar / "calc.lark").open("a", encoding="utf-8") as f:
        f.write("\n// edited\n")
    assert ScriptCache(tmp_path / "cache").key(SCRIPT, "x") != before


def test_disabled_by_setting(tmp_path: Path, compiles: list[str]) -> None:
    settings = Settings.from_env({"FMSCRIPT_CACHE": "off"})
    assert settings.cache is None
    path, cache = _script(tmp_path), tmp_path / "cache"
    for _ in range(2):
        _run(path, cache, off=True)
    assert len(compiles) == 2 and not cache.exists()


@pytest.mark.parametrize("shared", ["compiled", "."])
def test_a_folder_others_can_write_to_is_not_used(tmp_path: Path, compiles: list[str], shared: str) -> None:
    path, cache = _script(tmp_path), tmp_path / "cache"
    (cache / "compiled").mkdir(parents=True)
    (cache / shared).chmod(0o777)
    for _ in range(2):
        _run(path, cache)
    assert len(compiles) == 2 and _entries(cache) == []


def test_scripts_with_errors_are_not_stored(tmp_path: Path) -> None:
    path, cache = _script(tmp_path, "If [ 1 ]\n"), tmp_path / "cache"
    settings = Settings(cache_override=cache, home_override=tmp_path / "home")
    code, _, _ = run_session(path, None, "", RunOptions(settings=settings), io.StringIO(), io.StringIO())
    assert code == 1 and _entries(cache) == []


WORKER = """
import sys
from pathlib import Path
from fmscript.syntax.cache import ScriptCache
cache, text, rounds = ScriptCache(Path(sys.argv[1])), sys.argv[2], int(sys.argv[3])
value = {"text": text, "payload": list(range(20000))}
bad = 0
for i in range(rounds):
    got = cache.get(text, "shared")
    if got is not None and got != value:
        bad += 1
    cache.put(text, "shared", value)
print(bad)
"""


def test_two_processes_at_once(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=SRC)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(cache), "same text", "150"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert [int(o) for o in outs] == [0, 0]  # every read saw a whole entry or none
    assert [p.name for p in (cache / "compiled").iterdir()] == [
        ScriptCache(cache).key("same text", "shared") + ".fmc"
    ]


def test_two_runs_at_once_share_the_cache(tmp_path: Path) -> None:
    path, cache = _script(tmp_path), tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=SRC, FMSCRIPT_CACHE=str(cache), FMSCRIPT_HOME=str(tmp_path / "home"))
    for _ in range(3):  # cold, then warm; both processes each time
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "fmscript", "run", str(path)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        assert [p.communicate(timeout=120)[0] for p in procs] == ["answer 42\n"] * 2
        assert [p.returncode for p in procs] == [0, 0]
    assert len(_entries(cache)) == 1
    assert not [p for p in (cache / "compiled").iterdir() if p.name.startswith(".tmp-")]


def test_the_folder_is_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fmscript.syntax import cache as cache_mod

    monkeypatch.setattr(cache_mod, "MAX_ENTRIES", 10)
    cache = ScriptCache(tmp_path / "cache")
    for i in range(25):
        cache.put(f"text {i}", "s", i)
        assert len(_entries(tmp_path / "cache")) <= 10
    assert cache.get("text 24", "s") == 24  # the newest are kept


def test_the_source_text_survives_the_cache(tmp_path: Path) -> None:
    path, cache = _script(tmp_path, SCRIPT.replace("\n", "\r\n")), tmp_path / "cache"
    for _ in range(2):  # cold, then warm
        compiled = compiled_mod.load_script(path, ScriptCache(cache))
        assert compiled.script.source == SCRIPT  # the normalised text, as a parse gives it
    plain = _script(tmp_path, SCRIPT, "plain.fmscript")
    for _ in range(2):
        assert compiled_mod.load_script(plain, ScriptCache(cache)).script.source == SCRIPT


def test_very_long_scripts_are_not_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled_mod, "MAX_CACHED_TEXT", 20)
    path, cache = _script(tmp_path), tmp_path / "cache"
    _run(path, cache)
    assert _entries(cache) == []
