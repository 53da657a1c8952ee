"""``fmscript run`` without click, for the common, well-formed command line.

Accepts exactly what ``fmscript.cli.run`` accepts (``SCRIPT``, ``--file/-f FILE``, ``--param TEXT``,
``--save PATH``, ``--halt-on-error``, ``--no-wait``, ``--wait``, ``--documents DIR``, ``--progress/--no-progress``,
``--opt=value`` forms, ``--`` before the script). Whenever something is off — an unknown option,
a missing value, a path click would reject, ``--help`` — it returns None and click handles the
command line, with its usual messages and exit code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmscript.settings import Settings

_VALUED = {
    "--file": "file",
    "-f": "file",
    "--param": "parameter",
    "--save": "save",
    "--documents": "documents",
}
_FLAGS = {
    "--halt-on-error": ("halt_on_error", True),
    "--no-wait": ("no_wait", True),
    "--wait": ("follow_remote", True),
    "--progress": ("progress", True),
    "--no-progress": ("progress", False),
}


def parse(argv: list[str]) -> dict[str, object] | None:
    """The options of ``run ...``, or None when click should handle ``argv``."""
    if not argv or argv[0] != "run":
        return None
    opts: dict[str, object] = {
        "halt_on_error": False,
        "no_wait": False,
        "follow_remote": False,
        "progress": True,
        "parameter": "",
    }
    scripts: list[str] = []
    args = iter(argv[1:])
    for arg in args:
        if arg == "--":
            scripts.extend(args)
            break
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if name in _VALUED:
                if not eq:
                    value = next(args, None)  # type: ignore[assignment]
                    if value is None:
                        return None
                if _VALUED[name] in opts and _VALUED[name] != "parameter":
                    return None  # given twice: let click apply its rule
                opts[_VALUED[name]] = value
            elif name in _FLAGS and not eq:
                key, flag = _FLAGS[name]
                opts[key] = flag
            else:
                return None
        else:
            scripts.append(arg)
    if len(scripts) != 1:
        return None
    opts["script"] = scripts[0]
    return opts if _paths_ok(opts) else None


def _paths_ok(opts: dict[str, object]) -> bool:
    # The checks click.Path makes (exists / dir_okay / file_okay); click words the errors.
    for key in ("script", "file"):
        if key in opts and not os.path.isfile(str(opts[key])):
            return False
    if "save" in opts and os.path.isdir(str(opts["save"])):
        return False
    return not ("documents" in opts and os.path.isfile(str(opts["documents"])))


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
        path("file"),
        str(opts["parameter"]),
        path("save"),
        halt_on_error=bool(opts["halt_on_error"]),
        no_wait=bool(opts["no_wait"]),
        follow_remote=bool(opts["follow_remote"]),
        documents=path("documents"),
        progress=bool(opts["progress"]),
        settings=Settings.from_env(),  # the one place this command line reads the environment
    )


def execute(
    script: Path,
    file: Path | None,
    parameter: str,
    save: Path | None,
    *,
    halt_on_error: bool,
    no_wait: bool,
    follow_remote: bool,
    documents: Path | None,
    progress: bool,
    settings: Settings,
) -> int:
    """The body of ``fmscript run`` (click's ``run`` and the fast path both call it): checks,
    the run, the exit code."""
    from fmscript.cli.progress import bar_factory
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
        progress_bar=bar_factory(progress, settings.progress),
        settings=settings,
        follow_remote=follow_remote,
    )
    try:
        code, _result, _rt = run_session(script, file, parameter, options, save=save)
    except FMScriptError as exc:  # the --file cannot be opened or --save cannot be written
        print(f"error: {exc}" if exc.span else f"error: {exc.message}", file=sys.stderr)
        return 1
    return code
