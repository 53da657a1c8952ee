"""RAG steps: Configure RAG Account and Perform RAG Action (Add Data, Send Prompt, Remove Data); the
spaces and GetRAGSpaceInfo's JSON are in :mod:`fmscript.ai.rag`.

Claris (22.0, configure-rag-account.html, perform-rag-action.html, getragspaceinfo.html):

* Configure RAG Account names an account (RAG Account Name, Endpoint ending in "/", API Key,
  Verify SSL Certificates); it lives until the file closes — one run in fmscript — and a later
  Configure RAG Account with the same name replaces it.
* Perform RAG Action works on the space Space ID of the account RAG Account Name. Add Data adds a
  document: From Text (a text expression), From File / From File (Async) (the first PDF found in
  the Input File path list), From Container / From Container (Async) (a PDF in Container Field).
  Send Prompt retrieves the chunks most like the prompt and asks the AI account's Model with them
  (Stream; Parameters — its ``context_prompt`` key goes before the prompt, the other keys to the
  provider; Prompt Template Name — a RAG Prompt template of Configure Prompt Template, whose prompt
  becomes the user message with ``:question:`` and ``:context:`` filled as the natural-language
  steps fill them), the answer into Response Target. Remove Data removes the documents
  Parameters' ``{"id": [...]}`` lists.

Add Data's Response Target gets the id of the document added (the number GetRAGSpaceInfo lists and
Remove Data takes). *Choices* (Claris documents no response for Remove Data, nor how many chunks
are retrieved): Remove Data's Response Target gets ``{"id":[removed ids],"rag_space_id":space}``;
Send Prompt sends the :data:`TOP_CHUNKS` most similar chunks. The (Async) forms run to the end
before the next step, as the synchronous ones do, and fill Response Target the same way. A PDF's text is read with pypdf (``pip install 'fmscript[rag]'``); Detect
vertical text is accepted (pypdf reads vertical runs in content order).

Error codes (Get ( LastError )): 877 no such RAG account, 10 the AI account is not configured or
the space does not exist ("[RAG Space] Error. Reason: RAG space … not found", GetRAGSpaceInfo's
words), 11 a missing Space ID, Action, Model, text or a Parameters value that is not the JSON
documented, 14 Tokens per Text Chunk out of range or a document of more than
:data:`~fmscript.ai.rag.MAX_CHUNKS_PER_DOCUMENT` chunks (fmscript's bound), 100 no PDF at any Input File path, 882 data
that is not a PDF, 3 PDF support not installed; a Prompt Template Name that names no template 10,
one of another Template Type 11 (as for the natural-language steps); the chat provider's own
codes pass through.
"""

from __future__ import annotations

import functools
import io
import json
from typing import TYPE_CHECKING, Any

from fmscript.ai import nl
from fmscript.ai.accounts import Account
from fmscript.ai.rag import (
    DEFAULT_TOKENS_PER_CHUNK,
    HASH_MODEL,
    MAX_CHUNKS_PER_DOCUMENT,
    MAX_TOKENS_PER_CHUNK,
    RagAccount,
    RagStore,
    TooManyChunks,
    chunk_text,
    hash_embed,
    not_found,
    opened,
)
from fmscript.calc import values as V
from fmscript.calc.values import Value
from fmscript.errors import (
    AI_REQUEST_INVALID,
    COMMAND_UNAVAILABLE,
    DATA_MISSING,
    NAME_INVALID,
    NO_OPEN_FILE,
    OUT_OF_RANGE,
    FMScriptError,
    ScriptRuntimeError,
)
from fmscript.steps.ai import json_option, provider_run
from fmscript.steps.ai_nl import prompt_template, prompt_text
from fmscript.steps.generate import ask, stream_printer
from fmscript.steps.paths import resolve_paths
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast

if TYPE_CHECKING:
    from fmscript.ai.rag import Chunk

TOP_CHUNKS = 4
RAG_INSTRUCTIONS = (
    "Answer the user's question using the context below, taken from the documents of a RAG space. "
    "If the context does not hold the answer, say that you do not know."
)


def _text(ctx: StepContext, calc: ast.Calc | None) -> str:
    return V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""


def _json(value: Any) -> str:
    # FileMaker's JSON functions write compact JSON with object keys sorted.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def configure_rag_account(ctx: StepContext, step: ast.Step) -> None:
    name = _text(ctx, step.opt("rag_account_name")).strip()
    if not name:
        raise ScriptRuntimeError("Configure RAG Account needs a RAG Account Name", code=NAME_INVALID)
    ctx.ai.rag_accounts[name.casefold()] = RagAccount(
        name,
        _text(ctx, step.opt("endpoint")).strip(),
        bool(step.opt("verify_ssl")),
        _text(ctx, step.opt("api_key")),
    )
    return None


def _not_found(space_id: str) -> ScriptRuntimeError:
    return ScriptRuntimeError(not_found(space_id), code=DATA_MISSING)


