"""The first start of a fresh installation: 只在这台电脑上使用 or 连接单位的服务器, remembered,
changeable in 系统设置; --db and RECTIFY_DB_URL still take precedence."""

import argparse
import json

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from controllers.infra.database_setup import probe_server
from models.connection_choice import (
    ConnectionChoice,
    ConnectionMode,
    UrlSource,
    choice_path,
    first_start_choice_needed,
    load_choice,
    save_choice,
    url_source,
)
from models.database import DatabaseError, default_sqlite_path, resolve_url
from ui.connection_dialog import ConnectionDialog
from ui.context import AppContext
from ui.first_start_dialog import FirstStartDialog
from ui.login_dialog import FirstAdminDialog
from ui.main_window import MainWindow
from ui.panes.connection_box import ConnectionBox
from ui.startup import choose_connection_at_first_start

pytestmark = pytest.mark.gui


@pytest.fixture
def fresh_user(tmp_path, monkeypatch):
    """A user folder with nothing in it: a fresh installation."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("RECTIFY_DB_URL", raising=False)
    return tmp_path / "data"


def test_precedence_command_line_environment_choice_default(fresh_user):
    default = f"sqlite:///{default_sqlite_path().as_posix()}"
    assert str(fresh_user) in default
    assert resolve_url(None, {}) == default
    assert url_source(None, {}) is UrlSource.DEFAULT
    assert first_start_choice_needed(None, {})
    server = "postgresql://clerk:mima@192.168.1.10:5432/rectify"
    path = save_choice(ConnectionChoice(ConnectionMode.SERVER, server))
    assert path == choice_path()
    assert json.loads(path.read_text(encoding="utf-8")) == {"mode": "server", "server_url": server}
    assert resolve_url(None, {}) == server
    assert url_source(None, {}) is UrlSource.CHOSEN
    assert not first_start_choice_needed(None, {})
    env = {"RECTIFY_DB_URL": "mysql://a@b/c"}
    assert resolve_url(None, env) == "mysql://a@b/c"
    assert url_source(None, env) is UrlSource.ENVIRONMENT
    assert not url_source(None, env).changeable
    assert resolve_url("sqlite:///x.db", env) == "sqlite:///x.db"
    assert url_source("sqlite:///x.db", env) is UrlSource.COMMAND_LINE
    save_choice(ConnectionChoice(ConnectionMode.LOCAL))
    assert resolve_url(None, {}) == default
    path.write_text("{not json", encoding="utf-8")
    assert load_choice() is None  # a damaged file is ignored: the default applies
    assert resolve_url(None, {}) == default


def test_an_existing_database_file_is_not_a_fresh_installation(fresh_user):
    default_sqlite_path().parent.mkdir(parents=True)
    default_sqlite_path().write_bytes(b"")
    assert first_start_choice_needed(None, {}) is False
    assert not first_start_choice_needed("sqlite:///elsewhere.db", {})


def test_probe_rejects_what_is_not_a_server(fresh_user):
    with pytest.raises(DatabaseError, match="请填写服务器地址"):
        probe_server("  ")
    with pytest.raises(DatabaseError, match="postgresql://"):
        probe_server("/tmp/some.db")
    with pytest.raises(DatabaseError, match="无法连接数据库"):
        probe_server("postgresql://nobody@127.0.0.1:1/none")


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_server_choice_tests_the_connection_and_is_remembered(app, qtbot, fresh_user, db_url):
    dialog = ConnectionDialog(first_start=True)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.local.isChecked()
    assert not dialog.address.isEnabled()
    dialog.server.setChecked(True)
    assert dialog.address.isEnabled()
    qtbot.keyClicks(dialog.address, "postgresql://nobody@127.0.0.1:1/none")
    dialog.submit()  # tested first: refused, the dialog stays
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "无法连接数据库" in dialog.outcome.text()
    dialog.address.setText(db_url)
    dialog.test_button.click()
    assert dialog.outcome.text() == "连接成功：数据库结构为最新版本。"
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.choice == ConnectionChoice(ConnectionMode.SERVER, db_url)


def test_first_start_asks_once_and_remembers_this_computer(app, qtbot, fresh_user):
    seen = []

    def choose_local(dialog):
        seen.append(type(dialog))
        assert dialog.windowTitle() == "首次启动 — 选择数据库"
        assert str(default_sqlite_path()) in " ".join(
            label.text() for label in dialog.findChildren(type(dialog.outcome))
        )
        dialog.local.setChecked(True)
        dialog.submit()
        return dialog.result()

    assert choose_connection_at_first_start(None, exec_dialog=choose_local)
    assert seen == [ConnectionDialog]
    assert load_choice() == ConnectionChoice(ConnectionMode.LOCAL)

    def must_not_ask(dialog):
        raise AssertionError("asked again")

    assert choose_connection_at_first_start(None, exec_dialog=must_not_ask)
    # quitting from the dialog quits the application and remembers nothing
    choice_path().unlink()
    assert not choose_connection_at_first_start(
        None, exec_dialog=lambda d: QDialog.DialogCode.Rejected
    )
    assert load_choice() is None
    # --db decides: nothing is asked
    assert choose_connection_at_first_start("sqlite:///x.db", exec_dialog=must_not_ask)


def test_fresh_installation_starts_with_the_choice_then_the_administrator(app, qtbot, fresh_user):
    """run_gui on a fresh user folder: where the data lives, the first administrator, the
    main window; the database file is created in the per-user folder."""
    from ui.app import run_gui

    seen = []

    def drive():
        modal = QApplication.activeModalWidget()
        if isinstance(modal, ConnectionDialog) and "connection" not in seen:
            seen.append("connection")
            modal.local.setChecked(True)
            modal.submit()
        elif isinstance(modal, FirstAdminDialog) and "admin" not in seen:
            seen.append("admin")
            modal.password.setText("Guanli-Mima-1")
            modal.confirm.setText("Guanli-Mima-1")
            modal.submit()
        elif isinstance(modal, FirstStartDialog) and "office" not in seen:
            seen.append("office")  # the new database: this office's own units (issue 20)
            modal.city_edit.setText("滨海市")
            modal.units_edit.setPlainText("东城区\t东城\tdc\t区\t东街道")
            modal.finish()
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]  # fmt: skip
        if windows:
            seen.append("window")
            windows[0].close()
            return
        QTimer.singleShot(50, drive)

    QTimer.singleShot(50, drive)
    assert run_gui(argparse.Namespace(db=None, demo_if_empty=False)) == 0
    assert seen == ["connection", "admin", "office", "window"]
    assert default_sqlite_path().exists()
    assert str(default_sqlite_path()).startswith(str(fresh_user))
    assert load_choice() == ConnectionChoice(ConnectionMode.LOCAL)


def test_settings_show_the_choice_and_change_it(app, qtbot, fresh_user, demo_db, monkeypatch):
    from controllers.actor import SYSTEM

    ctx = AppContext(demo_db, SYSTEM)
    box = ConnectionBox(ctx)
    qtbot.addWidget(box)
    box.load()
    assert box.label.text() == "只在这台电脑上使用（默认（本机数据库文件））"
    assert box.change_button.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    restarts = []
    ctx.events.restart_requested.connect(lambda: restarts.append(True))
    server = "postgresql://clerk:mima@192.168.1.10:5432/rectify"
    box.apply(ConnectionChoice(ConnectionMode.SERVER, server))
    assert load_choice() == ConnectionChoice(ConnectionMode.SERVER, server)
    assert box.label.text() == "连接单位的服务器（首次启动时选择（可在此更改））"
    assert restarts == [True]
    dialog = box.dialog()
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "更改数据库"
    assert dialog.server.isChecked()
    assert dialog.address.text() == server
    monkeypatch.setenv("RECTIFY_DB_URL", server)
    box.load()
    assert box.label.text() == "由环境变量 RECTIFY_DB_URL 指定"
    assert not box.change_button.isEnabled()


def test_settings_pane_has_the_connection_box(app, qtbot, fresh_user, demo_db):
    from controllers.auth import sign_in
    from controllers.demo.accounts import DEMO_PASSWORD

    with demo_db.session() as s:
        actor = sign_in(s, "admin", DEMO_PASSWORD).actor
        s.commit()
    window = MainWindow(AppContext(demo_db, actor))
    qtbot.addWidget(window)
    pane = window.show_pane("settings")
    assert pane.connection_box.label.text().startswith("只在这台电脑上使用")
