"""Fine-Tune Model leaves no ``fmscript-train-*`` folder in the temp dir, whether the job trains,
is refused at submit, or fails while training (and no half-written model folder either)."""

from __future__ import annotations

import io
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

pytestmark = pytest.mark.slow

SCRIPT = """Go to Layout [ "QA" ]
Configure AI Account [ Account Name: "local" ; Model Provider: Local ]
Set Error Capture [ On ]
Fine-Tune Model [ Account Name: "local" ; Base Model: "{model}" ; Training Data: Table ; "QA" ; Completion Field: QA::Answer ; Response Target: $r ; Fine-Tune Parameters: "{{\\"max_steps\\": 3, \\"batch_size\\": 2, \\"fine_tuned_model_name\\": \\"{name}\\"}}" ]
Exit Script [ Text Result: Get ( LastError ) ]
"""


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp dir for this test (Settings.temp is a folder inside it): an empty folder
    we can watch."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _run(home: Path, tmp_path: Path, rows: int, model: str, name: str, wait: bool) -> str:
    db = tmp_path / f"{name}.sqlite"
    con = sqlite3.connect(db)
    con.execute('CREATE TABLE "QA" ("Question" TEXT, "Answer" TEXT)')
    con.executemany(
        'INSERT INTO "QA" VALUES (?, ?)', [(f"What is {i} + {i}?", str(2 * i)) for i in range(rows)]
    )
    con.commit()
    con.close()
    script = tmp_path / f"{name}.fmscript"
    script.write_text(SCRIPT.format(model=model, name=name), encoding="utf-8")
    err = io.StringIO()
    settings = Settings(home_override=home)
    options = RunOptions(wait_for_jobs=wait, progress=False, settings=settings)
    code, result, _ = run_session(script, db, "", options, io.StringIO(), err)
    assert code == 0, err.getvalue()
    return str(result)


def _train_dirs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("fmscript-train-*"))


def test_table_fine_tune_trains_and_leaves_no_temp_folder(
    demo_home: Path, tmp_path: Path, temp_dir: Path
) -> None:
    assert _run(demo_home, tmp_path, 12, "demo", "ok", wait=True) == "0"
    assert (demo_home / "models" / "fm-mlx-ok" / "adapters.safetensors").is_file()
    assert _train_dirs(temp_dir) == []


def test_refused_fine_tune_leaves_no_temp_folder(demo_home: Path, tmp_path: Path, temp_dir: Path) -> None:
    # Five records: fewer than the ten examples a training file needs (error 509 at submit).
    assert _run(demo_home, tmp_path, 5, "demo", "few", wait=True) == "509"
    assert _train_dirs(temp_dir) == []


def test_fine_tune_failing_in_training_leaves_no_temp_folder(
    demo_home: Path, demo_dir: Path, tmp_path: Path, temp_dir: Path
) -> None:
    from fmscript.ai.service import LocalFineTuning

    broken = demo_home / "base-models" / "broken"
    shutil.copytree(demo_dir, broken)
    assert _run(demo_home, tmp_path, 12, "broken", "bad", wait=False) == "0"
    for weights in broken.glob("model*.safetensors"):
        weights.write_bytes(b"not safetensors")  # the base model breaks after the job was queued
    service = LocalFineTuning(demo_home, Settings(home_override=demo_home))
    try:
        (job,) = service.run_queued([service.store.jobs.list(status="queued")[0].id])
    finally:
        service.close()
    assert job.status == "failed"
    assert _train_dirs(temp_dir) == []
    assert [p.name for p in (demo_home / "models").iterdir() if p.name.startswith(".tmp-")] == []
