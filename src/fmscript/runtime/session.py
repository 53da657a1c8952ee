"""One ``fmscript run``: open the file, run the script, wait for the local fine-tuning jobs it
queued, print the result, and work out the exit code. ``run_file`` is the public entry."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fmscript.ai.progress import ProgressFactory
from fmscript.calc import values as V
from fmscript.errors import FMScriptError
from fmscript.runtime.compiled import ScriptLoader
from fmscript.runtime.interpreter import Interpreter
from fmscript.settings import Settings
from fmscript.steps.signals import HaltOnError
from fmscript.steps.state import RunOptions, StepContext, Value
from fmscript.syntax.cache import ScriptCache
from fmscript.syntax.parser import configure_cache

if TYPE_CHECKING:
    from fmscript.ai.service import LocalFineTuning
    from fmscript.data.sqlite_file import FMFile


def open_file(file: str | Path | None) -> FMFile | None:
    if file is None:
        return None
    from fmscript.data.sqlite_file import FMFile

    return FMFile.open(file)


def run_info(ctx: StepContext, name: str) -> Value | None:
    """The Get functions that read the run (``steps.info``, imported on the first one)."""
    from fmscript.steps.info import run_info as answer

    return answer(ctx, name)


def new_context(
    fm_file: FMFile | None, script_dir: Path, options: RunOptions, out: TextIO, err: TextIO
) -> StepContext:
    """A fresh run context on ``fm_file``, on its first layout (FileMaker opens a file on its
    first layout; fmscript on the first table's layout)."""
    ctx = StepContext(fm_file, script_dir, out, err, options, info=run_info)
    if fm_file is not None:
        layouts = fm_file.layouts()
        ctx.data.layout = ctx.data.original_layout = layouts[0] if layouts else None
    return ctx


def run_session(
    path: Path,
    file: str | Path | None,
    parameter: str,
    options: RunOptions,
    out: TextIO | None = None,
    err: TextIO | None = None,
    save: str | Path | None = None,
) -> tuple[int, Value, StepContext | None]:
    """Returns (exit code, script result, context). Exit 1 if any error was not captured."""
    out = out or sys.stdout
    err = err or sys.stderr
    configure_cache(options.settings.cache)  # Lark's grammar cache, when a script must be parsed
    loader = ScriptLoader(cache=ScriptCache(options.settings.cache))
    compiled = loader.load(path)
    if compiled.errors:
        for e in compiled.errors:
            print(str(e), file=err)
        return 1, "", None
    fm_file = open_file(file)
    ctx = new_context(fm_file, path.resolve().parent, options, out, err)
    interp = Interpreter(ctx, loader)
    result: Value = ""
    try:
        try:
            result = interp.run(compiled, parameter)
        except HaltOnError:
            pass
        except FMScriptError as exc:
            print(str(exc), file=err)
            ctx.errors.uncaptured += 1
        try:
            ctx.data.commit_records()  # the end of the script commits the open record
        except FMScriptError as exc:
            # No step is running: the error has no position, so it prints as the command line's
            # other position-less errors do (``error: message (error N)``).
            code = f" (error {exc.code})" if exc.code not in (None, -1) else ""
            print(
                f"error: the open record was not committed at the end of the script: {exc.message}{code}",
                file=err,
            )
            ctx.errors.uncaptured += 1
        finish_jobs(ctx)
        follow_remote_jobs(ctx)
        if save is not None and fm_file is not None:
            fm_file.save(save)
    finally:
        if fm_file is not None:
            fm_file.close()
    text = V.to_text(result)
    if text:
        print(text.replace("\r\n", "\n").replace("\r", "\n"), file=out)
    return (1 if ctx.errors.uncaptured else 0), result, ctx


def finish_jobs(ctx: StepContext) -> None:
    """Train the local jobs this run queued (or hand them over with --no-wait)."""
    queued = list(ctx.ai.queued_jobs)
    if not queued:
        return
    from fmscript.ai.service import LocalFineTuning

    service = LocalFineTuning(ctx.settings.home, ctx.settings, ctx.options.reporter)
    try:
        if ctx.options.wait_for_jobs:
            if _wait_for_jobs(service, queued, _progress(ctx), ctx.err):
                ctx.errors.uncaptured += 1
        else:
            # Hand the jobs over so the dead-process check does not fail them once this run exits.
            service.release(queued)
            print(
                f"{len(queued)} fine-tuning job(s) left queued: {', '.join(queued)} (fmscript jobs wait ID)",
                file=ctx.err,
            )
    finally:
        service.close()
    ctx.ai.queued_jobs.clear()


def follow_remote_jobs(ctx: StepContext) -> None:
    """``--wait``: follow the jobs remote providers run (OpenAI, Custom) to their end."""
    if ctx.ai.remote_jobs and ctx.options.follow_remote:
        from fmscript.ai.providers import follow_jobs

        def say(line: str) -> None:
            print(line, file=ctx.err)

        if follow_jobs(ctx.ai.remote_jobs, ctx.settings, _progress(ctx), say):
            ctx.errors.uncaptured += 1
    ctx.ai.remote_jobs.clear()


def _progress(ctx: StepContext) -> ProgressFactory:
    return ctx.options.reporter.training


def _wait_for_jobs(
    service: LocalFineTuning, queued: list[str], progress: ProgressFactory, err: TextIO
) -> int:
    """Train the jobs this run queued, in this process, with a progress bar. 1 if any failed."""
    failed = 0
    try:
        jobs = service.run_queued(queued, progress=progress)
    except KeyboardInterrupt:
        print("interrupted: the running fine-tuning job was cancelled", file=err)
        return 1
    for job in jobs:
        if job.status != "succeeded":
            failed = 1
            reason = job.error.message if job.error else ""
            print(f"fine-tuning job {job.id} {job.status}{': ' + reason if reason else ''}", file=err)
        else:
            print(f"fine-tuning job {job.id} succeeded: model {job.fine_tuned_model}", file=err)
    return failed


def run_file(
    path: str | Path,
    file: str | Path | None = None,
    parameter: str = "",
    options: RunOptions | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    save: str | Path | None = None,
    settings: Settings | None = None,
) -> tuple[int, Value, StepContext | None]:
    """Run a script file. Returns (exit code, script result, run context).

    ``settings`` default to the environment's (``Settings.from_env()``): this is an edge.
    """
    options = options or RunOptions(settings=settings or Settings.from_env())
    return run_session(Path(path), file, parameter, options, out, err, save)
