"""``fmscript run``: its one list of options, its body, and the fast path without click.

``RUN_OPTIONS`` is the command's one list of options: click's ``run`` command
(``fmscript.cli.run``) is built from it, and so are the fast path's tables. The fast path accepts
exactly what click accepts (``SCRIPT``, each option, ``--opt=value`` forms, ``--`` before the
script). Whenever something is off — an unknown option, a missing value, a path click would
reject, ``--help`` — it returns None and click handles the command line, with its usual messages
and exit code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from fmscript.settings import Settings


class RunOption(NamedTuple):
    """One option of ``fmscript run``. ``names``: its spellings (``--x/--no-x`` for an on/off
    switch); ``dest``: the parameter of :func:`execute`; ``flag``: takes no value; ``default``:
    its value when absent (None: absent; an option without a default may be given only once on
    the fast path); ``path``: the check click.Path makes — ``"file"`` an existing file, ``"not
    dir"`` anything but a folder, ``"not file"`` anything but a file."""

    names: tuple[str, ...]
    dest: str
    help: str
    flag: bool = False
    default: str | bool | None = None
    path: str = ""


# SCRIPT itself is an existing file (the one argument).
RUN_OPTIONS: tuple[RunOption, ...] = (
    RunOption(
        ("--file", "-f"),
        "file",
        "The FileMaker file: a SQLite database (.sqlite/.db, changes are committed) or a .sql text "
        "loaded into memory.",
        path="file",
    ),
    RunOption(("--param",), "parameter", "Script parameter (Get ( ScriptParameter )).", default=""),
    RunOption(
        ("--save",),
        "save",
        "Write the database to this SQLite file at the end (for .sql inputs).",
        path="not dir",
    ),
    RunOption(
        ("--halt-on-error",),
        "halt_on_error",
        "Stop at the first error that Set Error Capture does not capture.",
        flag=True,
        default=False,
    ),
    RunOption(
        ("--no-wait",),
        "no_wait",
        "Leave queued local fine-tuning jobs queued instead of training them now.",
        flag=True,
        default=False,
    ),
    RunOption(
        ("--wait",),
        "follow_remote",
        "Follow the fine-tuning jobs of remote providers (OpenAI, Custom) to the end, with progress.",
        flag=True,
        default=False,
    ),
    RunOption(
        ("--documents",),
        "documents",
        "Folder for Get ( DocumentsPath ) (default: FMSCRIPT_DOCUMENTS or your Documents folder).",
        path="not file",
    ),
    RunOption(
        ("--progress/--no-progress",), "progress", "Show the training progress bar.", flag=True, default=True
    ),
)

# The fast path's tables, from RUN_OPTIONS: spelling -> option (valued), spelling -> (option, value) (flags).
_VALUED: dict[str, RunOption] = {name: o for o in RUN_OPTIONS if not o.flag for name in o.names}
_FLAGS: dict[str, tuple[RunOption, bool]] = {}
for _option in RUN_OPTIONS:
    for _name in _option.names if _option.flag else ():
        _on, _, _off = _name.partition("/")
        _FLAGS[_on] = (_option, True)
        if _off:
            _FLAGS[_off] = (_option, False)


def parse(argv: list[str]) -> dict[str, object] | None:
    """The options of ``run ...`` by ``dest`` (absent ones left out), or None when click should
    handle ``argv``."""
    if not argv or argv[0] != "run":
        return None
    opts: dict[str, object] = {o.dest: o.default for o in RUN_OPTIONS if o.default is not None}
    scripts: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg == "--":
            scripts.extend(args)
            break
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if name in _VALUED:
                option = _VALUED[name]
                if not eq:
                    value = next(args, None)  # type: ignore[assignment]
                    if value is None:
                        return None
                if option.dest in opts and option.default is None:
                    return None  # given twice: let click apply its rule
                opts[option.dest] = value
            elif name in _FLAGS and not eq:
                option, flag = _FLAGS[name]
                opts[option.dest] = flag
            else:
                return None
        else:
            scripts.append(arg)
    if len(scripts) != 1:
        return None
    opts["script"] = scripts[0]
    return opts if _paths_ok(opts) else None


_PATH_OK = {
    "file": os.path.isfile,
    "not dir": lambda p: not os.path.isdir(p),
    "not file": lambda p: not os.path.isfile(p),
}


def _paths_ok(opts: dict[str, object]) -> bool:
    # The checks click.Path makes (exists / dir_okay / file_okay); click words the errors.
    if not os.path.isfile(str(opts["script"])):
        return False
    return all(_PATH_OK[o.path](str(opts[o.dest])) for o in RUN_OPTIONS if o.path and o.dest in opts)


def fast_run(argv: list[str]) -> int | None:
    """Run ``fmscript run ...`` and return its exit code, or None to leave it to click."""
    opts = parse(argv)
    if opts is None:
        return None
    from fmscript.settings import Settings

    def path(key: str) -> Path | None:
        return Path(str(opts[key])) if key in opts else None

    return execute(
        Path(str(opts["script"])),
        file=path("file"),
        parameter=str(opts["parameter"]),
        save=path("save"),
        halt_on_error=bool(opts["halt_on_error"]),
        no_wait=bool(opts["no_wait"]),
        follow_remote=bool(opts["follow_remote"]),
        documents=path("documents"),
        progress=bool(opts["progress"]),
        settings=Settings.from_env(),  # the one place this command line reads the environment
    )


def execute(
    script: Path,
    *,
    file: Path | None,
    parameter: str,
    save: Path | None,
    halt_on_error: bool,
    no_wait: bool,
    follow_remote: bool,
    documents: Path | None,
    progress: bool,
    settings: Settings,
) -> int:
    """The body of ``fmscript run`` (click's ``run`` and the fast path both call it): checks,
    the run, the exit code."""
    from fmscript.cli.progress import reporter
    from fmscript.errors import FMScriptError
    from fmscript.runtime.session import run_session
    from fmscript.steps.state import RunOptions

    # Checked before anything runs: one `error:` line, exit 2 (command-line usage).
    problem = None
    if save is not None and file is None:
        problem = "--save needs --file (the database to save)"
    elif save is not None and not save.parent.resolve().is_dir():
        problem = f"--save: the folder {save.parent} does not exist"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    options = RunOptions(
        halt_on_error=halt_on_error,
        documents_path=documents,
        wait_for_jobs=not no_wait,
        progress=progress,
        reporter=reporter(progress, settings.progress),
        settings=settings,
        follow_remote=follow_remote,
    )
    try:
        code, _result, _rt = run_session(script, file, parameter, options, save=save)
    except FMScriptError as exc:  # the --file cannot be opened or --save cannot be written
        print(f"error: {exc}" if exc.span else f"error: {exc.message}", file=sys.stderr)
        return 1
    return code
