"""The core's contracts are typed (issue 19): every calculation function takes the
``CalcContext`` protocol (lazy ones also ``LazyArgs``), every step handler ``(StepContext, Step)``.
mypy cannot see an explicit ``Any``; this test does."""

from __future__ import annotations

import inspect

import pytest

from fmscript.calc.functions.registry import FUNCTIONS, load_all
from fmscript.syntax.catalogue import STEPS, resolve

load_all()


@pytest.mark.parametrize("spec", sorted(FUNCTIONS.values(), key=lambda s: s.name), ids=lambda s: s.name)
def test_a_calc_function_takes_the_calc_context(spec) -> None:  # type: ignore[no-untyped-def]
    params = list(inspect.signature(spec.impl).parameters.values())
    assert params[0].annotation == "CalcContext", spec.impl
    if spec.lazy:  # (ctx, lazy_args, *argument nodes)
        assert params[1].annotation == "LazyArgs", spec.impl
        assert all(p.annotation in ("ast.Expr", "ast.Expr | None") for p in params[2:]), spec.impl
    else:
        assert all(p.annotation != "Any" for p in params[1:]), spec.impl


@pytest.mark.parametrize("spec", [s for s in STEPS if s.handler], ids=lambda s: s.name)
def test_a_handler_takes_the_step_context(spec) -> None:  # type: ignore[no-untyped-def]
    handler = resolve(spec.handler)
    params = list(inspect.signature(handler).parameters.values())  # type: ignore[arg-type]
    assert [p.annotation for p in params] == ["StepContext", "ast.Step"], spec.handler
