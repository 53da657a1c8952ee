"""RAG spaces (Configure RAG Account, Perform RAG Action, GetRAGSpaceInfo): the documents a RAG
space holds, cut into chunks with an embedding vector each, kept where the AI Model Server keeps
them.

Claris (22.0, perform-rag-action.html, getragspaceinfo.html): a RAG space lives on the AI Model
Server the RAG account's Endpoint names, and the API key "authorizes you to use the RAG spaces
associated with this key"; each space has one embedding model ("the model used to generate text
embedding vectors in this RAG space"); a text document is cut into chunks, and "chunks from the same
text document have the same id"; a PDF is listed by its file name.

fmscript's AI Model Server is its home (``FMSCRIPT_HOME``, the folder ``fmscript serve`` serves):
the spaces are the SQLite file ``<home>/rag-spaces.sqlite``. *Choices* (Claris does not publish the
server's RAG API or its chunking):

* the spaces an account sees are those of its Endpoint and API key together (``owner``, a hash of
  both — the key itself is never stored), so two servers or two keys never share a space;
* a space is made by its first Add Data, with the embedding model in use then (the setting
  ``FMSCRIPT_RAG_EMBEDDING_MODEL``: a Local model — mlx-lm — or, by default, :data:`HASH_MODEL`,
  fmscript's built-in lexical embedding that needs no model: hashed words and character n-grams);
* document ids are numbers from 1 in each space, never reused;
* a chunk holds at most ``tokens`` tokens (words; each CJK character counts as one), cut at
  paragraph, then sentence ends.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from fmscript.ai import home as homes
from fmscript.errors import CANNOT_OPEN_FILE, ScriptRuntimeError

HASH_MODEL = "fmscript-hash-embedding"  # the built-in embedding (see :func:`hash_embed`)
HASH_DIMENSIONS = 512
DEFAULT_TOKENS_PER_CHUNK = 256
MAX_TOKENS_PER_CHUNK = 8192
# The most chunks one Add Data makes (fmscript's bound: the page names none): each holds a vector,
# so 2 MB of text at 1 token per chunk would otherwise be 400,000 vectors, gigabytes on disk.
MAX_CHUNKS_PER_DOCUMENT = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spaces (
    owner TEXT NOT NULL, space_id TEXT NOT NULL, model TEXT NOT NULL,
    created_at INTEGER NOT NULL, next_id INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (owner, space_id));
CREATE TABLE IF NOT EXISTS chunks (
    owner TEXT NOT NULL, space_id TEXT NOT NULL, doc_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    text TEXT NOT NULL, filename TEXT NOT NULL DEFAULT '', vector BLOB NOT NULL,
    PRIMARY KEY (owner, space_id, doc_id, seq));
"""


@attrs.frozen
class RagAccount:
    """A RAG account (Configure RAG Account): it lives for one run, as in FileMaker, where it is
    erased when the file closes. The key never appears in output or errors."""

    name: str
    endpoint: str
    verify_ssl: bool = False
    api_key: str = attrs.field(default="", repr=False)

    @property
    def owner(self) -> str:
        """Whose spaces these are on the server: the endpoint and the key, hashed."""
        data = f"{self.endpoint.strip().rstrip('/').casefold()}\n{self.api_key}".encode()
        return hashlib.sha256(data).hexdigest()[:32]


@attrs.frozen
class SpaceSummary:
    space_id: str
    model: str


@attrs.frozen
class Chunk:
    """One stored piece of a document: its document id, place in the document, text, the PDF's file
    name ("" for a text document) and vector."""

    doc_id: int
    seq: int
    text: str
    filename: str
    vector: tuple[float, ...]


# ----------------------------------------------------------------------------- chunking

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
_PARAGRAPH_END = re.compile(r"\n\s*\n|\r\s*\r")


def count_tokens(text: str) -> int:
    """Tokens as fmscript counts them for chunking: words, and each CJK character."""
    return len(_TOKEN.findall(text))


def _split_long(sentence: str, tokens: int) -> Iterator[str]:
    pieces = list(_TOKEN.finditer(sentence))
    for start in range(0, len(pieces), tokens):
        group = pieces[start : start + tokens]
        yield sentence[group[0].start() : group[-1].end()]


class TooManyChunks(ValueError):
    """A document that would be cut into more than :data:`MAX_CHUNKS_PER_DOCUMENT` chunks."""


def _paragraphs(text: str) -> Iterator[str]:
    start = 0
    for end in _PARAGRAPH_END.finditer(text):
        yield text[start : end.start()]
        start = end.end()
    yield text[start:]


def _sentences(text: str, tokens: int) -> Iterator[str]:
    """The sentences of ``text`` (one cut between tokens where longer than ``tokens``), with "\n"
    after each paragraph, one at a time (a 50 MB text is never held as a list of them)."""
    for paragraph in _paragraphs(text.replace("\r\n", "\n")):
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            sentence = (
                " ".join(sentence.split()) if not re.search(f"[{_CJK}]", sentence) else sentence.strip()
            )
            if sentence:
                yield from (_split_long(sentence, tokens) if count_tokens(sentence) > tokens else [sentence])
        yield "\n"  # a paragraph end: never packed across


