"""Fine-tuning through an OpenAI-compatible API with the ``openai`` SDK: OpenAI itself (provider
OpenAI; the account's Endpoint, when given, is the base URL) or any server at the Endpoint
(provider Custom: an AI Model Server, ``fmscript serve``). ``openai`` is imported only here.

Every call is bounded (``Settings.connect_timeout``, ``request_timeout`` — uploads get one more
second per MB —, ``max_retries``) and every failure is a :class:`ScriptRuntimeError` with a code
from :mod:`fmscript.ai.remote_errors` and the provider's own message; replies are checked before
use (JSON, the object asked for, an ``id``). The API key never reaches a message, the job store or
a log: messages pass through ``Account.redact``.
"""

from __future__ import annotations

import json
import re
import ssl
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fmscript.ai import datasets
from fmscript.ai import remote_errors as rc
from fmscript.ai.errors import INVALID_TRAINING_DATA, UNAVAILABLE, ai_error
from fmscript.ai.http_limits import Budget, ReplyTooLarge, too_large, transport
from fmscript.ai.remote_params import create_args, requested_method
from fmscript.errors import ScriptRuntimeError
from fmscript.settings import Settings

OPENAI_BASE_URL = "https://api.openai.com/v1"


# A create call that failed this way may still have created (and billed) the job.
AMBIGUOUS = frozenset({rc.TIMED_OUT, rc.PROVIDER_FAILED, rc.for_status(500)[0]})


