"""The fuzz harness: mutated samples and conformance scripts through ``fmscript check`` and
``fmscript run`` (issue 22). A finding is a Python traceback, an ``internal error`` from the CLI's
boundary, a Python class name in the output, or a case that runs past its time limit (a hang).

Run as a module — ``python -m tests.robustness.fuzz --cases 2000 --seed 7`` — it prints one JSON
line per finding and a summary line, and exits 1 when there is any. ``test_fuzz.py`` runs it in CI
with a fixed seed and a bounded number of cases. Cases run in this one process through
:func:`fmscript.cli.main` (no start-up per case); a SIGALRM per case turns a hang into a finding.
The mutations are deterministic for a seed: the same seed gives the same scripts. A ``run`` that
outlasts the limit while its script has a ``Loop`` is the script looping (a mutation deleted its
exit), as FileMaker would; any other overrun is a hang.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted(
    [*ROOT.glob("samples/*.fmscript"), *ROOT.glob("tests/conformance/scripts/*/main.fmscript")],
    key=lambda p: str(p.relative_to(ROOT)),
)
DATABASE = ROOT / "samples" / "support_qa.sql"
# Pieces that break parsers and calculations: brackets, quotes, escapes, deep or huge values.
TOKENS = [
    "[", "]", ";", '"', "“", "」", "(", ")", "¶", "\\", "\\\"", "//", "#", "/*", "*/", "::", "$$x",
    "Evaluate ( $$x )", "1e400", "-1e-400", "10 ^ 100000", "Char ( 0 )", "Let ( [ a = 1 ; ",
    "If ( 1 ; ", "JSONSetElement ( \"{}\" ; \"a\" ; 1 ; JSONNumber )", "ExecuteSQL ( \"SELECT 1\" ; \"\" ; \"\" )",
    "\u0000", "\ufeff", "\u3000", "変数を設定", "设置变量", "Loop\n", "End Loop\n", "End If\n", "Else\n",
    "Exit Loop If [ 1 ]\n", "Go to Record/Request/Page [ Next ; Exit after last: On ]\n",
    "Set Variable [ $$x ; Value: \"Evaluate ( $$x )\" ]\n", "Perform Script [ \"main\" ]\n",
    "Set Field [ Support QA::Answer ; 1 ]\n", "Commit Records/Requests [ With dialog: Off ]\n",
    "Enter Find Mode [ Pause: Off ]\n", "Perform Find [ ]\n", "Sort Records [ Restore ; With dialog: Off ]\n",
    "\n", "\r", "    ",
]  # fmt: skip
NEVER = ("Traceback (most recent call last)", "internal error", "RecursionError", "MemoryError")
PYTHON_CLASS = re.compile(r"<class '|\b(?:decimal|sqlite3|httpx\d?|openai|lark)\.[A-Z]\w+")


# A Loop step in any language (the catalogue's en/ja/zh names): a run that outlasts the limit with
# one is a script looping, not fmscript hanging.
_LOOP = re.compile(r"^\s*(?:Loop|ループ|循环)\s*$", re.M)


class Hang(BaseException):
    """Raised by SIGALRM: not an Exception, so no ``except Exception`` in fmscript swallows it."""


def mutate(text: str, rng: random.Random) -> str:
    """One to four random edits of ``text``."""
    for _ in range(rng.randint(1, 4)):
        n = len(text)
        i = rng.randrange(n + 1)
        j = min(n, i + rng.randint(0, 40))
        kind = rng.randrange(6)
        if kind == 0:  # delete a span
            text = text[:i] + text[j:]
        elif kind == 1:  # insert a token
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif kind == 2:  # repeat a span (nesting, long chains)
            text = text[:i] + text[i:j] * rng.randint(2, 60) + text[j:]
        elif kind == 3:  # swap two lines (blocks out of order)
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif kind == 4:  # truncate
            text = text[:i]
        else:  # replace a character by a random code point
            text = (
                text[:i]
                + chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x3000)]))
                + text[i + 1 :]
            )
    return text


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def alarm(_sig: int, _frame: object) -> None:
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _command(argv: list[str], limit: int) -> tuple[int | str | None, str, bool]:
    """(exit code, stdout + stderr, hung) of ``fmscript argv`` run in this process."""
    from fmscript.cli import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = None
    hung = False
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            with _time_limit(limit):
                main(argv)
        except SystemExit as exit_:
            code = exit_.code
        except Hang:
            hung = True
    return code, out.getvalue() + err.getvalue(), hung


def findings(cases: int, seed: int, limit: int = 20) -> Iterator[dict[str, object]]:
    """Run ``cases`` mutated scripts through check and run; yield each finding."""
    rng = random.Random(seed)
    seeds = [(p, p.read_text(encoding="utf-8")) for p in SEEDS]
    with tempfile.TemporaryDirectory(prefix="fmscript-fuzz-") as tmp:
        folder = Path(tmp)
        for number in range(cases):
            source, text = rng.choice(seeds)
            script = folder / "main.fmscript"
            mutated = mutate(text, rng)
            script.write_text(mutated, encoding="utf-8", errors="surrogatepass")
            with_file = ["--file", str(DATABASE)] if rng.random() < 0.5 else []
            for argv in (["check", str(script)], ["run", "--no-wait", str(script), *with_file]):
                code, output, hung = _command(argv, limit)
                if hung and argv[0] == "run" and _LOOP.search(mutated):
                    continue  # a mutation that left a Loop without its exit loops, as FileMaker would
                problem = "hang" if hung else next((n for n in NEVER if n in output), None)
                if problem is None and PYTHON_CLASS.search(output):
                    problem = "python class in output"
                if problem is None and code not in (0, 1):
                    problem = f"exit code {code!r}"
                if problem is not None:
                    yield {
                        "case": number,
                        "seed": seed,
                        "from": str(source.relative_to(ROOT)),
                        "command": argv[0],
                        "problem": problem,
                        "output": output[-1500:],
                        "script": mutated[:3000],
                    }


def environment(home: str) -> None:
    """What every case runs with: a private home, no progress bar, short network limits."""
    os.environ.update(
        FMSCRIPT_HOME=home,
        FMSCRIPT_PROGRESS="0",
        FMSCRIPT_CACHE="off",
        FMSCRIPT_URL_TIMEOUT="3",
        FMSCRIPT_REQUEST_TIMEOUT="3",
        FMSCRIPT_CONNECT_TIMEOUT="2",
        FMSCRIPT_MAX_RETRIES="0",
        HF_HUB_OFFLINE="1",
        HF_ENDPOINT="http://127.0.0.1:9",
    )
    for name in list(os.environ):
        if name.startswith("OPENAI_"):
            del os.environ[name]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--limit", type=int, default=20, help="seconds per command before it is a hang")
    args = parser.parse_args()
    found = 0
    with tempfile.TemporaryDirectory(prefix="fmscript-fuzz-home-") as home:
        environment(home)
        for finding in findings(args.cases, args.seed, args.limit):
            found += 1
            print(json.dumps(finding, ensure_ascii=False), flush=True)
    print(json.dumps({"cases": args.cases, "seed": args.seed, "findings": found}), flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