def chunk_text(text: str, tokens: int = DEFAULT_TOKENS_PER_CHUNK, limit: int | None = None) -> list[str]:
    """``text`` cut into chunks of at most ``tokens`` tokens, at paragraph then sentence ends
    (a sentence longer than that is cut between tokens); empty text gives no chunks. More than
    ``limit`` chunks raise :class:`TooManyChunks` as soon as they are counted."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _sentences(text, tokens):
        n = count_tokens(sentence)
        if current and (sentence == "\n" or size + n > tokens):
            chunks.append(" ".join(current))
            current, size = [], 0
            if limit is not None and len(chunks) > limit:
                raise TooManyChunks(f"the text makes more than {limit} chunks of {tokens} tokens")
        if sentence != "\n":
            current.append(sentence)
            size += n
    return chunks


# ----------------------------------------------------------------------------- the built-in embedding


def _features(text: str) -> Iterator[str]:
    words = [w.casefold() for w in _TOKEN.findall(text)]
    for i, word in enumerate(words):
        word = word.strip(".,;:!?\"'()[]{}「」『』、。，！？")
        if not word:
            continue
        yield "w:" + word
        if len(word) > 4:  # shared stems: "refund" and "refunds" meet in their trigrams
            padded = f"<{word}>"
            yield from ("c:" + padded[j : j + 3] for j in range(len(padded) - 2))
        if i + 1 < len(words) and re.fullmatch(f"[{_CJK}]", word):
            yield "b:" + word + words[i + 1]  # CJK bigrams carry most of the meaning


def hash_embed(text: str, dimensions: int = HASH_DIMENSIONS) -> list[float]:
    """fmscript's built-in lexical embedding: each word (case-folded), the character trigrams of
    longer words and CJK bigrams hashed to ±1 in ``dimensions`` slots, log-scaled counts, unit
    length. Deterministic on every machine; texts sharing words have a positive cosine similarity."""
    counts: dict[str, int] = {}
    for feature in _features(text):
        counts[feature] = counts.get(feature, 0) + 1
    vector = [0.0] * dimensions
    for feature, n in counts.items():
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        slot = int.from_bytes(digest[:4], "little") % dimensions
        weight = (1.0 + math.log(n)) * (0.5 if feature[0] == "c" else 1.0)
        vector[slot] += weight if digest[4] & 1 else -weight
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector


def cosine(a: tuple[float, ...] | list[float], b: tuple[float, ...] | list[float]) -> float:
    """Cosine similarity; 0 for vectors of different lengths or a zero vector."""
    if len(a) != len(b):
        return 0.0
    aa, bb = math.fsum(x * x for x in a), math.fsum(y * y for y in b)
    if not aa or not bb:
        return 0.0
    return math.fsum(x * y for x, y in zip(a, b)) / math.sqrt(aa * bb)


def similarities(query: list[float], blobs: list[bytes]) -> list[float]:
    """:func:`cosine` of ``query`` with each stored vector (little-endian float32 bytes): one matrix
    product with numpy when it is installed (mlx-lm brings it), else one vector at a time; 0 for a
    vector of another length."""
    size = 4 * len(query)
    try:
        import numpy as np
    except ImportError:
        return [cosine(query, _unpack(b)) if len(b) == size else 0.0 for b in blobs]
    same = [i for i, b in enumerate(blobs) if len(b) == size]
    out = [0.0] * len(blobs)
    q = np.asarray(query, dtype=np.float64)
    if not same or not q.any():
        return out
    m = np.frombuffer(b"".join(blobs[i] for i in same), dtype="<f4").reshape(len(same), len(q))
    m = m.astype(np.float64)
    norms = np.sqrt(np.einsum("ij,ij->i", m, m) * float(q @ q))
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = np.where(norms > 0, (m @ q) / norms, 0.0)
    for i, sim in zip(same, sims.tolist()):
        out[i] = float(sim)
    return out


def _pack(vector: list[float]) -> bytes:
    return struct.pack(f"<{len(vector)}f", *vector)


def _unpack(data: bytes) -> tuple[float, ...]:
    return struct.unpack(f"<{len(data) // 4}f", data)


# ----------------------------------------------------------------------------- the store


@contextmanager
def opened(home: Path) -> Iterator[RagStore]:
    """The home's RAG spaces, open for one step or GetRAGSpaceInfo. A ``rag-spaces.sqlite`` that
    is no database (another file of that name, a folder, a home that cannot be written) or stays
    locked past the store's timeout is error 802 ("unable to open file"), never a traceback."""
    try:
        with RagStore(home) as store:
            yield store
    except sqlite3.Error as exc:
        path = Path(home) / "rag-spaces.sqlite"
        raise ScriptRuntimeError(
            f"the RAG spaces {path} cannot be used: {exc}", code=CANNOT_OPEN_FILE
        ) from None


