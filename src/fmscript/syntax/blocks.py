"""Jump tables for one script's blocks: matching If / Else If / Else / End If and Loop / End Loop.

Computed once per compiled script; ``fmscript check`` reports the errors (an Else without an If,
blocks that cross) without running anything.
"""

from __future__ import annotations

import attrs

from fmscript.errors import ScriptSyntaxError, SourceSpan
from fmscript.syntax import ast


@attrs.frozen
class Blocks:
    """Jump tables for one script: matching If/Else If/Else/End If and Loop/End Loop."""

    chain: dict[int, tuple[int, ...]]  # If / Else If / Else index -> the later branch markers + End If
    end_if: dict[int, int]  # Else If / Else -> End If
    loop_end: dict[int, int]  # Loop -> End Loop
    loop_start: dict[int, int]  # End Loop -> Loop
    enclosing_loop: dict[int, int]  # step index -> innermost Loop index


def analyse_blocks(script: ast.Script) -> tuple[Blocks, list[ScriptSyntaxError]]:
    analysis = BlockAnalysis()
    for i, step in enumerate(script.steps):
        analysis.feed(i, step)
    return analysis.finish()


class BlockAnalysis:
    """:func:`analyse_blocks` one step at a time, keeping only the open blocks (what a streamed
    ``fmscript check`` needs: it never holds every step). ``tables=False``: the errors only, no
    jump tables (whose ``enclosing_loop`` has an entry per step inside a Loop)."""

    def __init__(self, tables: bool = True) -> None:
        self.tables = tables
        self.errors: list[ScriptSyntaxError] = []
        self.chain: dict[int, tuple[int, ...]] = {}
        self.end_if: dict[int, int] = {}
        self.loop_end: dict[int, int] = {}
        self.loop_start: dict[int, int] = {}
        self.enclosing: dict[int, int] = {}
        # Each open If: [if index, else-if/else indices...], with its span and whether it had an Else.
        self.ifs: list[list[int]] = []
        self.if_spans: list[SourceSpan] = []
        self.has_else: list[bool] = []
        self.loops: list[int] = []
        self.loop_spans: list[SourceSpan] = []

    def feed(self, i: int, step: ast.Step) -> None:
        if step.disabled:
            return
        ifs, loops = self.ifs, self.loops
        if loops and self.tables:
            self.enclosing[i] = loops[-1]
        name = step.name
        if name in ("Else If", "Else", "End If") and ifs and loops and loops[-1] > ifs[-1][0]:
            self._error(
                f"{name} inside a Loop that started after its If: close the Loop with End Loop first", step
            )
            if name == "End If":
                self._pop_if()
            return
        if name == "End Loop" and loops and ifs and ifs[-1][0] > loops[-1]:
            self._error(
                "End Loop inside an If that started after its Loop: close the If with End If first", step
            )
            self._pop_loop()
            return
        if name == "If":
            ifs.append([i])
            self.if_spans.append(step.span)
            self.has_else.append(False)
        elif name in ("Else If", "Else"):
            if not ifs:
                self._error(f"{name} without a matching If", step)
                return
            if self.has_else[-1]:
                self._error(f"{name} after Else in the same If", step)
            ifs[-1].append(i)
            self.has_else[-1] = self.has_else[-1] or name == "Else"
        elif name == "End If":
            if not ifs:
                self._error("End If without a matching If", step)
                return
            group = self._pop_if() + [i]
            if self.tables:
                for k, idx in enumerate(group[:-1]):
                    self.chain[idx] = tuple(group[k + 1 :])
                    if k > 0:
                        self.end_if[idx] = i
        elif name == "Loop":
            loops.append(i)
            self.loop_spans.append(step.span)
        elif name == "End Loop":
            if not loops:
                self._error("End Loop without a matching Loop", step)
                return
            start = self._pop_loop()
            if self.tables:
                self.loop_end[start] = i
                self.loop_start[i] = start

    def finish(self) -> tuple[Blocks, list[ScriptSyntaxError]]:
        for span in self.if_spans:
            self.errors.append(ScriptSyntaxError("If without a matching End If", span))
        for span in self.loop_spans:
            self.errors.append(ScriptSyntaxError("Loop without a matching End Loop", span))
        blocks = Blocks(self.chain, self.end_if, self.loop_end, self.loop_start, self.enclosing)
        return blocks, self.errors

    def _error(self, message: str, step: ast.Step) -> None:
        self.errors.append(ScriptSyntaxError(message, step.span))

    def _pop_if(self) -> list[int]:
        self.if_spans.pop()
        self.has_else.pop()
        return self.ifs.pop()

    def _pop_loop(self) -> int:
        self.loop_spans.pop()
        return self.loops.pop()
