"""Open Transaction, Commit Transaction, Revert Transaction (Claris pages of those names, 19.6.1+).

- Open Transaction commits the open record, then holds every record change (field changes, new,
  duplicated and deleted records, in any table) until Commit Transaction writes them all as one,
  or Revert Transaction throws them all away (``fmscript.data.transactions``). Open Transaction in
  a sub-script, while one is open, joins it; that sub-script's Commit Transaction then only ends
  its part (Claris: nested transactions join the originating transaction).
- Commit Transaction without an open transaction, and Revert Transaction outside one, are error 3
  ("command is unavailable"). A validation error while committing (504, 509) reverts the whole
  transaction and is the step's error.
- Revert Transaction [ Condition: … ; Error Code: … ; Error Message: … ] reverts when the condition
  is true (or absent) and continues after the matching Commit Transaction. An error code from 5000
  through 5499 becomes Get ( LastError ), the message Get ( LastErrorDetail ).
- Set Revert Transaction on Error [ On/Off ] (21.1.1): Get ( RevertTransactionOnErrorState ) is 1
  unless it was set Off; Off lasts while the script and its sub-scripts run and is On again when
  the script that set it ends (Claris page, Notes). Get ( TransactionOpenState ) is 1 inside a
  transaction. *Not done*: with Off, a step's validation error inside a transaction does not keep
  the rest — fmscript validates when the transaction commits, and a failure reverts it all.
"""

from __future__ import annotations

from fmscript.calc import values as V
from fmscript.data.transactions import Transaction
from fmscript.errors import COMMAND_UNAVAILABLE, ScriptRuntimeError
from fmscript.steps.state import StepContext
from fmscript.syntax import ast

_OPEN, _COMMIT = "Open Transaction", "Commit Transaction"


def open_transaction(ctx: StepContext, step: ast.Step) -> None:
    file = ctx.data.require_file()
    if file.transaction is None:
        try:
            ctx.data.commit_records()  # leaves the record first, renaming new records' ids
        except ScriptRuntimeError:
            # Claris "Open Transaction": when it cannot exit the active record it returns an
            # error and skips the steps in the transaction — go on after its Commit Transaction.
            end = _matching_commit(ctx, step)
            if end is not None:
                ctx.vars.frame.pc = end
            raise
    Transaction.open(file)


def commit_transaction(ctx: StepContext, step: ast.Step) -> None:
    file = ctx.data.require_file()
    transaction = file.transaction
    if transaction is None:
        raise ScriptRuntimeError("there is no open transaction to commit", code=COMMAND_UNAVAILABLE)
    if transaction.depth > 1:
        transaction.depth -= 1  # a joined (nested) transaction: the outer one commits
        return
    try:
        mapping = transaction.commit(file)
    except ScriptRuntimeError:
        _after_revert(ctx)
        raise
    for fs in ctx.data.found_sets.values():
        fs.rename_ids(mapping)


def revert_transaction(ctx: StepContext, step: ast.Step) -> int | None:
    condition = step.opt("condition")
    if condition is not None and not V.to_bool(ctx.evaluator.evaluate(condition)):
        return None
    file = ctx.data.require_file()
    if file.transaction is None:
        raise ScriptRuntimeError(
            "Revert Transaction is only allowed inside a transaction", code=COMMAND_UNAVAILABLE
        )
    file.transaction.revert(file)
    _after_revert(ctx)
    code = _error_code(ctx, step)
    if code is not None:
        message = step.opt("error_message")
        text = V.to_text(ctx.evaluator.evaluate(message)) if message is not None else ""
        ctx.errors.quiet = (code, text)
    end = _matching_commit(ctx, step)
    return None if end is None else end + 1


def set_revert_transaction_on_error(ctx: StepContext, step: ast.Step) -> None:
    ctx.vars.frame.revert_on_error = bool(step.opt("state"))


def revert_on_error_state(ctx: StepContext) -> bool:
    """Set Revert Transaction on Error of the innermost script that set it (default On)."""
    for frame in reversed(ctx.vars.frames):
        if frame.revert_on_error is not None:
            return frame.revert_on_error
    return True


def _error_code(ctx: StepContext, step: ast.Step) -> int | None:
    calc = step.opt("error_code")
    if calc is None:
        return None
    n = V.to_number(ctx.evaluator.evaluate(calc))
    return int(n) if n is not None and 5000 <= n <= 5499 else None


def _after_revert(ctx: StepContext) -> None:
    """Records the transaction created are gone: drop them from every found set."""
    file = ctx.data.require_file()
    by_table: dict[str, set[int]] = {}
    for fs in ctx.data.found_sets.values():
        alive = by_table.get(fs.table)
        if alive is None:
            alive = by_table[fs.table] = set(file.record_ids(fs.table))
        gone = [rid for rid in fs.ids if rid not in alive]
        fs.remove_records(gone)


def _matching_commit(ctx: StepContext, step: ast.Step) -> int | None:
    """Index of the Commit Transaction that closes the transaction this step is in (None: this
    script has none after it — a sub-script reverting its caller's transaction)."""
    frame = ctx.vars.frame
    steps = frame.script.steps
    depth = 0
    for i in range(frame.pc + 1, len(steps)):
        s = steps[i]
        if s.disabled:
            continue
        if s.name == _OPEN:
            depth += 1
        elif s.name == _COMMIT:
            if depth == 0:
                return i
            depth -= 1
    return None
