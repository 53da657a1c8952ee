"""Chat generation for the server: one thread owns mlx; concurrent requests decode together.

Every chat request goes to one generation thread (mlx never runs in two threads at once). Requests
for the resident model join mlx-lm's ``BatchGenerator`` and are decoded in the same forward passes,
as ``mlx_lm.server`` does, so eight clients cost little more than one. One model is resident at a
time, as on the AI Model Server: a request for another model waits until the running batch has
finished, then that model (base + adapter) is loaded in its place.

A prompt longer than the model's context (``max_position_embeddings``) is refused (400) — at once
when its length in characters cannot fit, else once tokenized; a request lives at most
REQUEST_SECONDS; a request whose client went away (``cancel``) is dropped from the batch.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from fmscript.ai.errors import BAD_PARAMETER, UNAVAILABLE, ai_error
from fmscript.ai.service import LocalFineTuning
from fmscript.errors import FMScriptError, ScriptRuntimeError

T = TypeVar("T")

_END = object()


class ChatStream:
    """The reply's text pieces as they are decoded; ``finish_reason`` and the token counts are set
    once it is exhausted. Iterating blocks (run it in a worker thread)."""

    def __init__(self, model: str, base: Path, adapter: Path | None, messages: list[dict[str, Any]],
                 max_tokens: int, temperature: float, seed: int | None) -> None:  # fmt: skip
        self.model = model
        self.key = (str(base), str(adapter or ""), _stamp(adapter))
        self.base, self.adapter = base, adapter
        self.messages = messages
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        self.finish_reason: str | None = None
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.context: int | None = None  # the model's context length in tokens, when its config says
        self.deadline = time.monotonic() + REQUEST_SECONDS
        self.cancelled = False  # the client went away or the time ran out: the generation thread drops it
        self._out: queue.Queue[object] = queue.Queue()

    def cancel(self) -> None:
        self.cancelled = True

    def __iter__(self) -> Iterator[str]:
        while True:
            try:
                item = self._out.get(timeout=max(0.0, self.deadline - time.monotonic()))
            except queue.Empty:
                self.cancel()
                raise ai_error(
                    f"the chat request took longer than {REQUEST_SECONDS:g} s and was stopped", UNAVAILABLE
                ) from None
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, str)
            yield item

    def text(self) -> str:
        return "".join(self)


def _stamp(adapter: Path | None) -> int:
    """A retrained adapter (same name, new weights) is a different model."""
    try:
        return (adapter / "adapters.safetensors").stat().st_mtime_ns if adapter else 0
    except OSError:
        return 0


class _Call:
    """A function to run in the mlx thread (``GenerationThread.call``)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn = fn
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._value = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            self._error = exc
        self._done.set()

    def result(self) -> Any:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