def perform_rag_action(ctx: StepContext, step: ast.Step) -> None:
    acct = ctx.ai.rag_account(_text(ctx, step.opt("rag_account_name")))
    space_id = _text(ctx, step.opt("space_id")).strip()
    if not space_id:
        raise ScriptRuntimeError("Perform RAG Action needs a Space ID", code=NAME_INVALID)
    action = step.opt("action")
    if action is None:
        raise ScriptRuntimeError("Perform RAG Action needs an Action", code=NAME_INVALID)
    log = ctx.ai.call_log
    # Set AI Call Logging: one "rag" entry per step (the chat round of Send Prompt has its own).
    entry: dict[str, Any] = {"call": "rag", "action": action, "account": acct.name, "space_id": space_id}
    try:
        with opened(ctx.settings.home) as store:
            if action == "Add Data":
                result = _add_data(ctx, step, store, acct, space_id, entry)
            elif action == "Remove Data":
                result = _remove_data(ctx, step, store, acct, space_id, entry)
            else:
                result = _send_prompt(ctx, step, store, acct, space_id, entry)
    except FMScriptError as exc:
        if log is not None:
            log.write({**entry, "error": exc.code, "message": exc.message}, functools.partial(_redact, acct))
        raise
    if log is not None:
        log.write(entry, functools.partial(_redact, acct))
    target = step.opt("response_target")
    if target is not None and result is not None:
        write_target(ctx, target, result)
    return None


# ----------------------------------------------------------------------------- embeddings


def _embed(ctx: StepContext, model: str, texts: list[str]) -> list[list[float]]:
    """The space model's vectors: the built-in lexical embedding, or a Local model's (mlx-lm)
    through the embedding provider path GetEmbedding uses."""
    if model == HASH_MODEL:
        return [hash_embed(t) for t in texts]
    from fmscript.ai import providers

    return providers.embeddings("Local").embed(Account("RAG", "Local"), model, texts, provider_run(ctx))


# ----------------------------------------------------------------------------- Add Data


def _tokens(ctx: StepContext, step: ast.Step) -> int:
    calc = step.opt("tokens_per_chunk")
    if calc is None:
        return DEFAULT_TOKENS_PER_CHUNK
    n = V.to_number(ctx.evaluator.evaluate(calc))
    if n is None or not 1 <= n <= MAX_TOKENS_PER_CHUNK:
        raise ScriptRuntimeError(
            f"Tokens per Text Chunk must be a number from 1 to {MAX_TOKENS_PER_CHUNK}", code=OUT_OF_RANGE
        )
    return int(n)


def _pdf_text(data: bytes, name: str) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise ScriptRuntimeError(
            "adding a PDF needs pypdf: pip install 'fmscript[rag]'", code=COMMAND_UNAVAILABLE
        ) from None
    if not data.startswith(b"%PDF"):
        raise ScriptRuntimeError(f"{name or 'the data'} is not a PDF file", code=AI_REQUEST_INVALID)
    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except PdfReadError as exc:
        raise ScriptRuntimeError(f"{name}: the PDF cannot be read ({exc})", code=AI_REQUEST_INVALID) from None
    except Exception as exc:  # noqa: BLE001 — a damaged PDF can fail anywhere in pypdf's parser
        raise ScriptRuntimeError(
            f"{name}: the PDF cannot be read ({type(exc).__name__})", code=AI_REQUEST_INVALID
        ) from None


def _document(ctx: StepContext, step: ast.Step) -> tuple[str, str]:
    """(text, file name) of the document RAG Data names; the name is empty for text."""
    source = step.opt("rag_data") or "From Text"
    if source == "From Text":
        text = _text(ctx, step.opt("text"))
        if not text.strip():
            raise ScriptRuntimeError("Add Data From Text needs a text", code=NAME_INVALID)
        return text, ""
    if source.startswith("From File"):
        for path in resolve_paths(step.opt("input_file") or "", ctx):
            if path.is_file():
                return _pdf_text(path.read_bytes(), path.name), path.name
        raise ScriptRuntimeError("no PDF file was found at any Input File path", code=NO_OPEN_FILE)
    field = step.opt("container_field")
    if not isinstance(field, ast.Target):
        raise ScriptRuntimeError("Add Data From Container needs a Container Field", code=NAME_INVALID)
    data = ctx.data.get_field(field.table, field.field or "")
    if not isinstance(data, bytes) or not data:
        raise ScriptRuntimeError(f"{field.name} holds no PDF file", code=DATA_MISSING)
    name = f"{field.field}.pdf"
    return _pdf_text(data, name), name


