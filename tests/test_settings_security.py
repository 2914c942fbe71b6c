"""The settings pane says plainly what the database itself does not enforce."""

import pytest

from controllers.actor import Actor
from models.codes import Role
from ui.context import AppContext
from ui.panes.settings import SettingsPane

pytestmark = pytest.mark.gui
ADMIN = Actor(None, "boss", Role.ADMIN)


@pytest.mark.parametrize("backend", ["sqlite", "mariadb", "postgresql"], indirect=True)
def test_settings_pane_states_what_is_not_enforced(qtbot, database, backend):
    pane = SettingsPane(AppContext(database, ADMIN))
    qtbot.addWidget(pane)
    pane.activate()
    label = pane.security_label
    qtbot.waitUntil(lambda: bool(label.text()), timeout=15_000)
    text = label.text()
    if backend == "mariadb":
        assert "单位范围、职责分离和审计日志的权限只在程序中检查" in text
        assert "TRUNCATE 不触发任何触发器" in text
        assert "尚未运行 user db-roles" in text  # this test database has no per-user accounts
    if backend == "sqlite":
        assert "审计日志的封存" in text
    if backend == "postgresql":
        # the shared test cluster trusts local connections: the administrator is warned
        assert "数据库服务器接受了错误的密码" in text
        # no db-roles on this database: the pane does not claim row-level security
        assert "尚未运行 user db-roles" in text
        assert "行级安全限制每个账户" not in text
