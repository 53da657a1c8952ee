"""``fmscript test [PATHS…]``: run ``.fmscript`` test cases (see ``fmscript.cli.testing.cases``)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-k", "keyword", metavar="EXPR", help="Only cases whose path matches EXPR (words, and/or/not).")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failure.")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs)."
)
@click.option(
    "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Write a JUnit XML report."
)
@click.option("--update-golden", is_flag=True, help="Rewrite the NAME.stdout golden files from this run.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="FMSCRIPT_HOME for every case (default: a scratch folder per case).",
)
def test(
    paths: tuple[Path, ...],
    keyword: str | None,
    exitfirst: bool,
    jobs: int | None,
    junit_xml: Path | None,
    update_golden: bool,
    as_json: bool,
    home: Path | None,
) -> None:
    """Run the .fmscript test cases in PATHS (default: this folder).

    \b
    A case is a script whose first lines say what it must produce:
      # expect: 42           the script result
      # expect-error: 401    the first uncaptured error
      # expect-stdout:       all of stdout equals NAME.stdout
      # file: data.sql       its database (a fresh copy per case)
    and more (README: "Testing your scripts").

    Prints one line per failure with expected vs got, then `N passed, N failed, N skipped`;
    exits 1 when any case failed.
    """
    from fmscript.cli import current_settings
    from fmscript.cli.testing import report
    from fmscript.cli.testing.cases import discover
    from fmscript.cli.testing.keyword import KeywordError, compile_keyword
    from fmscript.cli.testing.pool import run_cases
    from fmscript.cli.testing.runner import RunnerOptions

    try:
        matches = compile_keyword(keyword or "")
    except KeywordError as exc:
        raise click.UsageError(str(exc)) from None
    cases, problems = discover(list(paths) or [Path(".")])
    if problems:
        raise click.UsageError("\n".join(problems))
    cases = [c for c in cases if matches(c.id)]
    if not cases:
        click.echo("no test cases found (.fmscript files with a '# expect…' header line)", err=True)
        sys.exit(1)
    options = RunnerOptions(
        home=home, models_home=home or current_settings().home, update_golden=update_golden
    )
    start = time.perf_counter()
    results = run_cases(cases, options, jobs or os.cpu_count() or 1, exitfirst)
    seconds = time.perf_counter() - start
    if junit_xml is not None:
        try:
            junit_xml.write_bytes(report.junit_xml(results, seconds))
        except OSError as exc:
            raise click.ClickException(f"--junit-xml {junit_xml}: {exc.strerror or exc}") from None
    if as_json:
        click.echo(report.json_report(results, seconds))
    else:
        for line in report.text_lines(results):
            click.echo(line)
        click.echo(report.summary(results, seconds))
    sys.exit(1 if any(r.status == "failed" for r in results) else 0)
