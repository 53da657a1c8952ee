"""Run one test case the way a user runs the script, and judge what it printed.

A case runs through ``fmscript.cli.main(["run", CASE, "--file", DB, ...])`` in this process — the
command line's own run path (options, error boundary, exit code), minus the process start-up. Each
case runs in a scratch copy of its folder (``scratch.py``) with its own ``FMSCRIPT_HOME`` (unless
one is given), ``FMSCRIPT_DOCUMENTS``, ``FMSCRIPT_TEMP`` and a fresh copy of its database; the
compiled-script cache (``FMSCRIPT_CACHE``) is shared, so a case that ran before is not parsed again.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs

from fmscript.cli.testing.cases import Case
from fmscript.cli.testing.errors import Reported, describe, parse_errors, unexpected
from fmscript.cli.testing.scratch import overlay, place_copy, slot_for

Status = Literal["passed", "failed", "skipped"]


@attrs.frozen
class RunnerOptions:
    home: Path | None = None  # every case's FMSCRIPT_HOME; None: a scratch folder per case
    models_home: Path | None = None  # where `# needs:` looks for models (the user's FMSCRIPT_HOME)
    update_golden: bool = False


@attrs.frozen
class Result:
    id: str
    status: Status
    message: str = ""  # one line: expected vs got
    details: str = ""  # the diff, the reported errors with their caret lines
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""


@attrs.frozen
class RunOutput:
    code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    database: Path | None = None  # the database after the run (for `# expect-sql:`)


class CaseTimeout(BaseException):
    """Raised in the running case by the timer. A BaseException, so that no ``except Exception``
    of a step mistakes it for an error of the script; the CLI's error boundary reports it (as an
    internal error), and the timer's own record says it was the timeout."""


@attrs.define
class _Timer:
    fired: bool = False


def run_case(case: Case, options: RunnerOptions | None = None) -> Result:
    options = options or RunnerOptions()
    start = time.perf_counter()
    if case.problem:
        return Result(case.id, "failed", case.problem)
    missing = [m for m in case.needs if not model_available(m, options.models_home)]
    if missing:
        where = options.models_home or "FMSCRIPT_HOME"
        reason = f"needs {', '.join(missing)}: not in {where} (fmscript models list)"
        return Result(case.id, "skipped", reason)
    if case.file is not None and not case.file.is_file():
        return Result(case.id, "failed", f"# file: {case.file} does not exist")
    with slot_for(case.path) as slot:
        out = execute(case, options, slot)
        status, message, details = judge(case, out, options)
    return Result(case.id, status, message, details, time.perf_counter() - start, out.stdout, out.stderr)


def execute(case: Case, options: RunnerOptions, slot: Path) -> RunOutput:
    """``fmscript run CASE`` in this process, in a scratch copy of the case's folder."""
    from fmscript.cli import main

    script = overlay(case.path, slot)
    work = script.parent
    argv = ["run", str(script), "--no-wait", "--no-progress"]
    database = _prepare_database(case, slot, argv)
    if case.param is not None:
        argv += ["--param", case.param]
    home = options.home or slot / "home"
    if options.home is None and case.needs and options.models_home is not None:
        _link_models(options.models_home, home)
    (slot / "Documents").mkdir()
    env = {
        "FMSCRIPT_HOME": str(home),
        "FMSCRIPT_DOCUMENTS": str(slot / "Documents"),
        "FMSCRIPT_TEMP": str(slot / "temp"),
    }
    code: int = 0
    timer = _Timer()
    with _environment(env), _captured() as (stdout, stderr):
        try:
            with _deadline(case.timeout, timer):
                try:
                    main(argv)
                except SystemExit as exit_:
                    code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        except CaseTimeout:  # fired after the boundary, or with no boundary on the way
            code = 1
    if timer.fired:
        stderr = io.StringIO(
            "".join(line for line in stderr.getvalue().splitlines(True) if "CaseTimeout" not in line)
        )
    elif code == 130:  # the CLI's answer to Ctrl-C: stop the whole test run, not just this case
        raise KeyboardInterrupt
    # Reports name the case's own folder, not the scratch copy.
    here = str(case.path.parent.resolve())
    out, err = stdout.getvalue(), stderr.getvalue()
    for scratch in dict.fromkeys((str(work.resolve()), str(work))):
        out, err = out.replace(scratch, here), err.replace(scratch, here)
    return RunOutput(code, out, err, timer.fired, database)


def _prepare_database(case: Case, slot: Path, argv: list[str]) -> Path | None:
    """Adds ``--file`` (and ``--save`` where needed) to argv; returns the database to query after
    the run. A .sql text is loaded into a fresh in-memory database by the run itself; a SQLite
    file is copied, so every case starts from the file as committed to the repository."""
    if case.file is None:
        return None
    if case.file.suffix.lower() == ".sql":
        argv += ["--file", str(case.file)]
        if not case.sql:
            return None
        saved = slot / "after.sqlite"
        argv += ["--save", str(saved)]
        return saved
    copy = place_copy(case.file, case.path, slot)
    argv += ["--file", str(copy)]
    return copy


