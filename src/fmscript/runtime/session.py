"""One ``fmscript run``: open the file, run the script, wait for the local fine-tuning jobs it
queued, print the result, and work out the exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fmscript.calc import values as V
from fmscript.errors import FMScriptError
from fmscript.runtime.context import RunContext, RunOptions
from fmscript.runtime.interpreter import HaltOnError, Interpreter, load_script


def open_file(file: str | Path | None) -> Any:
    if file is None:
        return None
    from fmscript.data.sqlite_file import FMFile

    return FMFile.open(file)


def run_session(
    path: Path,
    file: str | Path | None,
    parameter: str,
    options: RunOptions,
    out: Any = None,
    err: Any = None,
    save: str | Path | None = None,
) -> tuple[int, Any, RunContext]:
    """Returns (exit code, script result, context). Exit 1 if any error was not captured."""
    out = out or sys.stdout
    err = err or sys.stderr
    script, errors = load_script(path)
    if errors:
        for e in errors:
            print(str(e), file=err)
        return 1, "", None  # type: ignore[return-value]
    fm_file = open_file(file)
    rt = RunContext(fm_file, path.resolve().parent, out, err, options)
    if fm_file is not None:
        # FileMaker opens a file on its first layout; fmscript on the first table's layout.
        layouts = fm_file.layouts()
        rt.layout = rt.original_layout = layouts[0] if layouts else None
    interp = Interpreter(rt)
    result: Any = ""
    try:
        result = interp.run(script, parameter)
    except HaltOnError:
        pass
    except FMScriptError as exc:
        print(str(exc), file=err)
        rt.uncaptured_errors += 1
    if rt.queued_jobs and options.wait_for_jobs:
        result_code = _wait_for_jobs(rt, err)
        if result_code:
            rt.uncaptured_errors += 1
    elif rt.queued_jobs:
        from fmscript.ai.service import LocalFineTuning

        # Hand the jobs over so the dead-process check does not fail them once this run exits.
        LocalFineTuning().release(list(rt.queued_jobs))
        print(
            f"{len(rt.queued_jobs)} fine-tuning job(s) left queued: {', '.join(rt.queued_jobs)} (fmscript jobs wait ID)",
            file=err,
        )
    if rt.remote_jobs and options.follow_remote:
        from fmscript.ai.remote_jobs import follow_all
        from fmscript.settings import Settings

        settings = getattr(rt, "settings", None) or Settings.from_env()
        if follow_all(rt.remote_jobs, settings, options.progress, err):
            rt.uncaptured_errors += 1
    if save is not None and fm_file is not None:
        fm_file.save(save)
    if fm_file is not None:
        fm_file.close()
    text = V.to_text(result)
    if text:
        print(text.replace("\r\n", "\n").replace("\r", "\n"), file=out)
    return (1 if rt.uncaptured_errors else 0), result, rt


def _wait_for_jobs(rt: RunContext, err: Any) -> int:
    """Train the jobs this run queued, in this process, with a progress bar. 1 if any failed."""
    from fmscript.ai.service import LocalFineTuning

    service = LocalFineTuning()
    failed = 0
    try:
        jobs = service.run_queued(list(rt.queued_jobs), progress=rt.options.progress)
    except KeyboardInterrupt:
        print("interrupted: the running fine-tuning job was cancelled", file=err)
        return 1
    for job in jobs:
        status = job.get("status")
        if status != "succeeded":
            failed = 1
            reason = (
                (job.get("error") or {}).get("message", "")
                if isinstance(job.get("error"), dict)
                else job.get("error", "")
            )
            print(f"fine-tuning job {job.get('id')} {status}{': ' + str(reason) if reason else ''}", file=err)
        else:
            print(f"fine-tuning job {job['id']} succeeded: model {job.get('fine_tuned_model')}", file=err)
    return failed
