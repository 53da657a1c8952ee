"""A Local fine-tune queued by a REPL entry trains right after that entry (as at the end of
``fmscript run``), and Ctrl-C during the training cancels the job while the session lives on."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from fmscript.cli.repl import run_entries
from fmscript.cli.repl_session import ReplSession
from fmscript.settings import Settings
from tests.repl.transcript import ROOT

pytest.importorskip("mlx_lm")

ENTRIES = """Configure AI Account [ Account Name: "local" ; Model Provider: Local ]
Fine-Tune Model [ Account Name: "local" ; Base Model: "demo" ; Training Data: Table ; "Support QA" ;
  Completion Field: Support QA::Answer ; Response Target: $r ;
  Fine-Tune Parameters: JSONSetElement ( "{}" ; "fine_tuned_model_name" ; "repl" ; JSONString ) ]
= JSONGetElement ( $r ; "result.status" ) & " " & JSONGetElement ( $r ; "result.fine_tuned_model" )
"""


@pytest.fixture
def session(tmp_path: Path) -> ReplSession:
    from fmscript.ai.demo_model import create_demo_model
    from fmscript.ai.jobs.store import open_store

    home = tmp_path / "home"
    model = home / "base-models" / "demo"
    create_demo_model(model)
    open_store(home).models.add_base("demo", model)
    out = io.StringIO()
    settings = Settings(home_override=home, documents_override=tmp_path, max_steps=3, progress=False)
    return ReplSession(
        ROOT / "samples" / "support_qa.sql", out=out, err=out, progress=False, settings=settings
    )


def _job_status(home: Path, job_id: str) -> str:
    from fmscript.ai.jobs.store import open_store

    return open_store(home).jobs.get(job_id).status


@pytest.mark.slow
def test_a_local_fine_tune_trains_after_its_entry(session: ReplSession) -> None:
    run_entries(session, ENTRIES.splitlines())
    text = session.out.getvalue()  # type: ignore[attr-defined]
    trained = re.search(r"fine-tuning job (fm-ftjob-\d+) succeeded: model fm-mlx-repl\n", text)
    assert trained, text
    assert text.endswith("queued fm-mlx-repl\n")  # the Response Target as Fine-Tune Model returned it
    assert _job_status(session.settings.home, trained.group(1)) == "succeeded"
    assert not session.ctx.ai.queued_jobs
    session.close()


def test_ctrl_c_during_training_cancels_the_job(
    session: ReplSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmscript.ai.engines import mlx_local

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt  # what SIGINT raises in the training loop

    monkeypatch.setattr(mlx_local, "train_job", interrupted)
    run_entries(session, [*ENTRIES.splitlines(), "= 1 + 1"])
    text = session.out.getvalue()  # type: ignore[attr-defined]
    cancelled = re.search(r"fine-tuning job (fm-ftjob-\d+) cancelled", text)
    assert cancelled, text
    assert _job_status(session.settings.home, cancelled.group(1)) == "cancelled"
    assert text.endswith("queued fm-mlx-repl\n2\n")  # the session goes on
    assert "Traceback" not in text
    session.close()