def judge(case: Case, out: RunOutput, options: RunnerOptions) -> tuple[Status, str, str]:
    """(status, the first problem, the details) of a finished run."""
    if out.timed_out:
        return "failed", f"timed out after {case.timeout:g} s", _tail(out)
    reported = parse_errors(out.stderr)
    problems: list[str] = []
    details: list[str] = []
    _check_errors(case, out, reported, problems)
    if case.expect is not None:
        lines = case.expect.count("\n") + 1
        got = "\n".join(out.stdout.rstrip("\n").split("\n")[-lines:]) if out.stdout else ""
        if got != case.expect:
            problems.append(f"expected {_show(case.expect)}, got {_show(got)}")
    if case.golden is not None:
        _check_golden(case.golden, out.stdout, options, problems, details)
    problems += [f"stderr lacks {_show(text)}" for text in case.stderr if text not in out.stderr]
    if case.sql:
        problems += _check_sql(case, out.database)
    if not problems:
        return "passed", "", ""
    details += [r.block for r in reported]
    return "failed", problems[0], "\n".join(problems[1:] + details)


def _check_errors(case: Case, out: RunOutput, reported: list[Reported], problems: list[str]) -> None:
    if case.expect_error is None:
        if reported:
            problems.append(f"got {describe(reported[0])}" + _more(len(reported)))
        elif out.code != 0:
            problems.append(f"exit code {out.code}")
        return
    wanted = f"error {case.expect_error}" + (
        f" at line {case.expect_error_line}" if case.expect_error_line is not None else ""
    )
    if not reported:
        problems.append(f"expected {wanted}, got no error (exit code {out.code})")
        return
    first = reported[0]
    if first.code != case.expect_error or (
        case.expect_error_line is not None and first.line != case.expect_error_line
    ):
        problems.append(f"expected {wanted}, got {describe(first)}")
        return
    if out.code != 1:
        problems.append(f"expected exit code 1, got {out.code}")
    extra = unexpected(reported, case.expect_error, case.expect_error_line, case.stderr)
    if extra:
        problems.append(f"unexpected {describe(extra[0])}" + _more(len(extra)))


def _check_golden(
    golden: Path, stdout: str, options: RunnerOptions, problems: list[str], details: list[str]
) -> None:
    try:
        expected: str | None = golden.read_text(encoding="utf-8")
    except FileNotFoundError:
        expected = None
    if expected == stdout:
        return
    if options.update_golden:
        golden.write_text(stdout, encoding="utf-8", newline="\n")
        return
    if expected is None:
        problems.append(f"golden file {golden.name} is missing (write it with --update-golden)")
        return
    problems.append(f"stdout differs from {golden.name}")
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True), stdout.splitlines(keepends=True), golden.name, "stdout"
    )
    details.append("".join(line if line.endswith("\n") else line + "\n" for line in diff).rstrip("\n"))


def _check_sql(case: Case, database: Path | None) -> list[str]:
    if database is None or not database.is_file():
        return ["# expect-sql: there is no database to query (give '# file:')"]
    problems = []
    con = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        for check in case.sql:
            try:
                rows = [list(r) for r in con.execute(check.query).fetchall()]
            except sqlite3.Error as exc:
                problems.append(f"{check.query}: {exc}")
                continue
            if rows != [list(r) for r in check.rows]:
                problems.append(f"{check.query}: expected {_rows(check.rows)}, got {_rows(rows)}")
    finally:
        con.close()
    return problems


def model_available(name: str, home: Path | None) -> bool:
    """Whether ``# needs: NAME`` is met: a base or fine-tuned model in ``home``, a model folder
    path, or a Hugging Face repo in the local hub cache."""
    from fmscript.ai.modeldir import hf_cache_lookup, is_model_dir

    if home is not None and ((home / "base-models" / name).is_dir() or (home / "models" / name).is_dir()):
        return True
    return is_model_dir(Path(name).expanduser()) or ("/" in name and hf_cache_lookup(name) is not None)


def _link_models(source: Path, home: Path) -> None:
    # The case's scratch home sees the user's models (read-only use), never their job store.
    for sub in ("base-models", "models"):
        (home / sub).mkdir(parents=True, exist_ok=True)
        for entry in sorted((source / sub).glob("*")) if (source / sub).is_dir() else []:
            with contextlib.suppress(OSError):
                (home / sub / entry.name).symlink_to(entry.resolve(), target_is_directory=True)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(""), out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def _deadline(seconds: float, timer: _Timer) -> Iterator[None]:
    """Raise CaseTimeout in this thread after ``seconds`` (SIGALRM: the main thread on POSIX; the
    worker pool's parent also kills a worker that stays stuck, e.g. inside a C call)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def fire(signum: int, frame: object) -> None:
        timer.fired = True
        raise CaseTimeout

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _show(text: str) -> str:
    return repr(text if len(text) <= 200 else text[:200] + "…")


def _rows(rows: object) -> str:
    import json

    return json.dumps(rows, ensure_ascii=False)


def _more(count: int) -> str:
    return f" (and {count - 1} more)" if count > 1 else ""


def _tail(out: RunOutput) -> str:
    text = (out.stdout + out.stderr).rstrip("\n").split("\n")
    return "\n".join(text[-10:])
