"""Issue 22 item 3: removing a base model that fine-tuned models depend on is refused, listing
them, unless forced — `fmscript models remove BASE` (--force) and DELETE /v1/models/{base}
(409, ?force=true; the admin page's delete button calls that route and shows its message)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmscript.ai.jobs import open_store
from tests import processes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def with_dependants(demo_home: Path, tmp_path: Path) -> Iterator[Path]:
    store = open_store(demo_home)
    for name in ("fm-mlx-a", "fm-mlx-b"):
        folder = demo_home / "models" / name
        folder.mkdir(parents=True)
        store.models.add_fine_tuned(name, folder, "demo", f"job-{name}")
    store.close()
    yield demo_home


def _fmscript(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "FMSCRIPT_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    return processes.run(
        [sys.executable, "-m", "fmscript", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def _names(home: Path) -> set[str]:
    store = open_store(home)
    try:
        return {m.name for m in store.models.list()}
    finally:
        store.close()


def test_models_remove_refuses_a_base_with_dependants(with_dependants: Path) -> None:
    refused = _fmscript(with_dependants, "models", "remove", "demo")
    assert refused.returncode == 1
    assert "fm-mlx-a, fm-mlx-b" in refused.stderr and "--force" in refused.stderr
    assert "demo" in _names(with_dependants)
    forced = _fmscript(with_dependants, "models", "remove", "demo", "--force")
    assert (forced.returncode, forced.stdout) == (0, "removed demo\n")
    assert "demo" not in _names(with_dependants)


def test_delete_route_is_409_with_the_list(with_dependants: Path) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from fmscript.ai.keys import KeyStore
    from fmscript.server.app import create_app
    from fmscript.server.config import ServerOptions
    from fmscript.settings import Settings

    app = create_app(Settings(home_override=with_dependants), ServerOptions(worker=False))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {KeyStore(with_dependants).create('t')}"}
        refused = client.delete("/v1/models/demo", headers=headers)
        assert refused.status_code == 409, refused.text
        assert "fm-mlx-a, fm-mlx-b" in refused.json()["error"]["message"]
        assert client.delete("/v1/models/fm-mlx-a", headers=headers).status_code == 200
        assert client.delete("/v1/models/demo?force=true", headers=headers).status_code == 200
    assert _names(with_dependants).isdisjoint({"demo", "fm-mlx-a"})
