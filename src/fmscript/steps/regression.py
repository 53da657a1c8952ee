"""Configure Regression Model (ja 回帰モデルを構成, zh 配置回归模型; FileMaker 22.0).

Claris "Configure Regression Model": trains, saves, loads and unloads a regression model; the
models live in memory for the session under their Model Name (case-sensitive, as PredictFromModel
reads it) until unloaded. The algorithm is in ``ai/regression.py`` (Random Forest, the only one
22.0 provides).

- **Train**: each record's Training Vectors Field (a JSON array of numbers, or embedding container
  data) is one example, its Training Target Field the number to predict. The records are the
  current found set when the fields are the layout's table's, else every record of their table
  (*choice*). A record whose vector or target is empty or invalid (not a vector, another length
  than the first, a target that is no number) is skipped with *Skip empty or invalid records*;
  without it the records after it are left out and the step returns an error (10 when empty, 509
  when invalid — fmscript's codes: the page names none) after training on the records before it.
  Parameters is a JSON object of the algorithm's keys. With Save Model To the model is saved too.
- **Save**: the model as container data into Save Model To (a variable or a field).
- **Load**: a saved model from Load Model From, under Model Name (replacing one of that name).
- **Unload**: frees the model; a name not in memory is no error.

Errors: no Model Name → 11; Save of a model not in memory → 10; Save without Save Model To,
Save Model To a field that is no container field (it keeps its data) or Train without both
fields → 5; a vector with NaN/Infinity or a target beyond a double is invalid (509); Load from an empty source → 10, from data that is no saved model
→ 509; bad Parameters → 5 (not JSON) or 14 (a value out of range); numpy missing → 3.
"""

from __future__ import annotations

import math
from decimal import Decimal

from fmscript.ai.regression import Forest, RegressionError, from_bytes, parse_params, to_bytes, train
from fmscript.calc import values as V
from fmscript.calc.functions.vectors import vector_of
from fmscript.data.schema import FieldType
from fmscript.errors import (
    COMMAND_INVALID,
    COMMAND_UNAVAILABLE,
    DATA_MISSING,
    NAME_INVALID,
    OUT_OF_RANGE,
    VALUE_INVALID,
    ScriptRuntimeError,
)
from fmscript.steps.state import StepContext
from fmscript.steps.variables import write_target
from fmscript.syntax import ast


def configure_regression_model(ctx: StepContext, step: ast.Step) -> None:
    action = step.opt("action", "Train")
    calc = step.opt("model_name")
    name = V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else ""
    if not name:
        raise ScriptRuntimeError("Configure Regression Model needs a Model Name", code=NAME_INVALID)
    models = ctx.ai.regression_models
    if action == "Unload":
        models.pop(name, None)
    elif action == "Load":
        models[name] = _load(ctx, step)
    elif action == "Save":
        model = models.get(name)
        if model is None:
            raise ScriptRuntimeError(f"no regression model {name!r} is in memory", code=DATA_MISSING)
        _save(ctx, step, model, required=True)
    else:
        _train(ctx, step, name)


def _save(ctx: StepContext, step: ast.Step, model: Forest, *, required: bool) -> None:
    target: ast.Target | None = step.opt("save_to")
    if target is None:
        if required:
            raise ScriptRuntimeError("Save needs Save Model To", code=COMMAND_INVALID)
        return
    if target.kind == "field":
        # Claris: Save Model To is "the variable or container field" — a text or number field
        # keeps what it holds (the model is not written over other data); error 5.
        table, field = ctx.data.resolve_field(target.table, target.field or "")
        if ctx.data.require_file().field(table, field).type is not FieldType.CONTAINER:
            raise ScriptRuntimeError(
                f"Save Model To: {table}::{field} is not a container field", code=COMMAND_INVALID
            )
    write_target(ctx, target, to_bytes(model))


def _load(ctx: StepContext, step: ast.Step) -> Forest:
    source: ast.Target | None = step.opt("load_from")
    if source is None:
        raise ScriptRuntimeError("Load needs Load Model From", code=COMMAND_INVALID)
    if source.kind == "variable":
        data = ctx.vars.get(source.name)
    else:
        data = ctx.data.get_field(source.table, source.field or "")
    if data == "":
        raise ScriptRuntimeError(f"{source.name} is empty: no model to load", code=DATA_MISSING)
    if not isinstance(data, bytes):
        raise ScriptRuntimeError(f"{source.name} holds no saved regression model", code=VALUE_INVALID)
    try:
        return from_bytes(data)
    except RegressionError as e:
        raise ScriptRuntimeError(str(e), code=VALUE_INVALID) from None


def _field(ctx: StepContext, step: ast.Step, key: str, label: str) -> tuple[str, str]:
    target: ast.Target | None = step.opt(key)
    if target is None or target.kind != "field":
        raise ScriptRuntimeError(f"Train needs {label}", code=COMMAND_INVALID)
    return ctx.data.resolve_field(target.table, target.field or "")


def _train(ctx: StepContext, step: ast.Step, name: str) -> None:
    table, vectors_field = _field(ctx, step, "vectors_field", "a Training Vectors Field")
    target_table, target_field = _field(ctx, step, "target_field", "a Training Target Field")
    if target_table != table:
        raise ScriptRuntimeError(
            "the Training Vectors Field and Training Target Field must be of one table", code=COMMAND_INVALID
        )
    calc = step.opt("parameters")
    try:
        params = parse_params(V.to_text(ctx.evaluator.evaluate(calc)) if calc is not None else "")
    except RegressionError as e:
        code = OUT_OF_RANGE if "must be from" in str(e) else COMMAND_INVALID
        raise ScriptRuntimeError(str(e), code=code) from None
    data = ctx.data
    file = data.require_file()
    ids = data.found_set().ids if data.layout is not None and data.current_table() == table else None
    rows: list[list[float]] = []
    targets: list[float] = []
    problem: tuple[int, str] | None = None
    for raw_vector, raw_target in file.iter_records(table, [vectors_field, target_field], ids):
        bad = _example(raw_vector, raw_target, rows)
        if bad is None:
            rows.append(vector_of(raw_vector))  # type: ignore[arg-type]  # checked by _example
            targets.append(float(V.to_number(raw_target) or 0))
        elif not step.opt("skip_invalid"):
            problem = bad
            break
    if rows:
        try:
            model = train(rows, targets, params)
        except RegressionError as e:
            raise ScriptRuntimeError(str(e), code=COMMAND_UNAVAILABLE) from None
        ctx.ai.regression_models[name] = model
        _save(ctx, step, model, required=False)
    if problem is not None:
        raise ScriptRuntimeError(problem[1], code=problem[0])
    if not rows:
        raise ScriptRuntimeError("no records with a training vector and a target", code=DATA_MISSING)


def _example(vector: V.Value, target: V.Value, rows: list[list[float]]) -> tuple[int, str] | None:
    """Why a record is no training example ((error code, message)), or None when it is one."""
    if vector == "" or target == "":
        return DATA_MISSING, "a record's training vector or target is empty"
    v = vector_of(vector)
    if v is None or (rows and len(v) != len(rows[0])):
        return VALUE_INVALID, "a record's training vector is not a vector of the others' length"
    number = target if isinstance(target, Decimal) else V.to_number(target)
    if number is None or not math.isfinite(float(number)):  # 1e400: beyond what a forest holds
        return VALUE_INVALID, "a record's training target is not a number"
    return None