class Remote:
    """One provider connection: ``provider`` (OpenAI | Custom), ``base_url``, the key, SSL checking."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        api_key: str,
        verify_ssl: bool = True,
        settings: Settings | None = None,
    ) -> None:
        try:
            import httpx
            import openai
        except ImportError:
            raise ai_error(
                "the OpenAI and Custom providers need the openai extra: pip install 'fmscript[openai]'",
                UNAVAILABLE,
            ) from None
        self.provider = provider
        self.base_url = check_url(base_url or OPENAI_BASE_URL)
        if not api_key.isascii():
            # HTTP headers carry ASCII only: a key with "é" or a full-width space cannot be sent.
            raise ScriptRuntimeError(
                "the API key contains non-ASCII characters; check the key", code=rc.PROVIDER_FAILED
            )
        self._key = api_key
        self.settings = settings or Settings()
        self.openai = openai
        self.httpx = httpx
        self.timeout = httpx.Timeout(self.settings.request_timeout, connect=self.settings.connect_timeout)
        # One call — retries included — ends within call_deadline and reads at most reply_max_bytes
        # (the SDK's own timeouts are per attempt and per socket read: 3 × 60 s, or for ever for a
        # server that trickles); every call starts the budget afresh (``_begin``).
        self.budget = Budget(self.settings.call_deadline, self.settings.reply_max_bytes)
        self.client = openai.OpenAI(
            api_key=api_key or "not-needed",
            base_url=self.base_url,
            timeout=self.timeout,  # type: ignore[arg-type]  # openai 3 types httpx2, accepts httpx
            max_retries=self.settings.max_retries,
            # FileMaker checks a Custom server's certificate only when "Verify SSL Certificates" is on.
            http_client=httpx.Client(  # type: ignore[arg-type]
                transport=transport(bool(verify_ssl), self.budget), timeout=self.timeout
            ),
        )

    def close(self) -> None:
        self.client.close()

    def redact(self, text: str) -> str:
        key = self._key
        return text.replace(key, "***") if key and len(key) >= 4 else text

    # -- calls -----------------------------------------------------------------------------------

    def begin(self, extra_seconds: float = 0.0) -> None:
        """A new call: its deadline and byte count start now (an upload gets ``extra_seconds``)."""
        self.budget.seconds = self.settings.call_deadline + extra_seconds
        self.budget.start()

    def _call(self, what: str, method: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Call a ``with_raw_response`` SDK method; the reply's JSON, or a coded error."""
        self.begin(kwargs.pop("extra_seconds", 0.0))
        try:
            raw = method(*args, **kwargs)
            return self._json(what, raw.http_response)  # the body is read here, within the budget
        except (self.openai.APIError, ReplyTooLarge) as exc:
            mapped = self.sdk_error(what, exc)
            if mapped is None:
                raise
            raise mapped from None
        except self.httpx.HTTPError as exc:  # reading the body failed (deadline, connection lost)
            if time.monotonic() >= self.budget.deadline:
                raise self._deadline_error(what) from None
            raise self._error(rc.PROVIDER_FAILED, f"{what}: the reply broke off ({exc})") from None

    def sdk_error(self, what: str, exc: Exception) -> ScriptRuntimeError | None:
        """The coded error for an SDK failure (timeout, connection/SSL, HTTP status), else None.
        One mapping for the fine-tuning calls and chat (``openai_chat``)."""
        openai = self.openai
        big = too_large(exc)
        if big is not None:
            return self._error(
                rc.PROVIDER_FAILED, f"{what}: {big} from {self.base_url} (FMSCRIPT_REPLY_MAX_BYTES)"
            )
        if isinstance(exc, openai.APIConnectionError) and time.monotonic() >= self.budget.deadline:
            return self._deadline_error(what)
        if isinstance(exc, openai.APITimeoutError):
            return self._error(
                rc.TIMED_OUT,
                f"{what}: no answer from {self.base_url} within {self.settings.request_timeout:g} s "
                f"(after {self.settings.max_retries} retries)",
            )
        if isinstance(exc, openai.APIConnectionError):
            if _not_tls(exc):
                return self._error(
                    rc.PROVIDER_FAILED,
                    f"{what}: {self.base_url} does not answer in TLS ({_cause(exc)}); "
                    "if it is a plain-HTTP server, use an http:// Endpoint",
                )
            if _is_ssl(exc):
                return self._error(
                    rc.SSL_ERROR,
                    f"{what}: the SSL certificate of {self.base_url} could not be verified ({_cause(exc)}); "
                    "for a Custom server you trust, Verify SSL Certificates: Off skips the check "
                    "(OpenAI's certificates are always checked)",
                )
            return self._error(
                rc.PROVIDER_FAILED, f"{what}: cannot connect to {self.base_url} ({_cause(exc)})"
            )
        if isinstance(exc, openai.APIStatusError):
            code, meaning = rc.for_status(exc.status_code)
            detail = provider_message(exc.response)
            return self._error(
                code, f"{what}: {meaning} (HTTP {exc.status_code}){': ' + detail if detail else ''}"
            )
        return None

    def _deadline_error(self, what: str) -> ScriptRuntimeError:
        return self._error(
            rc.TIMED_OUT,
            f"{what}: no complete answer from {self.base_url} within {self.budget.seconds:.3g} s, "
            "retries included (FMSCRIPT_CALL_DEADLINE)",
        )

    def _json(self, what: str, response: Any) -> Any:
        try:
            return json.loads(response.content)
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise self._error(
                rc.PROVIDER_FAILED,
                f"{what}: the reply of {self.base_url} is not JSON (HTTP {response.status_code}, {kind}): "
                f"{_snippet(response.text)!r}",
            ) from None

    def _error(self, code: int, message: str) -> ScriptRuntimeError:
        return ScriptRuntimeError(self.redact(f"{self.provider} provider: {message}"), code=code)

    def _object(self, what: str, data: Any, kind: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
        """``data`` when it is a JSON object with a text ``id`` (and ``required`` keys), else an error."""
        if not isinstance(data, dict):
            raise self._error(
                rc.PROVIDER_FAILED,
                f"{what}: the reply is not a {kind} object: {_snippet(json.dumps(data))!r}",
            )
        missing = [
            key for key in ("id", *required) if not isinstance(data.get(key), str) or not data.get(key)
        ]
        if missing:
            raise self._error(
                rc.PROVIDER_FAILED,
                f"{what}: the reply is not a {kind} object (no {missing[0]!r}): {_snippet(json.dumps(data))!r}",
            )
        return data

    def upload(self, path: Path, name: str) -> dict[str, Any]:
        data = path.read_bytes()
        timeout = self.timeout.read + len(data) / 1_000_000 if self.timeout.read else None
        reply = self._call(
            "upload", self.client.files.with_raw_response.create, file=(name, data), purpose="fine-tune",
            timeout=self.timeout.__class__(timeout, connect=self.settings.connect_timeout),
            extra_seconds=len(data) / 1_000_000,
        )  # fmt: skip
        return self._object("upload", reply, "file")

    def create_job(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create the job at most once (each job is billed).

        The SDK does not retry this POST on its own (a slow reply once ended as three paid jobs):
        every attempt carries the same ``Idempotency-Key``, and after an ambiguous failure (no reply
        in time, the connection lost, a 5xx) the provider's recent jobs are searched for one on the
        training file just uploaded — a file id no other job has — before the one retry.
        """
        key = "fmscript-" + uuid.uuid4().hex
        create = self.client.with_options(max_retries=0).fine_tuning.jobs.with_raw_response.create
        try:
            reply = self._call("create job", create, **args, extra_headers={"Idempotency-Key": key})
        except ScriptRuntimeError as exc:
            if exc.code not in AMBIGUOUS:
                raise
            found = self._job_on_file(str(args["training_file"]))
            if found is not None:
                return found
            reply = self._call("create job", create, **args, extra_headers={"Idempotency-Key": key})
        return self._object("create job", reply, "fine-tuning job", ("status",))

    def _job_on_file(self, file_id: str) -> dict[str, Any] | None:
        """The provider's recent job on ``file_id`` (None: none, or the list cannot be had)."""
        try:
            reply = self._call("list jobs", self.client.fine_tuning.jobs.with_raw_response.list, limit=20)
        except Exception:  # best effort: any failure here means "not found", then the keyed retry
            return None
        jobs = reply.get("data") if isinstance(reply, dict) else None
        for job in jobs if isinstance(jobs, list) else []:
            if (
                isinstance(job, dict)
                and job.get("training_file") == file_id
                and isinstance(job.get("id"), str)
            ):
                return job
        return None

    def retrieve(self, job_id: str) -> dict[str, Any]:
        reply = self._call("retrieve job", self.client.fine_tuning.jobs.with_raw_response.retrieve, job_id)
        return self._object("retrieve job", reply, "fine-tuning job", ("status",))

    def cancel(self, job_id: str) -> dict[str, Any]:
        reply = self._call("cancel job", self.client.fine_tuning.jobs.with_raw_response.cancel, job_id)
        return self._object("cancel job", reply, "fine-tuning job", ("status",))

    def events(self, job_id: str, limit: int = 100) -> list[dict[str, Any]]:
        """The job's events, oldest first."""
        reply = self._call(
            "list events", self.client.fine_tuning.jobs.with_raw_response.list_events, job_id, limit=limit
        )
        if not isinstance(reply, dict) or not isinstance(reply.get("data"), list):
            raise self._error(
                rc.PROVIDER_FAILED, f"list events: the reply is not a list: {_snippet(json.dumps(reply))!r}"
            )
        # The API lists events newest first. Reversed, then sorted by time (a stable sort), they
        # keep the provider's own order within a second: sorting by id ("…-9" > "…-10") did not.
        events = [e for e in reversed(reply["data"]) if isinstance(e, dict)]
        return sorted(events, key=lambda e: e.get("created_at") or 0)


def check_url(url: str) -> str:
    """An http(s) Endpoint, or error 1630."""
    ok = bool(re.match(r"https?://[^/\s]+", url.strip()))
    try:
        parts = urlsplit(url.strip())
        ok = ok and bool(parts.hostname) and (parts.port or 0) >= 0  # .port: ValueError for "http://[::1"
    except ValueError:
        ok = False
    if not ok:
        raise ScriptRuntimeError(f"the Endpoint {url!r} is not an http:// or https:// URL", code=rc.BAD_URL)
    return url.strip()


def provider_message(response: Any) -> str:
    """The provider's error message: OpenAI's ``error.message``, else a short text of the body."""
    try:
        body = json.loads(response.content)
    except (ValueError, AttributeError):
        return _snippet(getattr(response, "text", "") or "")
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(error, str):
            return error
        if isinstance(body.get("detail"), str):
            return body["detail"]
    return _snippet(json.dumps(body))


def _snippet(text: str, limit: int = 160) -> str:
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] + ("…" if len(text) > limit else "")


def _is_ssl(exc: BaseException) -> bool:
    seen: object = exc
    for _ in range(10):  # the chain is short: SDK error, httpx error, ssl error
        if not isinstance(seen, BaseException):
            return False
        if isinstance(seen, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# What OpenSSL says when the other end is not speaking TLS (a plain-HTTP port, say).
_NOT_TLS = (
    "WRONG_VERSION_NUMBER",
    "wrong version number",
    "record layer failure",
    "http request",
    "unknown protocol",
)


def _not_tls(exc: BaseException) -> bool:
    seen: object = exc
    for _ in range(10):
        if not isinstance(seen, BaseException):
            return False
        if any(mark in str(seen) for mark in _NOT_TLS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause(exc: BaseException) -> str:
    """What the transport said (the SDK's own text is only "Connection error.")."""
    cause = exc.__cause__ or exc.__context__
    return (str(cause) if isinstance(cause, BaseException) else "") or str(exc) or type(exc).__name__


def submit_fine_tune(
    account: Any,
    base_model: str,
    path: Path,
    name: str,
    params: dict[str, Any],
    settings: Settings | None = None,
    home: Path | None = None,
    *,
    server_keys: bool = False,
) -> dict[str, Any]:
    """Validate → upload → create → record: the Fine-Tune Model step for OpenAI and Custom
    (``server_keys``: see :func:`~fmscript.ai.remote_params.create_args`).

    Parameters and training data are checked here first; nothing is uploaded when either is
    wrong. The provider's job object is returned as it came (keys kept, nulls included) and
    recorded in the job store (provider, base URL, id, status; never the key).
    """
    from fmscript.ai.jobs.store import open_store

    settings = settings or Settings()
    base_url = check_url(account.endpoint) if account.endpoint else OPENAI_BASE_URL
    create_args(base_model, "file-check", params, server_keys=server_keys)  # raises before any upload
    report = datasets.validate_jsonl(path, method=requested_method(params))
    if not report.ok:
        raise ai_error(
            "invalid training data (nothing was uploaded): " + report.format_text(), INVALID_TRAINING_DATA
        )
    verify = bool(account.verify_ssl)  # as the provider configured it (OpenAI: always)
    remote = Remote(account.provider, base_url, account.key(), verify, settings)
    try:
        file = remote.upload(path, name)
        job = remote.create_job(
            create_args(base_model, file["id"], params, report.method, server_keys=server_keys)
        )
    finally:
        remote.close()
    store = open_store(home if home is not None else settings.home, settings.store)
    try:
        store.remote.record(account.provider, base_url, job, verify)
    finally:
        store.close()
    return job
