"""The pytest front end (entry point ``pytest11``): ``pytest path/`` collects every ``.fmscript``
file with an ``# expect…`` header as one test item, run by the same runner as ``fmscript test``.

Items mix with Python tests, ``-k``, ``-x``, ``-n`` (pytest-xdist) and pytest's reports. Other
files cost one suffix comparison; a ``.fmscript`` file only its header read. ``-p no:fmscript``
turns the plugin off.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from fmscript.cli.testing.cases import Case
    from fmscript.cli.testing.runner import Result


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fmscript", "fmscript test cases (.fmscript files with # expect headers)")
    group.addoption(
        "--fmscript-update-golden",
        action="store_true",
        default=False,
        help="Rewrite the NAME.stdout golden files of .fmscript cases from this run.",
    )
    group.addoption(
        "--fmscript-home",
        default=None,
        help="FMSCRIPT_HOME for every .fmscript case (default: a scratch folder per case).",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix.lower() != ".fmscript":
        return None
    from fmscript.cli.testing.cases import read_case

    case = read_case(file_path, case_name=_case_name(parent.config, file_path))
    if case is None:
        return None
    return FmscriptFile.from_parent(parent, path=file_path, case=case)


def _case_name(config: pytest.Config, path: Path) -> str:
    try:
        return path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return path.as_posix()


class FmscriptFile(pytest.File):
    def __init__(self, *, case: Case, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.case = case

    def collect(self) -> list[FmscriptItem]:
        return [FmscriptItem.from_parent(self, name=self.path.stem, case=self.case)]


class CaseFailed(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.message)
        self.result = result


class FmscriptItem(pytest.Item):
    def __init__(self, *, case: Case, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.case = case

    def runtest(self) -> None:
        from fmscript.cli.testing.runner import RunnerOptions, run_case
        from fmscript.settings import Settings

        home_option = self.config.getoption("fmscript_home")
        home = Path(home_option) if home_option else None
        options = RunnerOptions(
            home=home,
            models_home=home or Settings.from_env().home,  # the plugin is an edge: it reads the environment
            update_golden=bool(self.config.getoption("fmscript_update_golden")),
        )
        result = run_case(self.case, options)
        if result.status == "skipped":
            pytest.skip(result.message)
        if result.status == "failed":
            raise CaseFailed(result)

    def repr_failure(self, excinfo: ExceptionInfo[BaseException], style: object = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, CaseFailed):
            result = excinfo.value.result
            return "\n".join(part for part in (f"{result.id}: {result.message}", result.details) if part)
        return super().repr_failure(excinfo)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"fmscript case {self.case.id}"
