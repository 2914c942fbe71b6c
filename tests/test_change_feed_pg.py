"""PostgreSQL change notifications carry nothing and are trusted for nothing.

Any role may LISTEN to or NOTIFY any channel (PostgreSQL has no privilege for it), so the
audit trigger's notification is a bare wake-up and the change feed reads what changed from
``audit_log`` as the window's own role, under row-level security. Runs on a private server
with password authentication and the roles of ``user db-roles``.
"""

import queue
import threading

import pytest

from controllers.audit.change_feed import CHANNEL, watch
from controllers.infra import db_roles
from models.database import Database, make_engine
from tests.pg_instance import pg_bin, running_server
from tests.test_pg_security import PASSWORDS, _secure_database, connect_as

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries are not installed"),
]

FORGED = '{"id": 999999, "user_id": 1, "action": "update", "object_type": "case"}'


@pytest.fixture(scope="module")
def secured():
    with running_server() as srv:
        env = _secure_database(srv)
        yield env
        env["owner"].dispose()


def _append(conn, action: str, object_type: str, object_id: str, detail: str | None = None):
    """An audit entry in the connection's own name (as the application appends them)."""
    conn.execute("BEGIN")
    conn.execute(
        "SELECT * FROM rectify_audit_append(NULL, NULL, %s, %s, %s, 'ok', %s)",
        (action, object_type, object_id, detail),
    )
    conn.execute("COMMIT")


class _Feed:
    """The change feed of a window signed in as ``username``, run on a thread."""

    def __init__(self, env, username: str) -> None:
        role = db_roles.account_role(env["prefix"], username)
        url = env["server"].url(env["name"], role, PASSWORDS[username])
        self.db = Database.from_engine(make_engine(url))
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for event in watch(self.db, frozenset(), self.stop, interval=0.1):
            self.events.put(event)

    def __enter__(self):
        self.thread.start()
        first = self.events.get(timeout=30)
        assert first.lost is None, first.lost
        assert first.ready
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        self.db.dispose()

    def topics_until(self, marker: str) -> set[str]:
        """Every topic published until one containing ``marker`` (waits for it)."""
        seen: set[str] = set()
        while marker not in seen:
            event = self.events.get(timeout=30)
            assert event.lost is None, event.lost
            seen |= event.topics
        return seen


def test_a_forged_notification_publishes_nothing_the_trail_does_not_back(secured):
    """Another unit's clerk sends fake notifications: the county clerk's window publishes
    nothing for them; the clerk's own entry from another workstation is the marker."""
    with _Feed(secured, "lingshou") as feed, connect_as(secured, "xinle") as xinle:
        xinle.execute(f"NOTIFY {CHANNEL}, '{FORGED}'")
        xinle.execute("SELECT pg_notify(%s, %s)", (CHANNEL, FORGED))
        xinle.execute(f"NOTIFY {CHANNEL}")
        with connect_as(secured, "lingshou") as elsewhere:
            _append(elsewhere, "user_update", "user", "0")
        topics = feed.topics_until("users")
    # only the marker's topics: the fake "case updated" published nothing
    assert topics == {"users", "audit"}


def test_another_units_commit_refreshes_the_window_by_its_kind_only(secured):
    """Another unit's clerk really changes a case: the county clerk's window learns that
    cases changed (and refreshes, reading its own unit's rows), though its role may read
    neither that entry nor that case."""
    other_case = str(secured["cases"]["xinle"])
    with _Feed(secured, "lingshou") as feed, connect_as(secured, "xinle") as xinle:
        _append(xinle, "update", "case", other_case, '{"owner": ["a", "b"]}')
        assert feed.topics_until("cases") == {"cases", "audit"}
    with connect_as(secured, "lingshou") as lingshou:
        seen = lingshou.execute("SELECT count(*) FROM audit_log WHERE object_id = %s",
                                (other_case,)).fetchone()[0]  # fmt: skip
        kinds = lingshou.execute("SELECT * FROM rectify_audit_changes_since(0) LIMIT 1").description
    assert seen == 0  # the entry itself stays behind row-level security
    assert [c.name for c in kinds] == ["id", "action", "object_type"]  # the kind, nothing else


def test_the_auditor_reads_every_change_the_notifications_only_wake_it(secured):
    """The feed of a role that may read every entry publishes another clerk's change, read
    from the trail, not from the (empty) notification."""
    with _Feed(secured, "auditor") as feed, connect_as(secured, "xinle") as xinle:
        _append(xinle, "update", "case", str(secured["cases"]["xinle"]))
        assert feed.topics_until("cases") == {"cases", "audit"}


def test_a_listening_clerk_reads_nothing_from_the_notifications(secured):
    """A county clerk in a plain SQL client LISTENs: another unit's changes reach it only as
    empty wake-ups, nothing of the entry (id, user, action, object)."""
    with connect_as(secured, "lingshou") as listener, connect_as(secured, "xinle") as xinle:
        listener.execute(f"LISTEN {CHANNEL}")
        _append(xinle, "update", "case", str(secured["cases"]["xinle"]), '{"owner": ["a", "b"]}')
        _append(xinle, "create", "case", str(secured["cases"]["xinle"]))
        notes = list(listener.notifies(timeout=30, stop_after=2))
    assert len(notes) == 2
    assert [n.payload for n in notes] == ["", ""]
    assert {n.channel for n in notes} == {CHANNEL}
