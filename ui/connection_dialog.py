"""Where the data lives: 只在这台电脑上使用, or 连接单位的服务器 (first start, 系统设置)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.infra.connection_choice import (
    ConnectionChoice,
    ConnectionMode,
    DatabaseError,
    default_sqlite_path,
)
from controllers.infra.database_setup import probe_server
from ui.busy import wait_cursor
from ui.login_dialog import title_label

#: tries a server address: a success message, or raises DatabaseError with the reason
Probe = Callable[[str], str]

SERVER_EXAMPLE = "postgresql://用户名:密码@192.168.1.10:5432/rectify"


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #555; margin-left: 22px;")
    return label


class ConnectionDialog(QDialog):
    """Choose this computer (SQLite in the per-user folder) or the unit's server."""

    def __init__(self, current: ConnectionChoice | None = None, *, first_start: bool = True,
                 probe: Probe = probe_server, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("首次启动 — 选择数据库" if first_start else "更改数据库")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._probe = probe
        self._tested_url: str | None = None
        self.choice: ConnectionChoice | None = None

        self.local = QRadioButton("只在这台电脑上使用(&L)")
        self.local.setObjectName("chooseLocal")
        self.server = QRadioButton("连接单位的服务器(&S)")
        self.server.setObjectName("chooseServer")
        group = QButtonGroup(self)
        group.addButton(self.local)
        group.addButton(self.server)
        self.address = QLineEdit()
        self.address.setObjectName("serverAddress")
        self.address.setPlaceholderText(SERVER_EXAMPLE)
        self.test_button = QPushButton("测试连接(&T)")
        self.test_button.setObjectName("testConnection")
        self.outcome = QLabel()
        self.outcome.setObjectName("connectionResult")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "开始使用" if first_start else "保存"
        )
        if first_start:
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")

        lay = QVBoxLayout(self)
        lay.addWidget(title_label("数据保存在哪里？"))
        intro = QLabel(
            "一个人使用时选择“只在这台电脑上使用”；单位有数据库服务器、多人共用一份数据时，"
            "选择“连接单位的服务器”，并填写管理员给出的地址。以后可在“系统设置”中更改。"
            if first_start
            else "更改后需要重新启动程序。原来的数据不会被删除。"
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lay.addSpacing(6)
        lay.addWidget(self.local)
        lay.addWidget(_note(f"数据保存在本机：{default_sqlite_path()}，每天自动备份。"))
        lay.addSpacing(6)
        lay.addWidget(self.server)
        lay.addWidget(_note("多人共用一个 PostgreSQL 或 MariaDB 数据库。地址由管理员提供，例如 "
                            f"{SERVER_EXAMPLE}"))  # fmt: skip
        row = QHBoxLayout()
        row.setContentsMargins(22, 0, 0, 0)
        row.addWidget(QLabel("服务器地址："))
        row.addWidget(self.address, 1)
        row.addWidget(self.test_button)
        lay.addLayout(row)
        lay.addWidget(self.outcome)
        lay.addStretch(1)
        lay.addWidget(self.buttons)

        if current is not None and current.mode is ConnectionMode.SERVER:
            self.server.setChecked(True)
            self.address.setText(current.server_url)
        else:
            self.local.setChecked(True)
        self._connect_callbacks()
        self._sync()

    def _connect_callbacks(self) -> None:
        self.local.toggled.connect(self._sync)
        self.server.toggled.connect(self._sync)
        self.address.textChanged.connect(self._address_edited)
        self.test_button.clicked.connect(self.test_connection)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

    def _sync(self) -> None:
        on_server = self.server.isChecked()
        self.address.setEnabled(on_server)
        self.test_button.setEnabled(on_server)
        if on_server:
            self.address.setFocus()
        else:
            self.outcome.hide()

    def _address_edited(self) -> None:
        self._tested_url = None
        self.outcome.hide()

    def _show(self, text: str, ok: bool) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet("color: #1f7a4d;" if ok else "color: #b3261e;")
        self.outcome.show()

    def test_connection(self) -> bool:
        """Try the address; shows the outcome under it. True when the server answered."""
        url = self.address.text().strip()
        self.test_button.setEnabled(False)
        try:
            with wait_cursor():
                message = self._probe(url)
        except (DatabaseError, UserError) as exc:
            self._show(str(exc), ok=False)
            return False
        finally:
            self.test_button.setEnabled(self.server.isChecked())
        self._tested_url = url
        self._show(message, ok=True)
        return True

    def submit(self) -> None:
        if self.local.isChecked():
            self.choice = ConnectionChoice(ConnectionMode.LOCAL)
            self.accept()
            return
        url = self.address.text().strip()
        if self._tested_url != url and not self.test_connection():
            return  # the reason is shown; the clerk corrects the address or picks this computer
        self.choice = ConnectionChoice(ConnectionMode.SERVER, url)
        self.accept()
