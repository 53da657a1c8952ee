"""The Fine-Tune Model page's examples (ja and zh seeds), verbatim apart from the account line
(provider Local instead of OpenAI / the AI Model Server) and the base model (a demo model), run end
to end: the job is queued with the documented Response Target, really trains, succeeds, and the
fine-tuned model is listed with its adapter. FMSCRIPT_MAX_STEPS keeps the 1000/1500 steps short."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

pytestmark = pytest.mark.slow
SEEDS = Path(__file__).parent / "seeds"
QA = [(f"How do I fix problem {i}?", f"Restart step {i}.", ["billing", "account"][i % 2]) for i in range(12)]


def _db(path: Path, lang: str) -> Path:
    table, q, a, c, glob = (
        ("サポート QA", "質問", "回答", "カテゴリ", "グローバル")
        if lang == "ja"
        else ("Support_QA", "Question", "Answer", "Category", "Global")
    )
    g_fields = (
        ("OpenAI API キー", "ファインチューニング API キー", "ファインチューニング済みモデル")
        if lang == "ja"
        else ("OpenAI_API_Key", "Fine_Tuning_API_Key", "Fine_Tuned_Model")
    )
    con = sqlite3.connect(path)
    con.execute(f'CREATE TABLE "{table}" ("{q}" TEXT, "{a}" TEXT, "{c}" TEXT)')
    con.executemany(f'INSERT INTO "{table}" VALUES (?, ?, ?)', QA)
    con.execute(
        f'CREATE TABLE "{glob}" ({", ".join(f"{chr(34)}{f}{chr(34)} TEXT GLOBAL" for f in g_fields)})'
    )
    con.execute(f'INSERT INTO "{glob}" VALUES (?, ?, ?)', ("sk-secret-key-123", "k", ""))
    con.commit()
    con.close()
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    docs = tmp_path / "Documents"
    docs.mkdir()
    lines = [
        json.dumps({"messages": [{"content": q, "role": "user"}, {"content": a, "role": "assistant"}]})
        for q, a, _ in QA
    ]
    (docs / "training_data.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.jobs.store import open_store

    model = tmp_path / "home" / "base-models" / "demo"
    create_demo_model(model)
    open_store(tmp_path / "home").models.add_base("demo", model)
    return docs


def _options(docs: Path) -> RunOptions:
    """Settings, not the environment: a private home, local jobs capped at 12 steps."""
    settings = Settings(home_override=docs.parent / "home", max_steps=12, progress=False)
    return RunOptions(documents_path=docs, progress=False, settings=settings)


def _check_response(text: str, training_file: str, fine_tuned: str | None) -> dict:
    result = json.loads(text)["result"]
    assert list(result) == [
        "object",
        "id",
        "file_id",
        "model",
        "created_at",
        "fine_tuned_model",
        "status",
        "training_file",
        "tags",
    ]
    assert result["object"] == "fine_tuning.job"
    assert re.fullmatch(r"fm-ftjob-\d{13}", result["id"])
    assert re.fullmatch(r"fm-ft-train-\d{13}", result["file_id"])
    assert result["model"] == "demo"
    assert (
        isinstance(result["created_at"], int) and str(result["created_at"]) == result["id"].rsplit("-", 1)[1]
    )
    if fine_tuned:
        assert result["fine_tuned_model"] == fine_tuned
    else:
        assert re.fullmatch(r"fm-mlx-\S+", result["fine_tuned_model"])
    assert result["status"] == "queued"
    assert result["training_file"] == training_file or training_file == "*"
    assert result["tags"] == ["fine-tune"]
    return result


def _assert_trained(home: Path, name: str) -> None:
    from fmscript.ai.service import LocalFineTuning

    models = {m.name: m for m in LocalFineTuning(home).list_models()}
    assert name in models
    assert (home / "models" / name / "adapters.safetensors").is_file()
    card = json.loads((home / "models" / name / "card.json").read_text())
    assert card["steps"] == 12


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_example1_table_data(lang: str, env: Path, tmp_path: Path) -> None:
    db = _db(tmp_path / "file.sqlite", lang)
    out, err = io.StringIO(), io.StringIO()
    code, _, rt = run_session(SEEDS / f"{lang}_example1.fmscript", db, "", _options(env), out, err)
    assert code == 0, err.getvalue()
    response = _check_response(rt.vars.get("$$responseTarget"), "*", None)
    assert "sk-secret" not in err.getvalue() + out.getvalue()
    _assert_trained(tmp_path / "home", response["fine_tuned_model"])


@pytest.mark.parametrize("lang", ["ja", "zh"])
def test_example2_jsonl_file(lang: str, env: Path, tmp_path: Path) -> None:
    db = _db(tmp_path / "file.sqlite", lang)
    out, err = io.StringIO(), io.StringIO()
    code, _, rt = run_session(SEEDS / f"{lang}_example2.fmscript", db, "", _options(env), out, err)
    assert code == 0, err.getvalue()
    params = json.loads(rt.vars.final_locals[("$parameters".casefold(), 1)])
    # Every value is what FileMaker's JSONString holds: the number's text form.
    assert params == {
        "batch_size": "2",
        "fine_tuned_model_name": "product-expert-v2",
        "learning_rate": ".0001",
        "max_steps": "1500",
    }
    _check_response(
        rt.vars.final_locals[("$responsetarget", 1)], "training_data.jsonl", "fm-mlx-product-expert-v2"
    )
    field = (
        ("グローバル", "ファインチューニング済みモデル") if lang == "ja" else ("Global", "Fine_Tuned_Model")
    )
    con = sqlite3.connect(db)
    stored = con.execute(
        "SELECT value FROM fmscript_globals WHERE table_name = ? AND field_name = ?", field
    ).fetchone()
    assert stored == ("fm-mlx-product-expert-v2",)
    _assert_trained(tmp_path / "home", "fm-mlx-product-expert-v2")
