"""The provider registry (issue 19 item 2): providers are looked up by name, steps hold no
provider-specific code, and no ``provider == …`` switch exists outside ``ai/providers/``."""

from __future__ import annotations

import ast
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from fmscript.ai import providers
from fmscript.ai.accounts import Account
from fmscript.ai.chat import ChatReply
from fmscript.errors import COMMAND_UNAVAILABLE, ScriptRuntimeError
from fmscript.runtime.session import run_session
from fmscript.settings import Settings
from fmscript.steps.state import RunOptions

SRC = Path(__file__).resolve().parents[2] / "src" / "fmscript"
PROVIDER_NAMES = {"Local", "OpenAI", "Custom", "Anthropic", "Cohere"}


def _names_provider(node: ast.AST) -> bool:
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.lower().endswith("provider")


def _is_provider_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in PROVIDER_NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_provider_literal(e) for e in node.elts)
    return False


def provider_switches(source: str) -> Iterator[int]:
    """Lines comparing a provider (a name or attribute called ``…provider``) with anything, or
    anything with a provider's name, and ``match`` statements on a provider."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_names_provider(o) or _is_provider_literal(o) for o in operands):
                yield node.lineno
        elif isinstance(node, ast.Match) and _names_provider(node.subject):
            yield node.lineno


def test_the_detector_finds_switches() -> None:
    found = sorted(
        provider_switches(
            'if acct.provider == "Local":\n    pass\n'
            'x = 1 if provider in ("OpenAI", "Custom") else 2\n'
            'ok = name == "OpenAI"\n'
            "match account.provider:\n    case _:\n        pass\n"
            'fine = acct.name == "x"\n'
        )
    )
    assert found == [1, 3, 4, 5]


def test_no_provider_switch_outside_ai_providers() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if (SRC / "ai" / "providers") in path.parents:
            continue
        for line in provider_switches(path.read_text("utf-8")):
            offenders.append(f"{path.relative_to(SRC)}:{line}")
    assert not offenders, "provider switches outside ai/providers/: " + ", ".join(offenders)


def test_registry_lookups() -> None:
    assert set(providers.REGISTRY) >= {"Local", "OpenAI", "Custom"}
    assert isinstance(providers.chat("Local"), providers.ChatProvider)
    assert isinstance(providers.fine_tuning("Custom"), providers.FineTuningProvider)
    assert providers.get("Anthropic") is None
    with pytest.raises(ScriptRuntimeError) as info:
        providers.fine_tuning("Anthropic")
    assert info.value.code == COMMAND_UNAVAILABLE and "Local, OpenAI, Custom" in info.value.message


def test_configure_rules_live_in_the_providers() -> None:
    settings = Settings(openai_api_key="sk-env-1234")
    openai = providers.configure("OpenAI", "a", "", False, "", settings)
    assert (openai.api_key, openai.verify_ssl) == ("sk-env-1234", True)  # always checks certificates
    custom = providers.configure("Custom", "c", "http://x/v1", False, "", settings)
    assert (custom.api_key, custom.verify_ssl) == ("", False)
    with pytest.raises(ScriptRuntimeError, match="needs an Endpoint"):
        providers.configure("Custom", "c", "", False, "", settings)
    assert providers.configure("Cohere", "k", "", True, "x", settings) == Account(
        "k", "Cohere", "", True, "x"
    )


class EchoProvider:
    """A chat provider registered from outside: answers with the last user message, reversed."""

    def validate_chat_parameters(self, params: dict[str, object]) -> None:
        if "bad" in params:
            raise ScriptRuntimeError("Echo does not take 'bad'", code=14)

    def generate(self, account: Account, request: providers.ChatRequest, run: providers.Run) -> ChatReply:
        return ChatReply(request.messages[-1]["content"][::-1])

    def stream(self, account: Account, request: providers.ChatRequest, run: providers.Run, on_chunk):  # type: ignore[no-untyped-def]
        return self.generate(account, request, run)


@pytest.fixture
def echo_as_anthropic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(providers.REGISTRY, "Anthropic", f"{__name__}:EchoProvider")
    monkeypatch.delitem(providers._LOADED, "Anthropic", raising=False)
    yield
    providers._LOADED.pop("Anthropic", None)


def test_a_registered_provider_serves_the_steps_unchanged(echo_as_anthropic: None, tmp_path: Path) -> None:
    script = tmp_path / "main.fmscript"
    script.write_text(
        'Configure AI Account [ Account Name: "e" ; Model Provider: Anthropic ]\n'
        'Generate Response from Model [ Account Name: "e" ; Model: "m" ; User Prompt: "abc" ; Response: $r ]\n'
        "Set Error Capture [ On ]\n"
        'Generate Response from Model [ Account Name: "e" ; Model: "m" ; User Prompt: "x" ; '
        'Parameters: "{\\"bad\\":1}" ; Response: $r2 ]\n'
        'Exit Script [ Text Result: $r & "|" & Get ( LastError ) ]\n',
        "utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    options = RunOptions(progress=False, settings=Settings(home_override=tmp_path / "home"))
    code, result, _ = run_session(script, None, "", options, out, err)
    assert (code, result) == (0, "cba|14"), err.getvalue()


def test_a_provider_is_one_file_found_by_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README "Adding a provider": ``ai/providers/<name>.py`` with a ``Provider`` class is enough."""
    import sys

    (tmp_path / "cohere.py").write_text(
        "from tests.ai.test_providers import EchoProvider as Provider\n", encoding="utf-8"
    )
    monkeypatch.setattr(providers, "__path__", [*providers.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "fmscript.ai.providers.cohere", raising=False)
    try:
        chat = providers.chat("Cohere")
        reply = chat.generate(
            Account("k", "Cohere"),
            providers.ChatRequest("m", [{"role": "user", "content": "ab"}]),
            providers.Run(Settings()),
        )
        assert reply.text == "ba"
    finally:
        providers._LOADED.pop("Cohere", None)
        sys.modules.pop("fmscript.ai.providers.cohere", None)


def test_ai_prints_nothing() -> None:
    """ai/ reports through callbacks (fmscript.ai.progress.Reporter); the command line prints."""
    offenders = []
    for path in sorted((SRC / "ai").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            printing = (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
            )
            streams = isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr")
            if printing or streams or (isinstance(node, ast.alias) and node.name in ("click", "rich")):
                offenders.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}")
    assert not offenders, "output from ai/: " + ", ".join(offenders)
