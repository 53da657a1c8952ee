"""The Accounts steps (Claris "Accounts script steps"): Add Account, Delete Account, Reset Account
Password, Change Password, Enable Account, Re-Login — over ``fmscript.data.accounts``."""

from __future__ import annotations

from fmscript.calc import values as V
from fmscript.steps.state import StepContext
from fmscript.syntax import ast


def _text(ctx: StepContext, step: ast.Step, key: str) -> str:
    value = step.opt(key)
    if isinstance(value, ast.Calc):
        return V.to_text(ctx.evaluator.evaluate(value))
    return str(value or "")


def add_account(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.accounts.add(
        _text(ctx, step, "account_name"),
        _text(ctx, step, "password"),
        _text(ctx, step, "privilege_set") or "[Read-Only Access]",
        expire=bool(step.opt("expire")),
    )


def delete_account(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.accounts.delete(_text(ctx, step, "account_name"))


def reset_account_password(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.accounts.reset_password(
        _text(ctx, step, "account_name"), _text(ctx, step, "new_password"), expire=bool(step.opt("expire"))
    )


def change_password(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.accounts.change_password(_text(ctx, step, "old_password"), _text(ctx, step, "new_password"))


def enable_account(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.accounts.enable(_text(ctx, step, "account_name"), step.opt("state", "Activate") != "Deactivate")


def re_login(ctx: StepContext, step: ast.Step) -> None:
    ctx.data.commit_records()  # Claris: Re-Login commits the open record (and an open transaction)
    file = ctx.data.file
    if file is not None and file.transaction is not None:
        file.transaction.commit(file)
    ctx.data.accounts.login(_text(ctx, step, "account_name"), _text(ctx, step, "password"))
