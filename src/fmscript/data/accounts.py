"""The file's accounts, as the Accounts steps see them (Add Account, Delete Account, Reset Account
Password, Change Password, Enable Account, Re-Login).

Claris pages followed: account names are unique (case-insensitive); the [Full Access] privilege
set cannot be given by Add Account; Re-Login switches the account the file is used with (Get (
AccountName ), Get ( AccountPrivilegeSetName )); a wrong account name or password is error 212
("invalid user account and/or password"); Change Password needs the current account's password.

*Choice*: a run starts with the file's one account, ``Admin`` with [Full Access] and no password
(a new FileMaker file's default); accounts live for the run (a SQLite file has no FileMaker
security schema to keep them in). Passwords are kept as SHA-256 digests, never as text.
"""

from __future__ import annotations

import hashlib

import attrs

from fmscript.errors import (
    ACCOUNT_MISSING,
    COMMAND_UNAVAILABLE,
    INVALID_LOGIN,
    NAME_EXISTS,
    NAME_INVALID,
    ScriptRuntimeError,
)

FULL_ACCESS = "[Full Access]"
PRIVILEGE_SETS = (FULL_ACCESS, "[Data Entry Only]", "[Read-Only Access]")


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


@attrs.define
class Account:
    name: str
    digest: str
    privilege_set: str
    active: bool = True
    expire_password: bool = False


@attrs.define
class Accounts:
    accounts: dict[str, Account] = attrs.field(
        factory=lambda: {"admin": Account("Admin", _digest(""), FULL_ACCESS)}
    )
    current: str = "admin"

    @property
    def account(self) -> Account:
        return self.accounts[self.current]

    def _get(self, name: str) -> Account:
        account = self.accounts.get(name.casefold())
        if account is None:
            raise ScriptRuntimeError(f"there is no account {name!r}", code=ACCOUNT_MISSING)
        return account

    def add(self, name: str, password: str, privilege_set: str, *, expire: bool) -> None:
        if not name.strip():
            raise ScriptRuntimeError("an account needs a name", code=NAME_INVALID)
        if name.casefold() in self.accounts:
            raise ScriptRuntimeError(f"the account {name!r} exists already", code=NAME_EXISTS)
        if privilege_set.casefold() == FULL_ACCESS.casefold():
            raise ScriptRuntimeError(
                "Add Account cannot give the [Full Access] privilege set", code=COMMAND_UNAVAILABLE
            )
        self.accounts[name.casefold()] = Account(
            name, _digest(password), privilege_set, expire_password=expire
        )

    def delete(self, name: str) -> None:
        account = self._get(name)
        full = [a for a in self.accounts.values() if a.privilege_set == FULL_ACCESS and a.active]
        if account.name.casefold() == self.current or (
            account.privilege_set == FULL_ACCESS and len(full) <= 1
        ):
            raise ScriptRuntimeError(f"the account {name!r} cannot be deleted", code=COMMAND_UNAVAILABLE)
        del self.accounts[account.name.casefold()]

    def reset_password(self, name: str, password: str, *, expire: bool) -> None:
        account = self._get(name)
        account.digest, account.expire_password = _digest(password), expire

    def change_password(self, old: str, new: str) -> None:
        account = self.account
        if account.digest != _digest(old):
            raise ScriptRuntimeError("the old password is not right", code=ACCOUNT_MISSING)
        account.digest, account.expire_password = _digest(new), False

    def enable(self, name: str, active: bool) -> None:
        self._get(name).active = active

    def login(self, name: str, password: str) -> None:
        account = self.accounts.get(name.casefold())
        if account is None or not account.active or account.digest != _digest(password):
            raise ScriptRuntimeError(f"cannot log in as {name!r}", code=INVALID_LOGIN)
        self.current = account.name.casefold()
