"""Models from the (loopback) Hugging Face hub: `fmscript models pull`, on-demand downloads for a
Local Generate Response, and one clean error for each way a pull can fail; HF_TOKEN never leaks."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from fmscript.cli import cli
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

from .conftest import GATED, HUB_TOKEN, QWEN_4BIT
from .hub_stub import HubStub

pytestmark = pytest.mark.slow


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_error(code: int, out: str, err: str) -> str:
    """The command failed with exactly one `error:` line and no traceback."""
    assert code == 1, out + err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_pull_lists_a_4bit_qwen_with_its_facts(hub: HubStub, home: Path) -> None:
    code, out, err = run("models", "pull", QWEN_4BIT)
    assert code == 0, err
    assert "Downloading mlx-community/Qwen2.5-tiny-Instruct-4bit (main = " in err and "5 files" in err
    snapshot = Path(out.strip().rsplit(" -> ", 1)[1])
    assert snapshot.parent.parent.name == "models--mlx-community--Qwen2.5-tiny-Instruct-4bit"
    assert snapshot.is_relative_to(home.parent / "hf-cache")  # HF_HUB_CACHE, the standard layout
    assert (snapshot.parent.parent / "refs" / "main").read_text() == snapshot.name
    assert sorted(hub.downloads(QWEN_4BIT)) == sorted(
        ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja"]
    )
    code, out, _ = run("models", "list")
    row = next(line for line in out.splitlines() if line.startswith(QWEN_4BIT))
    assert row.split()[1:6] == ["base", "qwen2", "123K", "4-bit", "(group"], row
    assert "KB" in row

    # Pulled again: the hub is asked for the commit and the file list, but no bytes are sent.
    before = len(hub.downloads(QWEN_4BIT))
    assert run("models", "pull", QWEN_4BIT)[0] == 0
    assert len(hub.downloads(QWEN_4BIT)) == before


def test_pull_resumes_an_interrupted_download(hub: HubStub, home: Path) -> None:
    """A partial blob (.incomplete, as an interrupted download leaves it) is continued with Range."""
    repo = hub.repos[QWEN_4BIT]
    data = repo.files["model.safetensors"]
    import hashlib

    blobs = home.parent / "hf-cache" / "models--mlx-community--Qwen2.5-tiny-Instruct-4bit" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / f"{hashlib.sha256(data).hexdigest()}.incomplete").write_bytes(data[:50_000])
    assert run("models", "pull", QWEN_4BIT)[0] == 0
    snapshot = next((blobs.parent / "snapshots").iterdir())
    assert (snapshot / "model.safetensors").read_bytes() == data


def test_local_generate_response_downloads_once(hub: HubStub, home: Path, tmp_path: Path) -> None:
    script = tmp_path / "ask.fmscript"
    script.write_text(
        'Configure AI Account [ Account Name: "local" ; Model Provider: Local ]\n'
        f'Generate Response from Model [ Account Name: "local" ; Model: "{QWEN_4BIT}" ; '
        'User Prompt: "Hello" ; Parameters: "{\\"max_tokens\\":4}" ; Response: $r ]\n'
        'Exit Script [ Text Result: Get ( LastError ) & ":" & Length ( $r ) ]\n',
        "utf-8",
    )
    errs = []
    for _ in range(2):
        out, err = io.StringIO(), io.StringIO()
        options = RunOptions(progress=False, settings=Settings.from_env())
        code, _, _ = run_session(script, None, "", options, out, err)
        assert code == 0, err.getvalue()
        assert out.getvalue().strip().startswith("0:")
        errs.append(err.getvalue())
    assert hub.downloads(QWEN_4BIT).count("model.safetensors") == 1  # once, not again
    listed = json.loads(run("models", "list", "--json")[1])
    assert QWEN_4BIT in {m["name"] for m in listed}


def test_missing_repo_and_revision_are_one_error(hub: HubStub, home: Path) -> None:
    line = one_error(*run("models", "pull", "nobody/no-such-model"))
    assert (
        line
        == f"error: no model 'nobody/no-such-model' on {hub.url} (a private model needs HF_TOKEN) (error 10)"
    )
    line = one_error(*run("models", "pull", QWEN_4BIT, "--revision", "v9"))
    assert "revision 'v9' not found in mlx-community/Qwen2.5-tiny-Instruct-4bit" in line
    assert run("models", "pull", "not a repo")[0] == 2


def test_gated_repo_needs_a_token_and_the_token_never_leaks(
    hub: HubStub, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = one_error(*run("models", "pull", GATED))
    assert "is a gated model" in line and "set HF_TOKEN" in line and "(error 1627)" in line

    monkeypatch.setenv("HF_TOKEN", "hf_wrongTokenAlsoSecret")
    code, out, err = run("models", "pull", GATED)
    line = one_error(code, out, err)
    assert "refused the token in HF_TOKEN" in line and "hf_wrong" not in out + err

    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    code, out, err = run("models", "pull", GATED)
    assert code == 0, err
    assert f"Bearer {HUB_TOKEN}" in hub.authorizations  # sent to the hub, and only there
    code, out2, err2 = run("models", "list", "--json")
    assert HUB_TOKEN not in out + err + out2 + err2
    for path in home.rglob("*"):
        if path.is_file():
            assert HUB_TOKEN.encode() not in path.read_bytes(), path


def test_offline_is_one_error_naming_models_pull(
    hub: HubStub, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    line = one_error(*run("models", "pull", QWEN_4BIT))
    assert "offline" in line and f"fmscript models pull {QWEN_4BIT}" in line
    script = tmp_path / "ask.fmscript"
    script.write_text(
        'Configure AI Account [ Account Name: "local" ; Model Provider: Local ]\n'
        f'Generate Response from Model [ Account Name: "local" ; Model: "{QWEN_4BIT}" ; '
        'User Prompt: "Hello" ; Response: $r ]\n',
        "utf-8",
    )
    code, out, err = run("run", str(script))
    assert code == 1
    assert "error 10" in err and f"`fmscript models pull {QWEN_4BIT}`" in err and "Traceback" not in err
    assert hub.requests == []


def test_unreachable_hub_and_full_disk_are_one_error(
    hub: HubStub, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.fake_sizes[(QWEN_4BIT, "model.safetensors")] = 10**18  # an exabyte: no disk holds it
    line = one_error(*run("models", "pull", QWEN_4BIT))
    assert "needs 1000000.0 TB but only" in line and "(error 800)" in line
    assert hub.downloads(QWEN_4BIT) == []  # refused before any download

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connection refused
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
        line = one_error(*run("models", "pull", QWEN_4BIT))
    assert line == (
        f"error: cannot connect to the hub at http://127.0.0.1:{port} (downloading {QWEN_4BIT}) (error 1631)"
    )


def test_a_repo_without_mlx_weights_is_refused(hub: HubStub, home: Path) -> None:
    from .hub_stub import StubRepo

    hub.repos["someone/pytorch-only"] = StubRepo({"config.json": b"{}", "pytorch_model.bin": b"x"}, "a" * 40)
    line = one_error(*run("models", "pull", "someone/pytorch-only"))
    assert "is not a model mlx-lm can load" in line


def test_hub_settings_follow_huggingface_hub_variables() -> None:
    env = {"HF_HOME": "/x/hf", "HF_TOKEN": "hf_secret", "HF_ENDPOINT": "http://mirror.example/"}
    settings = Settings.from_env(env)
    assert settings.hf_hub_cache == Path("/x/hf/hub")
    assert settings.hf_endpoint == "http://mirror.example" and not settings.offline
    assert "hf_secret" not in repr(settings)
    assert Settings.from_env({"HF_HUB_CACHE": "/c", "HF_HOME": "/x"}).hf_hub_cache == Path("/c")
    assert Settings.from_env({"HF_HUB_OFFLINE": "1"}).offline
    assert Settings.from_env({"FMSCRIPT_OFFLINE": "true"}).offline
