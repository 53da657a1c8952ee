"""Settings are read once at the edge and passed down (issue 9): the run answers Get functions
from its settings, and nothing below the CLI reads the environment."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

SRC = Path(__file__).resolve().parent.parent / "src" / "fmscript"


def _run(tmp_path: Path, calc: str, options: RunOptions) -> str:
    script = tmp_path / "main.fmscript"
    script.write_text(f"Exit Script [ Text Result: {calc} ]\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code, result, _ = run_session(script, None, "", options, out, err)
    assert code == 0, err.getvalue()
    return str(result)


def test_documents_path_and_listing_agree_under_documents_option(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.jsonl").write_text("{}\n")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "nope.txt").write_text("x")
    # --documents wins over the settings' documents folder (FMSCRIPT_DOCUMENTS).
    options = RunOptions(documents_path=docs, settings=Settings(documents_override=other))
    path = _run(tmp_path, "Get ( DocumentsPath )", options)
    listing = _run(tmp_path, "Get ( DocumentsPathListing )", options)
    assert path == docs.resolve().as_posix() + "/"
    assert listing.split("\r") == [path + "a.jsonl", path + "sub/"]


def test_temporary_path_honours_the_temp_setting(tmp_path: Path) -> None:
    temp = tmp_path / "fm-temp"
    got = _run(tmp_path, "Get ( TemporaryPath )", RunOptions(settings=Settings(temp_override=temp)))
    assert got.startswith(temp.resolve().as_posix() + "/S")
    assert Path(got).is_dir()


def test_settings_from_env_reads_every_knob() -> None:
    s = Settings.from_env(
        {
            "FMSCRIPT_HOME": "/h",
            "FMSCRIPT_DOCUMENTS": "/d",
            "FMSCRIPT_TEMP": "/t",
            "FMSCRIPT_MAX_STEPS": "12",
            "FMSCRIPT_PROGRESS": "0",
            "FMSCRIPT_CACHE": "off",
            "OPENAI_API_KEY": "sk-x",
        }
    )
    assert (s.home, s.documents, s.temp) == (Path("/h"), Path("/d"), Path("/t"))
    assert (s.max_steps, s.progress, s.cache, s.openai_api_key) == (12, False, None, "sk-x")
    assert "sk-x" not in repr(s)  # the key never prints
    assert Settings.from_env({}).max_steps is None and Settings.from_env({}).progress is None


@pytest.mark.parametrize("path", sorted(p for p in SRC.rglob("*.py") if p.relative_to(SRC).parts[0] != "cli"))
def test_nothing_below_the_edge_reads_or_changes_the_environment(path: Path) -> None:
    """``os.environ`` / ``os.getenv`` appear only in settings.py (the reader) and cli/ (the edge);
    the Hugging Face cache lookup follows huggingface_hub's own variables and the mlx engine sets
    the offline switches before importing mlx_lm — both listed here explicitly."""
    allowed = {"settings.py", "ai/modeldir.py", "ai/engines/__init__.py"}
    rel = path.relative_to(SRC).as_posix()
    if rel in allowed:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in ("environ", "getenv", "putenv")
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ]
    assert uses == [], f"{rel} reads the environment at lines {uses}: take a Settings instead"
