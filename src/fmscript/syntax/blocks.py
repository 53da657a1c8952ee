"""Jump tables for one script's blocks: matching If / Else If / Else / End If and Loop / End Loop.

Computed once per compiled script; ``fmscript check`` reports the errors (an Else without an If,
blocks that cross) without running anything.
"""

from __future__ import annotations

import attrs

from fmscript.errors import ScriptSyntaxError
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
    errors: list[ScriptSyntaxError] = []
    chain: dict[int, tuple[int, ...]] = {}
    end_if: dict[int, int] = {}
    loop_end: dict[int, int] = {}
    loop_start: dict[int, int] = {}
    enclosing: dict[int, int] = {}
    ifs: list[list[int]] = []  # each open If: [if index, else-if/else indices...]
    loops: list[int] = []
    for i, step in enumerate(script.steps):
        if step.disabled:
            continue
        if loops:
            enclosing[i] = loops[-1]
        name = step.name
        if name in ("Else If", "Else", "End If") and ifs and loops and loops[-1] > ifs[-1][0]:
            errors.append(
                ScriptSyntaxError(
                    f"{name} inside a Loop that started after its If: close the Loop with End Loop first",
                    step.span,
                )
            )
            if name == "End If":
                ifs.pop()
            continue
        if name == "End Loop" and loops and ifs and ifs[-1][0] > loops[-1]:
            errors.append(
                ScriptSyntaxError(
                    "End Loop inside an If that started after its Loop: close the If with End If first",
                    step.span,
                )
            )
            loops.pop()
            continue
        if name == "If":
            ifs.append([i])
        elif name in ("Else If", "Else"):
            if not ifs:
                errors.append(ScriptSyntaxError(f"{name} without a matching If", step.span))
                continue
            if any(script.steps[j].name == "Else" for j in ifs[-1][1:]):
                errors.append(ScriptSyntaxError(f"{name} after Else in the same If", step.span))
            ifs[-1].append(i)
        elif name == "End If":
            if not ifs:
                errors.append(ScriptSyntaxError("End If without a matching If", step.span))
                continue
            group = ifs.pop() + [i]
            for k, idx in enumerate(group[:-1]):
                chain[idx] = tuple(group[k + 1 :])
                if k > 0:
                    end_if[idx] = i
        elif name == "Loop":
            loops.append(i)
        elif name == "End Loop":
            if not loops:
                errors.append(ScriptSyntaxError("End Loop without a matching Loop", step.span))
                continue
            start = loops.pop()
            loop_end[start] = i
            loop_start[i] = start
    for group in ifs:
        errors.append(ScriptSyntaxError("If without a matching End If", script.steps[group[0]].span))
    for start in loops:
        errors.append(ScriptSyntaxError("Loop without a matching End Loop", script.steps[start].span))
    return Blocks(chain, end_if, loop_end, loop_start, enclosing), errors
