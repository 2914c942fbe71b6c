"""Other clerks' changes appear without restarting: LISTEN/NOTIFY on PostgreSQL, polling on
SQLite and MariaDB, fed into ctx.events so the panes refresh."""

import pytest
from PySide6.QtCore import QSettings

from controllers.actor import SYSTEM
from controllers.audit.change_feed import topics_for
from controllers.audit.trail import record
from controllers.auth import create_user, sign_in
from tests.factories import make_case
from ui.app import create_application
from ui.change_listener import ChangeListener
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.register.table_model import COLUMN_INDEX

pytestmark = pytest.mark.gui

PW = "Yewu-Mima-22"


def _two_clerks(db):
    with db.session() as s:
        create_user(s, SYSTEM, "chief", "admin", password="Guanli-Mima-1")
        create_user(s, SYSTEM, "zhang", "city_clerk", password=PW, must_change_password=False)
        create_user(s, SYSTEM, "li", "city_clerk", password=PW, must_change_password=False)
        s.commit()
        return sign_in(s, "zhang", PW).actor, sign_in(s, "li", PW).actor


def test_audit_entries_map_to_pane_topics():
    assert topics_for("update", "case") == {"cases", "audit"}
    assert topics_for("import", "county_return") == {"returns", "cases", "audit"}
    assert topics_for("create", "case_lookback") == {"cases", "audit"}
    assert topics_for("login", "session") == {"audit"}


def test_another_clerks_commit_reaches_the_events(qapp, qtbot, database):
    create_application()
    me, other = _two_clerks(database)
    ctx = AppContext(database, me)
    listener = ChangeListener(ctx, interval=0.1).start()
    try:
        qtbot.wait(600)  # the watcher is listening (or has read the head)
        with (
            qtbot.waitSignal(ctx.events.changed, timeout=10_000) as blocker,
            database.session() as s,
        ):
            case = make_case(s)
            record(s, other, "create", "case", case.id)
            s.commit()
        assert "cases" in blocker.args[0]
        # the same clerk's change made elsewhere (the command line, a second workstation)
        # refreshes this window too: only this window's own units of work are skipped
        with (
            qtbot.waitSignal(ctx.events.changed, timeout=10_000) as blocker,
            database.session() as s,
        ):
            record(s, me, "update", "case", case.id)
            s.commit()
        assert "cases" in blocker.args[0]
        # this window's own write is announced once, when it commits, not again by the watcher
        seen: list[frozenset[str]] = []
        ctx.events.changed.connect(seen.append)
        ctx.run(lambda s, actor: record(s, actor, "update", "case", case.id))
        assert seen == [frozenset({"cases", "audit"})]
        with qtbot.assertNotEmitted(ctx.events.changed, wait=1500):
            pass
    finally:
        listener.stop()


def test_the_register_refreshes_by_itself(qapp, qtbot, sqlite_db):
    create_application()
    QSettings().clear()
    me, other = _two_clerks(sqlite_db)
    window = MainWindow(AppContext(sqlite_db, me))
    qtbot.addWidget(window)
    window.show()
    pane = window.show_pane("register")
    assert pane.model.rowCount() == 0
    listener = ChangeListener(window.ctx, interval=0.1).start()
    try:
        qtbot.wait(300)
        with sqlite_db.session() as s:
            case = make_case(s, name="新发现的塑料颗粒厂")
            record(s, other, "create", "case", case.id)
            s.commit()
        qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=10_000)
        name_col = COLUMN_INDEX["name"]
        assert pane.model.data(pane.model.index(0, name_col)) == "新发现的塑料颗粒厂"
    finally:
        listener.stop()
