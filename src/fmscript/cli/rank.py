"""One rank of a distributed training: ``python -m fmscript.cli.rank JOB --backend ring --worker ID``,
started by ``fmscript worker --ranks-per-host`` (:mod:`fmscript.ai.jobs.ranks`), never by hand.

The rank joins mlx.distributed's group (``MLX_RANK``, ``MLX_HOSTFILE`` … set by the worker) and
says so (READY), opens the store (``FMSCRIPT_STORE``/``FMSCRIPT_HOME``) and trains the job through
:class:`~fmscript.ai.jobs.rank_store.RankStore`. Its standard output is its report to the worker:
READY, ALIVE at every heartbeat of rank 0, FAILED and the job's error, and one line saying why
anything else went wrong. It ends itself when its stdin closes (the worker is gone).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading

import attrs

from fmscript.ai.jobs.ranks import ALIVE, BACKENDS, FAILED, READY


def _say(line: str) -> None:
    print(line, flush=True)


def _end_with_stdin() -> None:
    """Exit at once when stdin reaches its end: the worker that started this rank is gone."""

    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        os._exit(3)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def train(job_id: str, backend: str, worker: str) -> int:
    """Join the group and train ``job_id``; the exit status."""
    from fmscript.ai.engines import mlx_generate
    from fmscript.ai.jobs.rank_store import RankStore
    from fmscript.ai.jobs.store import open_store
    from fmscript.settings import Settings

    mlx_generate.import_mlx()
    import mlx.core as mx

    try:
        group = mx.distributed.init(strict=True, backend=backend)
    except (RuntimeError, ValueError) as exc:
        _say(f"mlx.distributed ({backend}) did not start: {exc}")
        return 1
    _say(READY)
    settings = Settings.from_env()
    lead = group.rank() == 0
    store = RankStore(open_store(settings.home, settings.store or None), worker, lead, lambda: _say(ALIVE))
    try:
        if lead:
            from fmscript.ai.jobs.worker import train_claimed

            train_claimed(store, job_id, None, settings)  # success and cancellation: in the store
            if store.quiet.failed is None:
                return 0
            _say(FAILED + json.dumps(attrs.asdict(store.quiet.failed)))
            return 1
        from fmscript.ai.engines import mlx_local
        from fmscript.ai.progress import TrainingProgress

        mlx_local.train_job(store, store.jobs.get(job_id), TrainingProgress(), settings)
        return 0
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fmscript.cli.rank")
    parser.add_argument("job_id")
    parser.add_argument("--backend", choices=BACKENDS, default="ring")
    parser.add_argument("--worker", required=True, help="the id of the worker that claimed the job")
    args = parser.parse_args(argv)
    _end_with_stdin()
    from fmscript.errors import FMScriptError

    try:
        return train(args.job_id, args.backend, args.worker)
    except FMScriptError as exc:
        _say(exc.message)
    except Exception as exc:  # the worker fails the job with this line (no traceback to a user)
        _say(f"{type(exc).__name__}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
