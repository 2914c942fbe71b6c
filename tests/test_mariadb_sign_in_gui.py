"""The desktop sign-in through a MariaDB gate user: the clerk's own MariaDB user, the forced
first password change reaching the MariaDB user, with real dialogs."""

import pymysql
import pytest
from PySide6.QtCore import QSettings

from controllers.actor import SYSTEM
from controllers.auth import reset_password
from controllers.infra import mariadb_roles
from tests.test_auth_gui import driver, fill
from tests.test_mariadb_security import _drop, _secure_database, connect_as, gate_db
from ui.app import create_application
from ui.sign_in import sign_in_interactively

pytestmark = [pytest.mark.gui, pytest.mark.mariadb, pytest.mark.slow]


@pytest.fixture
def secured(qapp):
    create_application()
    QSettings().clear()
    env = _secure_database()
    try:
        yield env
    finally:
        _drop(env)


def test_a_county_clerk_signs_in_through_the_gate_and_changes_the_password(secured):
    with secured["owner"].session() as s:
        reset_password(s, SYSTEM, "lingshou", "Chushi-Mima-1")
        s.commit()
    gate = gate_db(secured)
    run = driver(
        fill(username="lingshou", password="Chushi-Mima-1"),
        fill(old="Chushi-Mima-1", new="Xin-Mima-2026", confirm="Xin-Mima-2026"),
    )
    try:
        signed = sign_in_interactively(gate, exec_dialog=run)
        assert signed is not None
        assert run.remaining == []
        assert signed.database is not gate  # the clerk's own connection
        with signed.database.session() as s:
            assert mariadb_roles.connected_account(s) == "lingshou"
        signed.database.dispose()
    finally:
        gate.dispose()
    connect_as(secured, "lingshou", "Xin-Mima-2026").close()
    with pytest.raises(pymysql.err.OperationalError):
        connect_as(secured, "lingshou", "Chushi-Mima-1")
