"""Who is at the keyboard, before the main window opens.

A new database first asks for its administrator; a clerk who chose to stay signed in (SQLite
only) goes straight in; everyone else signs in, and changes the password first when required.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QWidget

from controllers.actor import SYSTEM, Actor
from controllers.auth import change_own_password, create_user, has_accounts, sign_in
from controllers.auth.database_login import sign_in_database
from controllers.auth.remember import (
    TokenStore,
    issue_token,
    remember_allowed,
    sign_in_with_token,
)
from controllers.demo.accounts import demo_sign_in_hint
from controllers.infra.database_setup import Database, sqlite_path
from controllers.unit_of_work import call, run
from models.codes import Role
from ui.login_dialog import ChangePasswordDialog, FirstAdminDialog, LoginDialog
from ui.main_window_preload import preload_while_idle

logger = logging.getLogger(__name__)

#: runs a modal dialog; tests hand in one that fills the fields instead of waiting for a person
ExecDialog = Callable[[QDialog], int]


@dataclass
class SignedIn:
    database: Database  # on a secured PostgreSQL server: the clerk's own connection
    actor: Actor


def database_key(db: Database) -> str:
    """How the token store names a database (its file, or its URL without the password)."""
    path = sqlite_path(db.engine.url)
    if path is not None:
        return str(path.resolve())
    return db.engine.url.render_as_string(hide_password=True)


def _sign_in_facts(session) -> tuple[bool, bool, str | None]:
    """(any accounts yet, may stay signed in, the demo's sign-in hint)."""
    accounts = has_accounts(session)
    remember_ok = remember_allowed(session)
    return accounts, remember_ok, demo_sign_in_hint(session) if accounts and remember_ok else None


def _exec(dialog: QDialog) -> int:
    return dialog.exec()


def sign_in_interactively(
    database: Database, parent: QWidget | None = None, *, exec_dialog: ExecDialog = _exec,
    store: TokenStore | None = None, switching: bool = False,
    opening: LoginDialog | None = None,
) -> SignedIn | None:  # fmt: skip
    """The sign-in of the desktop application; None when the clerk gave up.

    ``switching`` (文件 → 注销 / 切换用户): the stay-signed-in token of this computer is dropped
    and the dialog starts with an empty user name. ``opening`` is the login dialog already
    shown while the database opened (``LoginDialog.opening``): it is used, or closed when no
    password is asked for.
    """
    try:
        return _sign_in(database, parent, exec_dialog, store, switching, opening)
    finally:
        if opening is not None and opening.isVisible():
            opening.close()


def _sign_in(database: Database, parent: QWidget | None, exec_dialog: ExecDialog,
             store: TokenStore | None, switching: bool,
             opening: LoginDialog | None) -> SignedIn | None:  # fmt: skip
    accounts, remember_ok, hint = call(database, _sign_in_facts).value
    if not accounts:
        if opening is not None:
            opening.close()
        return _first_administrator(database, parent, exec_dialog)
    store = store or TokenStore()
    key = database_key(database)
    if switching:
        store.remove(key)
    elif remember_ok:
        token = store.get(key)
        if token:
            remembered = call(database, sign_in_with_token, token).value
            if remembered is not None:
                return SignedIn(database, remembered.actor)
            store.remove(key)

    def attempt(name: str, password: str, _remember: bool):
        return sign_in_database(database, name, password)

    settings = QSettings()
    if opening is not None and not switching:
        dialog = opening
        dialog.attach(attempt, database_label=database.info.display, allow_remember=remember_ok,
                      hint=hint)  # fmt: skip
    else:
        dialog = LoginDialog(attempt, database_label=database.info.display,
                             allow_remember=remember_ok, hint=hint, parent=parent,
                             username="" if switching else str(settings.value("Login/username", "")))  # fmt: skip
    preload_while_idle()  # the main window's modules, while the clerk types
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    db, result = dialog.result_value
    settings.setValue("Login/username", result.actor.username)
    if result.must_change_password and not _change_password(db, result.actor, parent, exec_dialog):
        if db is not database:
            db.dispose()
        return None
    if remember_ok and dialog.remember.isChecked():
        store.put(key, call(db, issue_token, result.actor.user_id).value)
    return SignedIn(db, result.actor)


def _first_administrator(database: Database, parent: QWidget | None,
                         exec_dialog: ExecDialog) -> SignedIn | None:  # fmt: skip
    def create(username: str, display_name: str, password: str):
        run(database, SYSTEM, create_user, username, Role.ADMIN, display_name=display_name,
            password=password, must_change_password=False)  # fmt: skip
        return call(database, sign_in, username, password).value

    dialog = FirstAdminDialog(create, parent)
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    return SignedIn(database, dialog.result_value.actor)


def _change_password(db: Database, actor: Actor, parent: QWidget | None,
                     exec_dialog: ExecDialog) -> bool:  # fmt: skip
    def change(old: str, new: str) -> None:
        run(db, actor, change_own_password, old, new)

    return exec_dialog(ChangePasswordDialog(change, required=True, parent=parent)) == (
        QDialog.DialogCode.Accepted
    )


def change_password_dialog(db: Database, actor: Actor, parent: QWidget | None) -> None:
    """文件 → 修改密码…"""

    def change(old: str, new: str) -> None:
        run(db, actor, change_own_password, old, new)

    ChangePasswordDialog(change, required=False, parent=parent).open()
