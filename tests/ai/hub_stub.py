"""A loopback stand-in for the Hugging Face hub's HTTP API, as huggingface_hub's client calls it.

The calls ``snapshot_download``/``hf_hub_download``/``HfApi`` make (huggingface_hub 2.x):

* ``GET /api/models/{org}/{name}/revision/{rev}`` → the repo info (``sha`` = the commit);
* ``GET /api/models/{org}/{name}/tree/{commit}?recursive=True`` → ``[{type, oid, size, path, lfs}]``;
* ``HEAD``/``GET /{org}/{name}/resolve/{rev}/{file}`` → ``X-Repo-Commit``, ``ETag`` (the blob's
  sha256 for LFS files, its git oid otherwise), ``Content-Length``; ``Range: bytes=N-`` resumes (206).

Errors as the hub sends them (``hf_raise_for_status`` reads ``X-Error-Code``): an unknown repo is
404 ``RepoNotFound``; an unknown revision 404 ``RevisionNotFound``; a gated repo's files without an
accepted token 401 ``GatedRepo``; a token the hub does not know 401 with ``X-Error-Message: Invalid
credentials in Authorization header``. Every request is recorded (``requests``), and every
``Authorization`` header too (``authorizations``), so tests can check what the hub saw.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import attrs


@attrs.define
class StubRepo:
    files: dict[str, bytes]
    commit: str
    gated: bool = False
    lfs: frozenset[str] = frozenset()

    @classmethod
    def from_folder(cls, folder: Path, gated: bool = False) -> StubRepo:
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        commit = hashlib.sha1(b"".join(hashlib.sha1(v).digest() for v in files.values())).hexdigest()
        lfs = frozenset(name for name in files if name.endswith(".safetensors"))
        return cls(files, commit, gated, lfs)


@attrs.define
class HubStub:
    repos: dict[str, StubRepo] = attrs.field(factory=dict)
    tokens: set[str] = attrs.field(factory=set)  # tokens the hub knows (granted every gated repo)
    requests: list[tuple[str, str]] = attrs.field(factory=list)
    authorizations: list[str] = attrs.field(factory=list)
    fake_sizes: dict[tuple[str, str], int] = attrs.field(factory=dict)  # (repo, file) → size the tree claims
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def downloads(self, repo_id: str) -> list[str]:
        """The files of ``repo_id`` whose bytes were sent (GET …/resolve/…)."""
        prefix = f"/{repo_id}/resolve/"
        return [p.split("/", 5)[-1] for m, p in self.requests if m == "GET" and p.startswith(prefix)]

    def start(self) -> HubStub:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None: ...

            def do_GET(self) -> None:
                stub._handle(self, body=True)

            def do_HEAD(self) -> None:
                stub._handle(self, body=False)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- routing -------------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler, body: bool) -> None:
        path = urlparse(req.path).path
        self.requests.append((req.command, unquote(path)))
        auth = req.headers.get("Authorization") or ""
        if auth:
            self.authorizations.append(auth)
        token = auth.removeprefix("Bearer ").strip()
        if token and token not in self.tokens:
            return _send(
                req,
                401,
                {"error": "Invalid credentials"},
                body,
                message="Invalid credentials in Authorization header",
            )
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("revision", "tree"):
            return self._api(req, f"{parts[2]}/{parts[3]}", parts[4], parts[5], body)
        if len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(req, f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]), token, body)
        _send(req, 404, {"error": "Not found"}, body)

    def _repo(self, req: BaseHTTPRequestHandler, repo_id: str, revision: str, body: bool) -> StubRepo | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            _send(req, 404, {"error": "Repository not found"}, body, code="RepoNotFound")
            return None
        if revision not in ("main", repo.commit):
            _send(req, 404, {"error": f"Invalid rev id: {revision}"}, body, code="RevisionNotFound")
            return None
        return repo

    def _api(self, req: BaseHTTPRequestHandler, repo_id: str, kind: str, revision: str, body: bool) -> None:
        repo = self._repo(req, repo_id, revision, body)
        if repo is None:
            return
        if kind == "revision":
            info = {
                "_id": repo.commit[:24], "id": repo_id, "modelId": repo_id, "sha": repo.commit,
                "private": False, "gated": "manual" if repo.gated else False, "disabled": False,
                "library_name": "mlx", "tags": ["mlx"], "downloads": 0, "likes": 0,
                "siblings": [{"rfilename": name} for name in repo.files],
            }  # fmt: skip
            return _send(req, 200, info, body)
        tree = []
        for name, data in repo.files.items():
            size = self.fake_sizes.get((repo_id, name), len(data))
            entry: dict[str, object] = {"type": "file", "oid": _git_oid(data), "size": size, "path": name}
            if name in repo.lfs:
                entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": size, "pointerSize": 134}
            tree.append(entry)
        _send(req, 200, tree, body)

    def _resolve(
        self, req: BaseHTTPRequestHandler, repo_id: str, revision: str, name: str, token: str, body: bool
    ) -> None:
        repo = self._repo(req, repo_id, revision, body)
        if repo is None:
            return
        if repo.gated and token not in self.tokens:
            msg = f"Access to model {repo_id} is restricted. You must have access to it and be authenticated."
            return _send(req, 401, {"error": msg}, body, code="GatedRepo", message=msg)
        if name not in repo.files:
            return _send(req, 404, {"error": "Entry not found"}, body, code="EntryNotFound")
        data = repo.files[name]
        etag = hashlib.sha256(data).hexdigest() if name in repo.lfs else _git_oid(data)
        start = 0
        ranged = req.headers.get("Range", "")
        if ranged.startswith("bytes=") and body:
            start = int(ranged[6:].split("-")[0] or 0)
        chunk = data[start:]
        req.send_response(206 if start else 200)
        req.send_header("X-Repo-Commit", repo.commit)
        req.send_header("ETag", f'"{etag}"')
        req.send_header("Accept-Ranges", "bytes")
        req.send_header("Content-Type", "application/octet-stream")
        req.send_header("Content-Length", str(len(chunk) if body else len(data)))
        if start:
            req.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        req.end_headers()
        if body:
            req.wfile.write(chunk)


def _git_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _send(
    req: BaseHTTPRequestHandler,
    status: int,
    payload: object,
    body: bool,
    code: str | None = None,
    message: str | None = None,
) -> None:
    data = json.dumps(payload).encode()
    req.send_response(status)
    req.send_header("Content-Type", "application/json")
    req.send_header("Content-Length", str(len(data)))
    if code:
        req.send_header("X-Error-Code", code)
    if message:
        req.send_header("X-Error-Message", message)
    req.end_headers()
    if body:
        req.wfile.write(data)