class RagStore:
    """The RAG spaces of one fmscript home (``<home>/rag-spaces.sqlite``)."""

    def __init__(self, home: Path) -> None:
        self.path = homes.ensure_home(home) / "rag-spaces.sqlite"
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RagStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def spaces(self, owner: str) -> list[SpaceSummary]:
        rows = self._db.execute(
            "SELECT space_id, model FROM spaces WHERE owner = ? ORDER BY created_at, space_id", (owner,)
        )
        return [SpaceSummary(s, m) for s, m in rows]

    def model(self, owner: str, space_id: str) -> str | None:
        """The space's embedding model, None when there is no such space."""
        row = self._db.execute(
            "SELECT model FROM spaces WHERE owner = ? AND space_id = ?", (owner, space_id)
        ).fetchone()
        return None if row is None else str(row[0])

    def chunks(self, owner: str, space_id: str) -> list[Chunk]:
        rows = self._db.execute(
            "SELECT doc_id, seq, text, filename, vector FROM chunks WHERE owner = ? AND space_id = ?"
            " ORDER BY doc_id, seq",
            (owner, space_id),
        )
        return [Chunk(d, s, t, f, _unpack(v)) for d, s, t, f, v in rows]

    def add(
        self,
        owner: str,
        space_id: str,
        model: str,
        pieces: list[tuple[str, list[float]]],
        filename: str = "",
    ) -> int:
        """Add one document (its chunks with their vectors) to the space, making the space with
        ``model`` when it is new; the document's id."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR IGNORE INTO spaces (owner, space_id, model, created_at) VALUES (?, ?, ?, ?)",
                (owner, space_id, model, time.time_ns() // 1_000_000),
            )
            (doc_id,) = self._db.execute(
                "SELECT next_id FROM spaces WHERE owner = ? AND space_id = ?", (owner, space_id)
            ).fetchone()
            self._db.execute(
                "UPDATE spaces SET next_id = next_id + 1 WHERE owner = ? AND space_id = ?", (owner, space_id)
            )
            self._db.executemany(
                "INSERT INTO chunks (owner, space_id, doc_id, seq, text, filename, vector)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (owner, space_id, doc_id, seq, text, filename, _pack(vector))
                    for seq, (text, vector) in enumerate(pieces)
                ],
            )
        return int(doc_id)

    def remove(self, owner: str, space_id: str, doc_ids: list[int]) -> list[int]:
        """Remove those documents from the space; the ids that were there (in the order given)."""
        removed = []
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            for doc_id in doc_ids:
                cur = self._db.execute(
                    "DELETE FROM chunks WHERE owner = ? AND space_id = ? AND doc_id = ?",
                    (owner, space_id, doc_id),
                )
                if cur.rowcount and doc_id not in removed:
                    removed.append(doc_id)
        return removed

    def search(self, owner: str, space_id: str, query: list[float], count: int) -> list[tuple[float, Chunk]]:
        """The ``count`` text chunks most similar to ``query``, most similar first (ties keep the
        stored order); chunks with no similarity at all (≤ 0) are left out."""
        rows = self._db.execute(
            "SELECT doc_id, seq, text, filename, vector FROM chunks WHERE owner = ? AND space_id = ?"
            " ORDER BY doc_id, seq",
            (owner, space_id),
        ).fetchall()
        sims = similarities(query, [row[4] for row in rows])
        best = sorted((i for i, sim in enumerate(sims) if sim > 0), key=lambda i: -sims[i])[:count]
        found = []
        for i in best:
            doc_id, seq, text, filename, blob = rows[i]
            found.append((sims[i], Chunk(doc_id, seq, text, filename, _unpack(blob))))
        return found


# ----------------------------------------------------------------------------- GetRAGSpaceInfo


def _json(value: object) -> str:
    # FileMaker's JSON functions write compact JSON with object keys sorted.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def not_found(space_id: str) -> str:
    """GetRAGSpaceInfo's words for a space that does not exist or holds no data."""
    return f"[RAG Space] Error. Reason: RAG space {space_id} not found"


def space_info(home: Path, acct: RagAccount, space_id: str) -> str:
    """GetRAGSpaceInfo's JSON: every space of the account, or one space's entries (a PDF once by its
    file name, a text document by its chunks, each with the document's id); :func:`not_found`'s
    message for a space that does not exist or holds no data."""
    space_id = space_id.strip()
    with opened(home) as store:
        if not space_id:
            spaces = [{"model": s.model, "space_id": s.space_id} for s in store.spaces(acct.owner)]
            return _json({"rag_space_list": spaces})
        model = store.model(acct.owner, space_id)
        chunks = store.chunks(acct.owner, space_id) if model is not None else []
    if model is None or not chunks:
        return not_found(space_id)
    values: list[dict[str, object]] = []
    for chunk in chunks:
        if not chunk.filename:
            values.append({"id": chunk.doc_id, "text": chunk.text})
        elif chunk.seq == 0:
            values.append({"filename": chunk.filename, "id": chunk.doc_id})
    return _json({"entries": len(values), "model": model, "rag_space_id": space_id, "values": values})
