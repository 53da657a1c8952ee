"""Models from the Hugging Face hub: ``fmscript models pull`` and on-demand downloads.

Through huggingface_hub (imported here only), as its own ``snapshot_download`` does: the repo's info
(its commit for the revision), its file tree (names and sizes), then each wanted file with
``hf_hub_download`` pinned to that commit, into the standard hub cache
(``models--org--name/blobs`` + ``snapshots/<commit>``; ``refs/<revision>`` names the commit), so
mlx-lm, transformers and ``hf`` see the same files. An interrupted download resumes from its
``.incomplete`` blob. Only what ``mlx_lm.load`` reads is fetched: weights (``*.safetensors``), the
JSON configs, tokenizer files and chat templates — never remote code or other weight formats.

Endpoint, token, cache folder and offline mode come from :class:`~fmscript.settings.Settings`
(``HF_ENDPOINT``, ``HF_TOKEN``, ``HF_HUB_CACHE``/``HF_HOME``, ``HF_HUB_OFFLINE``/``FMSCRIPT_OFFLINE``).
Every failure is one :class:`ScriptRuntimeError` with a FileMaker code; the token is never part of a
message, an event or anything written to the fmscript home.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from fmscript.ai import modeldir
from fmscript.ai.errors import CANNOT_CREATE_FILE, UNKNOWN_MODEL, ai_error
from fmscript.errors import AUTH_FAILED, CONNECTION_FAILED, OPERATION_FAILED, TIMED_OUT, FMScriptError
from fmscript.settings import Settings

if TYPE_CHECKING:
    from fmscript.ai.jobs.interface import Store
    from fmscript.ai.progress import DownloadProgress

# What mlx_lm.load needs (top-level files only: no remote code, no .bin/.pth/.gguf weights).
WANTED = ("*.safetensors", "*.json", "*.jinja", "tokenizer.model", "*.tiktoken", "merges.txt", "vocab.txt")
REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
FREE_MARGIN = 64 * 2**20  # leave this much free on the cache's disk
EVENT_EVERY = 0.1  # a progress event every 10% of the bytes

# (level, message, data) → e.g. a job event
Events = Callable[[str, str, dict[str, Any]], None]


def is_repo_id(name: str) -> bool:
    """``org/name`` as the hub spells repositories (a local path that exists is not one)."""
    return bool(REPO_ID.fullmatch(name)) and ".." not in name and not modeldir.user_path(name).exists()


def human_size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n_bytes) < 1000 or unit == "TB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000
    return f"{n_bytes:.1f} TB"


@attrs.frozen
class HubFile:
    path: str
    size: int


@attrs.frozen
class PullPlan:
    """What a pull fetches: the revision's commit and the wanted files with their sizes."""

    repo_id: str
    revision: str
    commit: str
    files: tuple[HubFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


@attrs.frozen
class Pulled:
    repo_id: str
    commit: str
    path: Path
    total_bytes: int
    downloaded_bytes: int
    seconds: float


def offline_error(name: str) -> FMScriptError:
    return ai_error(
        f"base model {name!r} is not on this machine and fmscript is offline (HF_HUB_OFFLINE=1 or "
        f"FMSCRIPT_OFFLINE=1): download it first with `fmscript models pull {name}`",
        UNKNOWN_MODEL,
    )


class Hub:
    """One hub endpoint with one token and cache folder (from the settings)."""

    def __init__(
        self, settings: Settings, progress: DownloadProgress | None = None, events: Events | None = None
    ) -> None:
        self.settings = settings
        self.cache = settings.hf_hub_cache
        self.progress = progress
        self.events = events

    # -- the two hub calls before any download -------------------------------------------------
    def plan(self, repo_id: str, revision: str = "main") -> PullPlan:
        """The revision's commit and the files a pull fetches (no download)."""
        if self.settings.offline:
            raise offline_error(repo_id)
        from huggingface_hub import HfApi
        from huggingface_hub.hf_api import RepoFile

        api = HfApi(endpoint=self.settings.hf_endpoint, token=self.settings.hf_token or None)
        with self._errors(repo_id, revision):
            info = api.model_info(repo_id, revision=revision)
            if info.gated and not self.settings.hf_token:
                # its files would answer 401 GatedRepo: say so before announcing a download
                raise self._gated(repo_id)
            commit = str(info.sha)
            tree = [
                entry
                for entry in api.list_repo_tree(repo_id, revision=commit, recursive=True)
                if isinstance(entry, RepoFile)
            ]
        files = tuple(
            HubFile(entry.path, int(entry.size or 0))
            for entry in sorted(tree, key=lambda e: e.path)
            if "/" not in entry.path and any(fnmatch.fnmatch(entry.path, p) for p in WANTED)
        )
        if not any(f.path == "config.json" for f in files) or not any(
            f.path.endswith(".safetensors") for f in files
        ):
            raise ai_error(
                f"{repo_id} is not a model mlx-lm can load: it has no config.json and *.safetensors "
                "weights (an mlx-community conversion of it may have them)",
                UNKNOWN_MODEL,
            )
        return PullPlan(repo_id, revision, commit, files)

    # -- the download ------------------------------------------------------------------------
    def snapshot(self, plan: PullPlan) -> Path:
        return self.cache / f"models--{plan.repo_id.replace('/', '--')}" / "snapshots" / plan.commit

    def pull(self, repo_id: str, revision: str = "main") -> Pulled:
        """Download what is missing of ``repo_id`` at ``revision`` into the hub cache."""
        started = time.monotonic()
        plan = self.plan(repo_id, revision)
        folder = self.snapshot(plan)
        missing = [f for f in plan.files if not (folder / f.path).is_file()]
        needed = sum(f.size for f in missing)
        have = plan.total_bytes - needed
        self._check_space(plan, needed)
        self._say(
            "info",
            f"Downloading {repo_id} ({revision} = {plan.commit[:12]}): {len(plan.files)} files, "
            f"{human_size(plan.total_bytes)}"
            + (f" ({human_size(have)} already here)" if have else "")
            + f" into {self.cache}",
            {"repo_id": repo_id, "commit": plan.commit, "total_bytes": plan.total_bytes, "have_bytes": have},
        )
        done = [have]
        if missing and self.progress is not None:
            self.progress.start(repo_id, plan.total_bytes, completed=have)
        try:
            for file in missing:
                self._download(plan, file, done)
        finally:
            if self.progress is not None:
                self.progress.close()
        self._write_ref(plan)
        if not modeldir.is_model_dir(folder):
            raise ai_error(
                f"the download of {repo_id} is incomplete: {folder} lacks its weights", UNKNOWN_MODEL
            )
        seconds = time.monotonic() - started
        self._say(
            "info",
            f"Downloaded {repo_id}: {human_size(needed)} in {seconds:.1f} s",
            {"repo_id": repo_id, "downloaded_bytes": needed, "seconds": seconds, "path": str(folder)},
        )
        return Pulled(repo_id, plan.commit, folder, plan.total_bytes, needed, seconds)

    def _download(self, plan: PullPlan, file: HubFile, done: list[int]) -> None:
        from huggingface_hub import hf_hub_download

        step = max(1, int(plan.total_bytes * EVENT_EVERY))

        def on_bytes(n: int) -> None:
            before = done[0]
            done[0] += n
            if self.progress is not None:
                self.progress.advance(n)
            if before // step != done[0] // step and done[0] < plan.total_bytes:
                share = done[0] / max(plan.total_bytes, 1)
                self._say(
                    "info",
                    f"Downloading {plan.repo_id}: {share:.0%} of {human_size(plan.total_bytes)}",
                    {"downloaded_bytes": done[0], "total_bytes": plan.total_bytes},
                )

        with self._errors(plan.repo_id, plan.revision):
            hf_hub_download(
                plan.repo_id,
                file.path,
                revision=plan.commit,
                cache_dir=str(self.cache),
                endpoint=self.settings.hf_endpoint,
                token=self.settings.hf_token or None,
                tqdm_class=_byte_counter(on_bytes),  # type: ignore[arg-type]
            )

    def _write_ref(self, plan: PullPlan) -> None:
        """``refs/<revision>`` → commit, as snapshot_download records a branch or tag."""
        if plan.revision == plan.commit:
            return
        ref = self.cache / f"models--{plan.repo_id.replace('/', '--')}" / "refs" / plan.revision
        with contextlib.suppress(OSError):
            ref.parent.mkdir(parents=True, exist_ok=True)
            ref.write_text(plan.commit, encoding="utf-8")

    def _check_space(self, plan: PullPlan, needed: int) -> None:
        folder = self.cache
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free = shutil.disk_usage(folder).free
        if needed + FREE_MARGIN > free:
            raise ai_error(
                f"{plan.repo_id} needs {human_size(needed)} but only {human_size(free)} is free on the disk "
                f"of {self.cache}; free some space or set HF_HUB_CACHE to a larger disk",
                CANNOT_CREATE_FILE,
            )

    def _say(self, level: str, message: str, data: dict[str, Any]) -> None:
        if self.events is not None:
            self.events(level, message, data)

    @contextlib.contextmanager
    def _errors(self, repo_id: str, revision: str) -> Iterator[None]:
        """huggingface_hub's and httpx's exceptions → one clean error (the token never shown)."""
        try:
            yield
        except FMScriptError:
            raise
        except Exception as exc:
            raise self._mapped(exc, repo_id, revision) from None

    def _gated(self, repo_id: str) -> FMScriptError:
        endpoint = self.settings.hf_endpoint
        if self.settings.hf_token:
            return ai_error(
                f"{repo_id} is a gated model and the token in HF_TOKEN has not been granted access: "
                f"accept its conditions at {endpoint}/{repo_id}",
                AUTH_FAILED,
            )
        return ai_error(
            f"{repo_id} is a gated model: accept its conditions at {endpoint}/{repo_id}, then set "
            "HF_TOKEN to an access token of that account",
            AUTH_FAILED,
        )

    def _mapped(self, exc: Exception, repo_id: str, revision: str) -> FMScriptError:
        from huggingface_hub import errors as hf

        endpoint = self.settings.hf_endpoint
        token = bool(self.settings.hf_token)
        chain = _causes(exc)
        kinds = {type(e).__name__ for e in chain}
        status = next((r.status_code for e in chain if (r := getattr(e, "response", None)) is not None), None)
        if isinstance(exc, hf.GatedRepoError):
            return self._gated(repo_id)
        if isinstance(exc, hf.RevisionNotFoundError):
            return ai_error(f"revision {revision!r} not found in {repo_id} on {endpoint}", UNKNOWN_MODEL)
        if isinstance(exc, hf.OfflineModeIsEnabled):
            return offline_error(repo_id)
        if status == 401 and token and not isinstance(exc, hf.RepositoryNotFoundError):
            return ai_error(f"{endpoint} refused the token in HF_TOKEN (401): check or renew it", AUTH_FAILED)
        if isinstance(exc, hf.RepositoryNotFoundError):
            hint = "" if token else " (a private model needs HF_TOKEN)"
            return ai_error(f"no model {repo_id!r} on {endpoint}{hint}", UNKNOWN_MODEL)
        if any(isinstance(e, OSError) and e.errno == errno.ENOSPC for e in chain):
            return ai_error(
                f"the disk is full: cannot download {repo_id} into {self.cache}", CANNOT_CREATE_FILE
            )
        if any("Timeout" in kind for kind in kinds):
            return ai_error(
                f"the hub at {endpoint} did not answer in time (downloading {repo_id})", TIMED_OUT
            )
        if any("Connect" in kind or "Network" in kind for kind in kinds) or isinstance(
            exc, hf.LocalEntryNotFoundError
        ):
            return ai_error(
                f"cannot connect to the hub at {endpoint} (downloading {repo_id})", CONNECTION_FAILED
            )
        if status is not None:
            return ai_error(f"the hub at {endpoint} answered {status} for {repo_id}", OPERATION_FAILED)
        if isinstance(exc, OSError):
            return ai_error(
                f"cannot download {repo_id} into {self.cache}: {exc.strerror or exc}", CANNOT_CREATE_FILE
            )
        return ai_error(f"downloading {repo_id} failed: {type(exc).__name__}", OPERATION_FAILED)


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _byte_counter(on_bytes: Callable[[int], None]) -> type:
    """A class with the part of tqdm's interface hf_hub_download uses, counting bytes."""

    class ByteCounter:
        def __init__(self, *args: Any, initial: int = 0, **kwargs: Any) -> None:
            if initial:
                on_bytes(int(initial))  # a resumed download: the bytes already in the .incomplete blob

        def __enter__(self) -> ByteCounter:
            return self

        def __exit__(self, *exc: object) -> None: ...

        def update(self, n: float | None = 1) -> None:
            on_bytes(int(n or 0))

        def close(self) -> None: ...

        def set_postfix_str(self, *args: Any, **kwargs: Any) -> None: ...

    return ByteCounter


def ensure_local(
    store: Store,
    name: str,
    settings: Settings,
    progress: DownloadProgress | None = None,
    events: Events | None = None,
) -> Path:
    """A base model's folder: a local one, else (a hub id, online) pulled now and registered under
    its hub id, so it is downloaded once and found locally afterwards."""
    try:
        return store.models.resolve_base(name)
    except FMScriptError as exc:
        if exc.code != UNKNOWN_MODEL or not is_repo_id(name) or name.startswith("fm-mlx-"):
            raise
    if settings.offline:
        raise offline_error(name)
    pulled = Hub(settings, progress, events).pull(name)
    store.models.add_base(name, pulled.path)
    return pulled.path
