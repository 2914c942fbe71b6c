"""Signing in with real widgets: login dialog, first administrator, forced password change,
"stay signed in", the idle lock, and what each role's main window shows."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox
from sqlalchemy import select

from controllers.actor import SYSTEM
from controllers.auth import create_user, sign_in
from controllers.auth.remember import TokenStore
from controllers.demo.accounts import DEMO_PASSWORD
from controllers.unit_of_work import call
from models import AuditEntry, User
from models.codes import Role
from ui.context import AppContext
from ui.lock_screen import IdleLock
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.sign_in import sign_in_interactively

pytestmark = pytest.mark.gui


def driver(*steps):
    """An exec_dialog that plays the clerk: each step fills one dialog and submits it."""
    remaining = list(steps)

    def run(dialog: QDialog) -> int:
        step = remaining.pop(0)
        if step is None:
            return QDialog.DialogCode.Rejected
        step(dialog)
        dialog.submit()
        return dialog.result()

    run.remaining = remaining
    return run


def fill(**fields):
    def step(dialog):
        for name, value in fields.items():
            widget = getattr(dialog, name)
            if isinstance(value, bool):
                widget.setChecked(value)
            else:
                widget.setText(value)

    return step


def test_login_dialog_shows_why_and_keeps_the_username(app, qtbot):
    attempts = []

    def attempt(name, password, remember):
        attempts.append((name, password, remember))
        if password != "Right-Pass-1":
            from controllers.auth import LoginFailed

            raise LoginFailed("用户名或密码不正确。再输错 4 次账户将被锁定 5 分钟。")
        return "ok"

    dialog = LoginDialog(attempt, database_label="SQLite：/tmp/x.db", allow_remember=False)
    qtbot.addWidget(dialog)
    dialog.open()
    assert not dialog.remember.isVisible()  # only on the single-machine SQLite default
    qtbot.keyClicks(dialog.username, "zhang")
    qtbot.keyClicks(dialog.password, "wrong")
    dialog.submit()
    assert dialog.message.isVisible()
    assert "再输错 4 次" in dialog.message.text()
    assert dialog.password.text() == ""
    assert dialog.username.text() == "zhang"
    assert dialog.result() != QDialog.DialogCode.Accepted
    qtbot.keyClicks(dialog.password, "Right-Pass-1")
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_value == "ok"
    assert attempts[-1] == ("zhang", "Right-Pass-1", False)


def test_first_start_of_a_new_database_asks_for_the_administrator(app, sqlite_db, tmp_path):
    run = driver(
        fill(username="chief", display_name="王管理", password="Guanli-Mima-1", confirm="x"),
    )
    # mismatched confirmation: the dialog stays open with a message
    dialog_seen = {}

    def exec_dialog(dialog):
        dialog_seen["d"] = dialog
        run(dialog)
        assert "不一致" in dialog.message.text()
        dialog.confirm.setText("Guanli-Mima-1")
        dialog.submit()
        return dialog.result()

    signed = sign_in_interactively(sqlite_db, exec_dialog=exec_dialog,
                                   store=TokenStore(tmp_path / "t.json"))  # fmt: skip
    assert signed is not None
    assert (signed.actor.username, signed.actor.role) == ("chief", Role.ADMIN)
    with sqlite_db.session() as s:
        user = s.scalar(select(User).where(User.username == "chief"))
        assert user.display_name == "王管理"
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions == ["user_add", "login"]


def _clerk(db, username="zhang", must_change=True):
    with db.session() as s:
        create_user(s, SYSTEM, "chief", Role.ADMIN, password="Guanli-Mima-1",
                    must_change_password=False)  # fmt: skip
        create_user(s, SYSTEM, username, Role.COUNTY_CLERK, unit="灵寿县",
                    password="Chushi-Mima-1", must_change_password=must_change)  # fmt: skip
        s.commit()


def test_first_sign_in_requires_a_new_password_then_stays_signed_in(app, sqlite_db, tmp_path):
    _clerk(sqlite_db)
    store = TokenStore(tmp_path / "signed_in.json")
    run = driver(
        fill(username="zhang", password="Chushi-Mima-1", remember=True),
        fill(old="Chushi-Mima-1", new="Xin-Mima-2026", confirm="Xin-Mima-2026"),
    )
    signed = sign_in_interactively(sqlite_db, exec_dialog=run, store=store)
    assert signed is not None
    assert signed.actor.unit_id is not None
    assert run.remaining == []
    with sqlite_db.session() as s:
        assert not s.scalar(select(User.must_change_password).where(User.username == "zhang"))
        assert sign_in(s, "zhang", "Xin-Mima-2026").actor.username == "zhang"
    # next start: no dialog at all (the token), and it is audited as a remembered sign-in
    again = sign_in_interactively(sqlite_db, exec_dialog=driver(), store=store)
    assert again is not None
    assert again.actor.username == "zhang"
    with sqlite_db.session() as s:
        last = s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert (last.action, last.username, last.detail) == (
            "login", "zhang", '{"method": "remembered"}',
        )  # fmt: skip


def test_refusing_the_password_change_does_not_open_the_window(app, sqlite_db, tmp_path):
    _clerk(sqlite_db)
    run = driver(fill(username="zhang", password="Chushi-Mima-1"), None)
    assert sign_in_interactively(sqlite_db, exec_dialog=run,
                                 store=TokenStore(tmp_path / "t.json")) is None  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_no_stay_signed_in_on_a_server_database(app, database, tmp_path):
    _clerk(database, must_change=False)
    seen = {}

    def exec_dialog(dialog):
        seen["remember"] = dialog.remember.isVisibleTo(dialog)
        fill(username="zhang", password="Chushi-Mima-1")(dialog)
        dialog.submit()
        return dialog.result()

    assert sign_in_interactively(database, exec_dialog=exec_dialog,
                                 store=TokenStore(tmp_path / "t.json")) is not None  # fmt: skip
    assert seen["remember"] is False


def test_idle_window_locks_and_asks_for_the_password(app, qtbot, demo_db):
    actor = call(demo_db, sign_in, "city", DEMO_PASSWORD).value.actor
    window = MainWindow(AppContext(demo_db, actor))
    qtbot.addWidget(window)
    window.show()
    lock = IdleLock(window, window.ctx, timeout=0.3, check_ms=50)
    qtbot.waitUntil(lambda: lock.is_locked, timeout=5000)
    assert not window.centralWidget().isVisible()
    assert not window.menuBar().isEnabled()
    dialog = lock.dialog
    assert "city" in dialog.findChild(QLabel, "loginNote").text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc does not unlock
    assert lock.is_locked
    dialog.password.setText("Wrong-pass-9")
    dialog.submit()
    assert lock.is_locked
    assert "再输错 4 次" in dialog.message.text()
    dialog.password.setText(DEMO_PASSWORD)
    dialog.submit()
    assert not lock.is_locked
    assert window.centralWidget().isVisible()
    assert window.menuBar().isEnabled()
    lock.lock_action.trigger()  # Ctrl+L locks at once
    assert lock.is_locked
    lock.dialog.reject()  # 退出程序
    assert not window.isVisible()
    lock.stop()
    with demo_db.session() as s:
        trail = list(s.execute(select(AuditEntry.action, AuditEntry.detail)
                               .where(AuditEntry.username == "city").order_by(AuditEntry.id)))  # fmt: skip
    assert [a for a, _ in trail] == ["login", "login_failed", "login"]
    assert trail[-1][1] == '{"method": "unlock"}'


@pytest.mark.parametrize(
    ("username", "panes"),
    [
        ("admin", ["users", "settings"]),
        ("auditor", ["overview", "register", "returns", "letters", "spot_checks",
                     "accountability", "leads", "charts", "audit", "settings"]),
        ("lingshou", ["overview", "register", "returns", "letters", "spot_checks",
                      "accountability", "leads", "charts", "settings"]),
        ("leader", ["overview", "register", "returns", "letters", "spot_checks",
                    "accountability", "leads", "charts", "settings"]),
    ],
)  # fmt: skip
def test_each_role_sees_its_panes(app, qtbot, demo_db, username, panes):
    actor = call(demo_db, sign_in, username, DEMO_PASSWORD).value.actor
    window = MainWindow(AppContext(demo_db, actor))
    qtbot.addWidget(window)
    window.show()
    assert [spec.key for spec in window.specs] == panes
    for key in panes:
        window.show_pane(key)
    if username == "lingshou":
        from ui.register.table_model import COLUMN_INDEX

        register = window.pane("register")
        qtbot.waitUntil(
            lambda: not register.is_loading and register.model.is_complete, timeout=30_000
        )
        col = COLUMN_INDEX["unit"]
        units = {
            register.model.data(register.model.index(r, col))
            for r in range(register.model.rowCount())
        }
        assert register.model.rowCount() > 0
        assert units == {"灵寿县"}
    if username == "admin":
        users = window.pane("users")
        assert users.model.rowCount() == 5
        assert window.pane("settings").backup_box is not None


def test_administrator_adds_and_disables_a_user(app, qtbot, demo_db, monkeypatch):
    from ui.panes.users import UserDialog

    actor = call(demo_db, sign_in, "admin", DEMO_PASSWORD).value.actor
    window = MainWindow(AppContext(demo_db, actor))
    qtbot.addWidget(window)
    window.show()
    pane = window.show_pane("users")

    def fill_dialog(dialog):
        dialog.username.setText("xinle_wang")
        dialog.display_name.setText("王新乐")
        dialog.role.setCurrentIndex(dialog.role.findData("county_clerk"))
        dialog.unit.setCurrentIndex(dialog.unit.findData("新乐市"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(UserDialog, "exec", fill_dialog)
    pane.add_user()
    qtbot.waitUntil(
        lambda: window.findChild(QMessageBox, "initialPassword") is not None, timeout=10_000
    )
    box = window.findChild(QMessageBox, "initialPassword")
    assert "xinle_wang" in box.text()
    assert "首次登录时必须修改" in box.text()
    box.close()
    assert pane.model.rowCount() == 6
    pane.select_username("xinle_wang")
    assert pane.toggle_button.text() == "停用"
    pane.toggle_user()
    qtbot.waitUntil(lambda: "已停用" in pane.model.row_values(
        next(i for i in range(pane.model.rowCount()) if pane.model.row_values(i)[0] == "xinle_wang")
    )[4], timeout=10_000)  # fmt: skip
    with demo_db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.username == "admin")))
    assert "user_add" in actions
    assert "user_disable" in actions


def test_the_application_opens_its_window_only_after_sign_in(app, qtbot, demo_url):
    """ui.app.run_gui as ``make run`` starts it: login first, then the main window with the
    connection banner, the change feed, the idle lock and the daily SQLite backup."""
    import argparse
    from pathlib import Path

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.app import run_gui

    seen = {}

    def drive():
        modal = QApplication.activeModalWidget()
        if isinstance(modal, LoginDialog):
            seen["windows_before_login"] = [
                w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
            ]
            modal.username.setText("lingshou")
            modal.password.setText(DEMO_PASSWORD)
            modal.submit()
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]  # fmt: skip
        if windows:
            window = windows[0]
            seen["user"] = window.user_label.text()
            seen["file_menu"] = [a.text() for a in window.file_menu.actions()]
            window.close()
            return
        QTimer.singleShot(50, drive)

    QTimer.singleShot(50, drive)
    code = run_gui(argparse.Namespace(db=demo_url, demo_if_empty=False))
    assert code == 0
    assert seen["windows_before_login"] == []
    assert seen["user"] == "用户：赵灵寿（县区业务员）"
    assert "锁定窗口(&L)" in seen["file_menu"]
    assert "修改密码(&P)…" in seen["file_menu"]
    folder = Path(demo_url.removeprefix("sqlite:///")).parent / "backups"
    assert len(list(folder.glob("rectify-auto-*.db"))) == 1
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(demo_url))
    try:
        with db.session() as s:
            actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions[-3:] == ["login", "backup", "logout"]
    finally:
        db.dispose()


def test_demo_database_login_tells_how_to_sign_in(app, qtbot, demo_db):
    from controllers.auth import change_own_password
    from controllers.demo.accounts import demo_sign_in_hint

    with demo_db.session() as s:
        hint = demo_sign_in_hint(s)
    assert "city（市级业务员）" in hint
    assert DEMO_PASSWORD in hint
    dialog = LoginDialog(lambda *a: None, database_label="x", allow_remember=True, hint=hint)
    qtbot.addWidget(dialog)
    assert dialog.hint.text() == hint
    with demo_db.session() as s:
        actor = sign_in(s, "city", DEMO_PASSWORD).actor
        change_own_password(s, actor, DEMO_PASSWORD, "Zhen-Mima-2027")
        s.commit()
        assert demo_sign_in_hint(s) is None  # a database in real use advertises nothing
