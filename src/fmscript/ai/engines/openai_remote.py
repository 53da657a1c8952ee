"""Fine-tuning through an OpenAI-compatible API with the ``openai`` SDK: OpenAI itself
(provider OpenAI) or any server at the account's Endpoint (provider Custom), such as an AI Model
Server. ``openai`` is imported only here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmscript.errors import COMMAND_UNAVAILABLE, CONNECTION_FAILED, ScriptRuntimeError

# Top-level keys of POST /fine_tuning/jobs; other numeric keys are supervised hyperparameters.
_TOP_LEVEL = {"suffix", "seed", "validation_file", "metadata", "method", "hyperparameters", "integrations"}
_HYPER = {"n_epochs", "batch_size", "learning_rate_multiplier"}


def _client(account: Any) -> Any:
    try:
        import httpx
        import openai
    except ImportError:
        raise ScriptRuntimeError(
            "the OpenAI and Custom providers need the openai extra: pip install 'fmscript[openai]'",
            code=COMMAND_UNAVAILABLE,
        ) from None
    kwargs: dict[str, Any] = {"api_key": account.key() or "not-needed", "max_retries": 1}
    if account.provider == "Custom":
        kwargs["base_url"] = account.endpoint
        # FileMaker only checks the certificate when "Verify SSL Certificates" is on.
        kwargs["http_client"] = httpx.Client(verify=bool(account.verify_ssl))
    return openai, openai.OpenAI(**kwargs)


def job_create_args(base_model: str, file_id: str, params: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"model": base_model, "training_file": file_id}
    hyper = {k: v for k, v in params.items() if k in _HYPER}
    extra = {k: v for k, v in params.items() if k not in _HYPER and k not in _TOP_LEVEL}
    args.update({k: v for k, v in params.items() if k in _TOP_LEVEL})
    if hyper:
        args.setdefault("method", {"type": "supervised", "supervised": {"hyperparameters": hyper}})
    if extra:
        # Provider-specific keys (an AI Model Server's max_steps, lora_layers, …) travel as-is.
        args["extra_body"] = extra
    return args


def submit_fine_tune(
    account: Any, base_model: str, path: Path, name: str, params: dict[str, Any]
) -> dict[str, Any]:
    if not account.key().isascii():
        # HTTP headers carry ASCII only: a key with "é" or a full-width space cannot be sent.
        raise ScriptRuntimeError("the API key contains non-ASCII characters; check the key", code=1631)
    if account.provider == "Custom":
        _check_endpoint(account)
    try:
        openai, client = _client(account)
    except ScriptRuntimeError:
        raise
    except Exception as exc:  # noqa: BLE001 - the SDK's URL and client errors vary by version
        raise ScriptRuntimeError(
            account.redact(f"the Endpoint is not a valid URL: {exc}"), code=1630
        ) from None
    try:
        uploaded = client.files.create(file=(name, path.read_bytes()), purpose="fine-tune")
        job = client.fine_tuning.jobs.create(**job_create_args(base_model, _reply_id(uploaded), params))
        result = job.model_dump(exclude_none=True) if hasattr(job, "model_dump") else None
        if not isinstance(result, dict) or not isinstance(result.get("id"), str):
            raise _NotAJob()
        return result
    except _NotAJob:
        raise ScriptRuntimeError(
            "the model provider's reply is not a fine-tuning job (is the Endpoint an OpenAI-compatible API?)",
            code=1631,
        ) from None
    except openai.APIConnectionError as exc:
        raise ScriptRuntimeError(
            account.redact(f"cannot reach the model provider: {exc}"), code=CONNECTION_FAILED
        ) from None
    except openai.APIStatusError as exc:
        raise ScriptRuntimeError(
            account.redact(f"the model provider refused the job (HTTP {exc.status_code}): {exc.message}"),
            code=CONNECTION_FAILED,
        ) from None
    except Exception:  # noqa: BLE001 - any other failure of a foreign server's reply: FileMaker's 1631
        raise ScriptRuntimeError(
            account.redact("the model provider's reply cannot be used (not an OpenAI-compatible answer)"),
            code=1631,
        ) from None


def _check_endpoint(account: Any) -> None:
    """FileMaker's 1630 (URL format is incorrect) for an Endpoint that is not an http(s) URL."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(account.endpoint)
        parts.port  # noqa: B018 - raises ValueError for a bad port ("http://[::1")
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise ScriptRuntimeError(
            account.redact(f"the Endpoint {account.endpoint!r} is not a valid http(s) URL"), code=1630
        )


class _NotAJob(Exception):
    """A reply (HTTP 200) that is HTML, or JSON that is not a file / fine-tuning job object."""


def _reply_id(uploaded: Any) -> str:
    file_id = getattr(uploaded, "id", None)
    if not isinstance(file_id, str):
        raise _NotAJob()
    return file_id
