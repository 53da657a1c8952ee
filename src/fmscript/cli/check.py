"""``fmscript check FILE...``: parse scripts and report every error."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from fmscript.calc.evaluator import Evaluator
    from fmscript.errors import FMScriptError
    from fmscript.syntax.ast import Step


@click.command()
@click.argument(
    "scripts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--ast", "show_ast", is_flag=True, help="Print the parsed steps (for debugging).")
def check(scripts: tuple[Path, ...], show_ast: bool) -> None:
    """Parse each script (steps, options, calculations, If/Loop blocks) and print every error."""
    from fmscript.calc.evaluator import Evaluator, SimpleContext

    failed = 0
    checker = Evaluator(SimpleContext())
    for path in scripts:
        count, errors, steps = _check_one(path, checker, keep=show_ast)
        for err in errors:
            click.echo(str(err), err=True)
        for step in steps:
            click.echo(format_step(step))
        status = f"{len(errors)} error{'s' if len(errors) != 1 else ''}" if errors else "ok"
        click.echo(f"{path}: {count} steps, {status}")
        failed += bool(errors)
    sys.exit(1 if failed else 0)


def _check_one(path: Path, checker: Evaluator, keep: bool) -> tuple[int, list[FMScriptError], Sequence[Step]]:
    """(steps, every error sorted, the steps when ``keep``). Without ``keep`` the steps are
    checked as they are parsed and never all held (memory stays near the file's size)."""
    from fmscript.errors import FMScriptError
    from fmscript.runtime.compiled import check_file, load_script
    from fmscript.syntax import ast

    calc_errors: list[FMScriptError] = []

    def check_calcs(step: ast.Step) -> None:
        for value in step.options.values():
            if isinstance(value, ast.Calc):
                try:
                    checker.check(value)  # unknown functions, wrong number of parameters
                except FMScriptError as exc:
                    calc_errors.append(exc)

    steps: Sequence[ast.Step] = ()
    if keep:
        compiled = load_script(path)
        steps = compiled.script.steps
        for step in steps:
            check_calcs(step)
        count, errors = len(steps), list(compiled.errors)
    else:
        count, errors = check_file(path, check_calcs)
    errors += calc_errors
    errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
    return count, errors, steps


def format_step(step: object) -> str:
    from fmscript.syntax import ast

    assert isinstance(step, ast.Step)
    if step.name == "#":
        return f"{step.span.line}: # {step.comment}"
    parts = []
    for key, value in step.options.items():
        if key == "api_key":
            value = "calc('\"***\"')"  # keys never show, not even in --ast
        elif isinstance(value, ast.Calc):
            value = f"calc({value.text!r})"
        elif isinstance(value, ast.Target):
            value = f"{value.kind}({value.name})"
        parts.append(f"{key}={value}")
    flag = "// " if step.disabled else ""
    return f"{step.span.line}: {flag}{step.name} [{step.lang}] " + " ; ".join(parts)
