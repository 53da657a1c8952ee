"""Render parsed steps and values as plain JSON-able data, so conformance files can assert them."""

from __future__ import annotations

from typing import Any

from fmscript.syntax import ast


def describe_value(value: Any) -> Any:
    if isinstance(value, ast.Calc):
        return f"calc:{value.text}"
    if isinstance(value, ast.Target):
        return f"{value.kind}:{value.name}"
    if isinstance(value, tuple) and value and isinstance(value[0], ast.FindRequest):
        return [{"omit": r.omit, "criteria": [f"{name}: {c}" for name, c in r.criteria]} for r in value]
    if isinstance(value, tuple):
        return [describe_value(v) for v in value]
    return value


def describe_step(step: ast.Step) -> dict[str, Any]:
    out: dict[str, Any] = {"name": step.name, "line": step.span.line}
    if step.name == "#":
        out["comment"] = step.comment
    if step.disabled:
        out["disabled"] = True
    out["options"] = {k: describe_value(v) for k, v in step.options.items()}
    return out
