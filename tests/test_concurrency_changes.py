"""Other clerks' changes appear without restarting: LISTEN/NOTIFY on PostgreSQL, polling on
SQLite and MariaDB, fed into ctx.events so the panes refresh."""

import pytest
from PySide6.QtCore import QSettings

from controllers.actor import SYSTEM
from controllers.audit.change_feed import topics_for
from controllers.audit.trail import record
from controllers.auth import create_user, sign_in
from controllers.unit_of_work import run
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


def _add_case(session, actor) -> int:
    """A unit of work: one new case, audited."""
    case = make_case(session)
    record(session, actor, "create", "case", case.id)
    return case.id


def _touch_user(session, actor) -> None:
    """A unit of work whose topic is not ``cases`` (a marker in the feed)."""
    record(session, actor, "user_update", "user", actor.user_id)


def _start_listener(qtbot, ctx: AppContext) -> ChangeListener:
    listener = ChangeListener(ctx, interval=0.1)
    with qtbot.waitSignal(listener.ready, timeout=10_000):
        listener.start()
    return listener


def test_another_clerks_commit_reaches_the_events(qapp, qtbot, database):
    create_application()
    me, other = _two_clerks(database)
    ctx = AppContext(database, me)
    listener = _start_listener(qtbot, ctx)
    try:
        with qtbot.waitSignal(ctx.events.changed, timeout=10_000) as blocker:
            run(database, other, _add_case)
        assert "cases" in blocker.args[0]
    finally:
        listener.stop()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_clerks_own_change_made_elsewhere_refreshes_their_window(qapp, qtbot, database):
    """zhang's second workstation (or ``--user zhang`` on the command line) changes a case:
    zhang's open window hears of it; the window's own write is announced exactly once."""
    create_application()
    me, _other = _two_clerks(database)
    window = AppContext(database, me)
    heard: list[frozenset[str]] = []
    window.events.changed.connect(heard.append)
    listener = _start_listener(qtbot, window)
    try:
        second_workstation = AppContext(database, me)
        with qtbot.waitSignal(
            window.events.changed, timeout=10_000, check_params_cb=lambda t: "cases" in t
        ):
            second_workstation.run(_add_case)
        with qtbot.waitSignal(
            window.events.changed, timeout=10_000, check_params_cb=lambda t: "cases" in t
        ):
            run(database, me, _add_case)  # the command line's runner, as zhang

        heard.clear()
        window.run(_add_case)  # the window's own write: announced when it commits
        assert heard == [frozenset({"cases", "audit"})]
        # a later change elsewhere (another topic) arrives after any echo of the own write
        with qtbot.waitSignal(
            window.events.changed, timeout=10_000, check_params_cb=lambda t: "users" in t
        ):
            second_workstation.run(_touch_user)
        assert [t for t in heard if "cases" in t] == [frozenset({"cases", "audit"})]
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
    listener = _start_listener(qtbot, window.ctx)
    try:
        with sqlite_db.session() as s:
            case = make_case(s, name="新发现的塑料颗粒厂")
            record(s, other, "create", "case", case.id)
            s.commit()
        qtbot.waitUntil(lambda: pane.model.rowCount() == 1, timeout=10_000)
        name_col = COLUMN_INDEX["name"]
        assert pane.model.data(pane.model.index(0, name_col)) == "新发现的塑料颗粒厂"
    finally:
        listener.stop()
