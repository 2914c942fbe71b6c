"""Two administrators change the same account: the second sees both versions and chooses."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog

from controllers.auth import sign_in, update_user
from controllers.demo.accounts import DEMO_PASSWORD
from controllers.unit_of_work import call
from models import User
from ui.app import create_application
from ui.context import AppContext
from ui.dialogs.conflict_dialog import MINE, ConflictDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def pane(qapp, qtbot, demo_db):
    create_application()
    QSettings().clear()
    actor = call(demo_db, sign_in, "admin", DEMO_PASSWORD).value.actor
    window = MainWindow(AppContext(demo_db, actor))
    qtbot.addWidget(window)
    window.show()
    return window.show_pane("users")


def _row(pane, username):
    return next(r for r in pane.rows if r.username == username)


@pytest.mark.parametrize(("keep", "expected"), [(MINE, "我的名字"), ("theirs", "他人的名字")])
def test_stale_account_edit_opens_the_conflict_dialog(
    pane, qtbot, demo_db, monkeypatch, keep, expected
):
    row = _row(pane, "leader")
    with demo_db.session() as s:  # the other administrator saves first
        other = sign_in(s, "admin", DEMO_PASSWORD).actor
        update_user(s, other, "leader", row.version, display_name="他人的名字")
        s.commit()
    shown = []

    def choose(dialog):
        shown.append([(c.field, c.mine, c.theirs) for c in dialog.conflict.conflicts])
        dialog.choose_all(keep)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ConflictDialog, "exec", choose)
    pane._save_user(
        "leader", row.version, {"display_name": "我的名字", "role": "leader", "unit": None}
    )
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown[0] == [("display_name", "我的名字", "他人的名字")]

    def saved():
        with demo_db.session() as s:
            return s.query(User).filter_by(username="leader").one().display_name == expected

    qtbot.waitUntil(saved, timeout=10_000)
