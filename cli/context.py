"""What every command gets: the parsed arguments, who acts (``--user``) and the database."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cli.errors import CliError
from controllers import unit_of_work
from controllers.actor import SYSTEM, Actor
from controllers.infra.database_setup import Database, open_database

ENV_PASSWORD = "RECTIFY_PASSWORD"

T = TypeVar("T")


def read_secret(env_var: str, prompt: str, *, confirm: bool = False) -> str:
    """A password from an environment variable, else typed at the terminal (never echoed)."""
    value = os.environ.get(env_var)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"请在环境变量 {env_var} 中提供密码，或在终端中运行以输入密码 / "
                       f"set {env_var} or run in a terminal to type the password")  # fmt: skip
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("再输入一次 / again: ") != value:
        raise CliError("两次输入的密码不一致 / the two passwords differ")
    return value


@dataclass
class CommandContext:
    args: argparse.Namespace
    actor: Actor = SYSTEM
    must_change_password: bool = False
    _db: Database | None = field(default=None, repr=False)

    def sign_in(self) -> None:
        """``--user NAME``: sign in (password from RECTIFY_PASSWORD or a prompt); the command
        then acts as that clerk, with their role, unit and audit trail."""
        username = getattr(self.args, "user", None)
        if not username:
            return
        from controllers.auth.database_login import sign_in_database

        password = read_secret(ENV_PASSWORD, f"{username} 的密码 / password: ")
        db = self.database()
        account_db, result = sign_in_database(db, username, password)
        if account_db is not db:  # secured PostgreSQL: the clerk's own database role
            db.dispose()
            self._db = account_db
        self.actor = result.actor
        self.must_change_password = result.must_change_password

    def require_person(self) -> Actor:
        """The signed-in clerk; once accounts exist, commands acting for a person need one."""
        if self.actor is SYSTEM:
            from controllers.auth import has_accounts

            if self.call(has_accounts):
                raise CliError(
                    "此命令需要以用户身份运行：python main.py --user 用户名 …"
                    "（密码取自环境变量 RECTIFY_PASSWORD 或在提示时输入）/ "
                    "this command needs --user NAME"
                )
        return self.actor

    def run(self, use_case: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``use_case(session, actor, *args)`` for the signed-in clerk as one unit of work."""
        return unit_of_work.run(self.database(), self.actor, use_case, *args, **kwargs).value

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function(session, *args)`` (a read, or a use case given its actor) as one
        unit of work."""
        return unit_of_work.call(self.database(), function, *args, **kwargs).value

    def database(self, *, migrate: bool = True) -> Database:
        """The database in force (``--db`` > ``RECTIFY_DB_URL`` > default), schema upgraded."""
        if self._db is None:
            self._db = open_database(self.args.db, migrate=migrate).database
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None
