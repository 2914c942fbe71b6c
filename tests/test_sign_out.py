"""文件 → 注销 / 切换用户, and a login box that lets another clerk type a user name."""

import argparse

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from controllers.auth.remember import TokenStore
from controllers.demo.accounts import DEMO_PASSWORD
from models import AuditEntry
from models.database import Database, make_engine
from ui.app import run_gui
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.sign_in import database_key

pytestmark = pytest.mark.gui


def _attempts():
    calls = []

    def attempt(name, password, remember):
        calls.append(name)
        return "ok"

    return calls, attempt


def test_remembered_user_waits_in_the_password_field_and_is_easy_to_change(app, qtbot):
    calls, attempt = _attempts()
    dialog = LoginDialog(attempt, database_label="SQLite：x.db", allow_remember=False,
                         username="lingshou")  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password)
    assert dialog.username.text() == "lingshou"
    assert dialog.switch_user.isVisible()
    # 切换用户: the name is emptied and the cursor moves there; typing goes into the name
    qtbot.mouseClick(dialog.switch_user, Qt.MouseButton.LeftButton)
    assert dialog.username.text() == ""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)
    qtbot.keyClicks(QApplication.focusWidget(), "city")
    assert dialog.username.text() == "city"
    assert dialog.password.text() == ""
    assert not dialog.switch_user.isVisible()
    # Alt+U (the label's shortcut) selects the whole name: typing replaces it
    dialog.password.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password)
    dialog.username.setFocus(Qt.FocusReason.ShortcutFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)
    qtbot.keyClicks(dialog.username, "leader")
    assert dialog.username.text() == "leader"
    assert calls == []  # nothing was attempted on the way


def test_no_switch_button_without_a_remembered_user(app, qtbot):
    _calls, attempt = _attempts()
    dialog = LoginDialog(attempt, database_label="SQLite：x.db", allow_remember=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.switch_user.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.username)


def test_sign_out_returns_to_the_login_and_another_clerk_signs_in(app, qtbot, demo_url):
    """run_gui: lingshou signs in (staying signed in), signs out from the 文件 menu; the login
    box comes back empty (the token is gone) and 'city' signs in without a failed attempt."""
    seen = []
    store = TokenStore()

    def drive():
        modal = QApplication.activeModalWidget()
        if isinstance(modal, LoginDialog):
            if not seen:
                seen.append(("login", modal.username.text()))
                modal.username.setText("lingshou")
                modal.password.setText(DEMO_PASSWORD)
                modal.remember.setChecked(True)
                modal.submit()
            elif seen[-1][0] == "token":  # after signing out
                seen.append(("login", modal.username.text(), modal.switch_user.isVisible()))
                modal.username.setText("city")
                modal.password.setText(DEMO_PASSWORD)
                modal.submit()
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]  # fmt: skip
        if windows:
            window = windows[0]
            user = window.user_label.text()
            if seen[-1][0] == "login":
                seen.append(("window", user))
                if "lingshou" in user or "赵灵寿" in user:
                    seen.append(("token", bool(store.get(database_key(window.ctx.database)))))
                    action = next(a for a in window.file_menu.actions()
                                  if a.objectName() == "signOut")  # fmt: skip
                    assert action.text() == "注销 / 切换用户(&U)…"
                    assert action.shortcut().toString() == "Ctrl+Shift+L"
                    action.trigger()
                else:
                    window.close()
                    return
        QTimer.singleShot(50, drive)

    QTimer.singleShot(50, drive)
    assert run_gui(argparse.Namespace(db=demo_url, demo_if_empty=False)) == 0
    assert seen[0] == ("login", "")
    assert seen[1] == ("window", "用户：赵灵寿（县区业务员）")
    assert seen[2] == ("token", True)
    assert seen[3] == ("login", "", False)  # switching: an empty name, the cursor in it
    assert seen[4][0] == "window"
    assert "市级业务员" in seen[4][1]
    db = Database.from_engine(make_engine(demo_url))
    try:
        with db.session() as s:
            rows = s.execute(select(AuditEntry.action, AuditEntry.username)
                             .order_by(AuditEntry.id)).all()  # fmt: skip
            assert store.get(database_key(db)) is None  # signing out forgets "stay signed in"
    finally:
        db.dispose()
    actions = [(a, u) for a, u in rows if a in ("login", "logout", "login_failed")]
    assert actions[-4:] == [
        ("login", "lingshou"), ("logout", "lingshou"), ("login", "city"), ("logout", "city"),
    ]  # fmt: skip


def test_the_application_has_its_icon(app):
    icon = app.windowIcon()
    assert not icon.isNull()
    assert icon.pixmap(32, 32).width() == 32
