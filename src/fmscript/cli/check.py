"""``fmscript check FILE...``: parse scripts and report every error."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument(
    "scripts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--ast", "show_ast", is_flag=True, help="Print the parsed steps (for debugging).")
def check(scripts: tuple[Path, ...], show_ast: bool) -> None:
    """Parse each script (steps, options, calculations, If/Loop blocks) and print every error."""
    from fmscript.calc.evaluator import Evaluator, SimpleContext
    from fmscript.errors import FMScriptError
    from fmscript.runtime.compiled import load_script
    from fmscript.syntax import ast

    failed = 0
    checker = Evaluator(SimpleContext())
    for path in scripts:
        compiled = load_script(path)
        script, errors = compiled.script, list(compiled.errors)
        for step in script.steps:
            for value in step.options.values():
                if isinstance(value, ast.Calc):
                    try:
                        checker.check(value)  # unknown functions, wrong number of parameters
                    except FMScriptError as exc:
                        errors.append(exc)
        errors.sort(key=lambda e: (e.span.line, e.span.column) if e.span else (0, 0))
        for err in errors:
            click.echo(str(err), err=True)
        if show_ast:
            for step in script.steps:
                click.echo(format_step(step))
        status = f"{len(errors)} error{'s' if len(errors) != 1 else ''}" if errors else "ok"
        click.echo(f"{path}: {len(script.steps)} steps, {status}")
        failed += bool(errors)
    sys.exit(1 if failed else 0)


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