def _add_data(
    ctx: StepContext, step: ast.Step, store: RagStore, acct: RagAccount, space_id: str, entry: dict[str, Any]
) -> Value:
    tokens = _tokens(ctx, step)
    text, filename = _document(ctx, step)
    model = store.model(acct.owner, space_id) or ctx.settings.rag_embedding_model or HASH_MODEL
    try:
        chunks = chunk_text(text, tokens, MAX_CHUNKS_PER_DOCUMENT)
    except TooManyChunks as exc:
        raise ScriptRuntimeError(
            f"{filename or 'the text'}: {exc} (at most {MAX_CHUNKS_PER_DOCUMENT}: raise Tokens per Text Chunk"
            " or add it in parts)",
            code=OUT_OF_RANGE,
        ) from None
    if not chunks:
        raise ScriptRuntimeError(f"{filename or 'the text'} holds no text to add", code=DATA_MISSING)
    vectors = _embed(ctx, model, chunks)
    doc_id = store.add(acct.owner, space_id, model, list(zip(chunks, vectors)), filename)
    entry.update(model=model, id=doc_id, chunks=len(chunks), **({"filename": filename} if filename else {}))
    if ctx.ai.call_log is not None and ctx.ai.call_log.verbose:
        entry.update(texts=chunks, vectors=ctx.ai.call_log.vectors(vectors))
    return V.make_number(doc_id)


# ----------------------------------------------------------------------------- Remove Data


def _parameters(ctx: StepContext, step: ast.Step) -> dict[str, Any]:
    params: dict[str, Any] = json_option(ctx, step, "parameters", "Parameters") or {}
    return params


def _remove_data(
    ctx: StepContext, step: ast.Step, store: RagStore, acct: RagAccount, space_id: str, entry: dict[str, Any]
) -> str:
    ids = _parameters(ctx, step).get("id")
    if isinstance(ids, int | float) and not isinstance(ids, bool):
        ids = [ids]
    if not isinstance(ids, list) or not ids or not all(_whole(i) for i in ids):
        raise ScriptRuntimeError(
            'Remove Data needs Parameters {"id": [document ids]} (GetRAGSpaceInfo lists them)',
            code=NAME_INVALID,
        )
    if store.model(acct.owner, space_id) is None:
        raise _not_found(space_id)
    # An id past SQLite's integer range names no document (and must not reach SQLite).
    removed = store.remove(acct.owner, space_id, [int(i) for i in ids if 0 < i < 2**63])
    entry["removed"] = removed
    return _json({"id": removed, "rag_space_id": space_id})


def _whole(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()


# ----------------------------------------------------------------------------- Send Prompt


def _context_message(found: list[tuple[float, Chunk]]) -> str:
    parts = [f"[{n}] {chunk.text}" for n, (_, chunk) in enumerate(found, start=1)]
    return RAG_INSTRUCTIONS + "\n\nContext:\n" + ("\n\n".join(parts) if parts else "(nothing relevant)")


def _send_prompt(
    ctx: StepContext, step: ast.Step, store: RagStore, acct: RagAccount, space_id: str, entry: dict[str, Any]
) -> str:
    from fmscript.ai import providers

    ai_name = _text(ctx, step.opt("ai_account_name")).strip()
    ai_acct = ctx.ai.accounts.get(ai_name.casefold())
    if ai_acct is None:
        raise ScriptRuntimeError(
            f"AI account {ai_name!r} is not configured (use Configure AI Account first)", code=DATA_MISSING
        )
    model = _text(ctx, step.opt("model")).strip()
    if not model:
        raise ScriptRuntimeError("Send Prompt needs a Model", code=NAME_INVALID)
    template = prompt_template(ctx, step, nl.RAG_PROMPT)
    prompt = _text(ctx, step.opt("prompt"))
    params = _parameters(ctx, step)
    context_prompt = V.to_text(params.pop("context_prompt", "") or "")
    space_model = store.model(acct.owner, space_id)
    if space_model is None:
        raise _not_found(space_id)
    [query] = _embed(ctx, space_model, [prompt])
    found = store.search(acct.owner, space_id, query, TOP_CHUNKS)
    entry.update(model=space_model, retrieved=[[c.doc_id, round(sim, 6)] for sim, c in found])
    messages: list[dict[str, Any]] = [{"role": "system", "content": _context_message(found)}]
    if template is not None:  # its RAG Prompt, with :question: and :context: filled
        prompt = prompt_text(template.rag_prompt or nl.DEFAULT_RAG_PROMPT, context_prompt, question=prompt)
    elif context_prompt:
        messages.append({"role": "system", "content": context_prompt})
    messages.append({"role": "user", "content": prompt})
    show = stream_printer(ctx, step)
    try:
        provider = providers.chat(ai_acct.provider)
        provider.validate_chat_parameters(params)
        reply = ask(ctx, ai_acct, provider, providers.ChatRequest(model, messages, params), show)
    except FMScriptError as exc:
        exc.message = ai_acct.redact(_redact(acct, exc.message))
        raise
    finally:
        if show is not None:
            show("\n")
    return reply.text


def _redact(acct: RagAccount, text: str) -> str:
    """Remove the RAG account's key from a message."""
    key = acct.api_key
    return text.replace(key, "***") if key and len(key) >= 4 else text