class GenerationThread:
    """The server's one mlx thread (started at the first request)."""

    def __init__(self, service: LocalFineTuning, max_batch: int = 8) -> None:
        self.service = service
        self.max_batch = max_batch
        self._requests: queue.Queue[ChatStream] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in the mlx thread, between decoding steps (embeddings), and return its result."""
        job = _Call(fn)
        self._start_thread()
        self._requests.put(job)  # type: ignore[arg-type]
        return job.result()

    def _start_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fmscript-generation", daemon=True)
                self._thread.start()

    def submit(self, model: str, messages: list[dict[str, Any]], max_tokens: int, temperature: float = 0.0,
               seed: int | None = None) -> ChatStream:  # fmt: skip
        """Queue a request; an unknown model or bad messages raise here (before anything streams)."""
        if not messages or not all(isinstance(m.get("content"), str) for m in messages):
            raise ScriptRuntimeError("messages must be a list of {role, content} objects", code=14)
        base, adapter = self.service.model_paths(model)
        stream = ChatStream(model, base, adapter, messages, max_tokens, temperature, seed)
        stream.context = context_length(base)
        chars = sum(len(m["content"]) for m in messages)
        if stream.context and chars > stream.context * CHARS_PER_TOKEN:
            # Far more text than the model can read, whatever the tokenizer: refused at once
            # (a 3 MB prompt held the generation thread for minutes before).
            raise ai_error(_too_long(model, f"{chars:,} characters", stream.context), BAD_PARAMETER)
        self._start_thread()
        self._requests.put(stream)
        return stream

    # -- the generation thread -------------------------------------------------------------------

    def _run(self) -> None:
        from fmscript.ai.engines import mlx_generate, quiet_env

        quiet_env()
        resident: tuple[tuple[str, str, int], Any, Any] | None = None
        batch: Any = None
        active: dict[int, tuple[ChatStream, Any]] = {}
        waiting: list[ChatStream] = []
        while True:
            if not active and not waiting:
                waiting.append(self._requests.get())
            while True:
                try:
                    waiting.append(self._requests.get_nowait())
                except queue.Empty:
                    break
            for job in [w for w in waiting if isinstance(w, _Call)]:
                job.run()  # between steps: mlx stays in this one thread
            waiting = [w for w in waiting if not isinstance(w, _Call)]
            still: list[ChatStream] = []
            # Once a request waits for another model, the batch takes no newcomers and drains.
            switching = resident is not None and any(r.key != resident[0] for r in waiting)
            for request in waiting:
                if (
                    resident is not None
                    and request.key == resident[0]
                    and len(active) < self.max_batch
                    and not (switching and active)
                ):
                    self._start(batch, resident[2], request, active)
                elif not active and (resident is None or request.key != resident[0]):
                    try:
                        if batch is not None:
                            batch.close()
                        batch = None
                        resident = None
                        model, tokenizer = mlx_generate.load_model(request.base, request.adapter)
                        batch = _batch_generator(model, tokenizer, self.max_batch)
                        resident = (request.key, model, tokenizer)
                        self._start(batch, tokenizer, request, active)
                    except Exception as exc:  # a model that will not load fails its request only
                        request._out.put(_as_error(exc))
                else:
                    still.append(request)  # another model: after this batch; or the batch is full
            for request in still:
                if request.cancelled:
                    request._out.put(_END)  # whoever still reads it is let go
            waiting = [r for r in still if not r.cancelled]
            gone = [uid for uid, (stream, _) in active.items() if stream.cancelled]
            if gone:  # the client went away or timed out: stop decoding for it
                with contextlib.suppress(Exception):
                    batch.remove(gone)
                for uid in gone:
                    active.pop(uid)[0]._out.put(_END)
            if active:
                try:
                    self._step(batch, active)
                except Exception as exc:  # the batch is lost: fail its requests, start afresh
                    for stream, _ in active.values():
                        stream._out.put(_as_error(exc))
                    active.clear()
                    batch = None
                    resident = None

    @staticmethod
    def _start(
        batch: Any, tokenizer: Any, request: ChatStream, active: dict[int, tuple[ChatStream, Any]]
    ) -> None:
        import mlx.core as mx
        from mlx_lm.sample_utils import make_sampler

        try:
            prompt = list(
                tokenizer.apply_chat_template(
                    request.messages, add_generation_prompt=True, tokenize=True, return_dict=False
                )  # fmt: skip
            )
        except Exception as exc:
            request._out.put(_as_error(exc))
            return
        request.prompt_tokens = len(prompt)
        if request.context and len(prompt) >= request.context:
            request._out.put(
                ai_error(_too_long(request.model, f"{len(prompt):,} tokens", request.context), BAD_PARAMETER)
            )
            return
        if request.max_tokens <= 0:
            request.finish_reason = "length"
            request._out.put(_END)
            return
        if request.seed is not None:
            mx.random.seed(request.seed)
        (uid,) = batch.insert(
            [prompt], [request.max_tokens], samplers=[make_sampler(temp=request.temperature)]
        )
        active[uid] = (request, tokenizer.detokenizer)

    @staticmethod
    def _step(batch: Any, active: dict[int, tuple[ChatStream, Any]]) -> None:
        for response in batch.next_generated():
            entry = active.get(response.uid)
            if entry is None:
                continue
            request, detokenizer = entry
            if response.finish_reason != "stop":  # the stop token itself is not text
                detokenizer.add_token(response.token)
                request.completion_tokens += 1
            if response.finish_reason is not None:
                detokenizer.finalize()
            segment = detokenizer.last_segment  # reading it consumes it
            if segment:
                request._out.put(segment)
            if response.finish_reason is not None:
                request.finish_reason = response.finish_reason
                request._out.put(_END)
                del active[response.uid]


# A chat request's longest life, queued and decoding (the OpenAI SDK waits 600 s by default).
REQUEST_SECONDS = 300.0
# No tokenizer makes fewer than one token of 16 characters of text: a prompt longer than this many
# characters per context token cannot fit, and is refused before it is tokenized.
CHARS_PER_TOKEN = 16


def context_length(base: Path) -> int | None:
    """The model's context length from its config.json (None when it does not say)."""
    try:
        config = json.loads((base / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx"):
        value = config.get(key) if isinstance(config, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _too_long(model: str, size: str, context: int) -> str:
    return (
        f"the prompt ({size}) is longer than {model} can read: its context is {context:,} tokens; "
        "shorten the messages"
    )


def _batch_generator(model: Any, tokenizer: Any, size: int) -> Any:
    from mlx_lm.generate import BatchGenerator

    stops = [[token] for token in sorted(tokenizer.eos_token_ids)]
    return BatchGenerator(model, stop_tokens=stops, completion_batch_size=size, prefill_batch_size=size)


def _as_error(exc: BaseException) -> FMScriptError:
    if isinstance(exc, FMScriptError):
        return exc
    return ScriptRuntimeError(f"generation failed: {type(exc).__name__}: {exc}", code=-1)
