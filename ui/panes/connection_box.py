"""系统设置 → 数据库与备份 → 数据保存在哪里: this computer or the unit's server."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from controllers.infra.connection_choice import (
    ConnectionChoice,
    ConnectionMode,
    load_choice,
    save_choice,
    url_source,
)
from ui.connection_dialog import ConnectionDialog
from ui.startup import command_line_db


class ConnectionBox(QGroupBox):
    """Shows how this computer reaches the database; 更改… opens the first-start dialog."""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__("数据保存在哪里", parent)
        self.ctx = ctx
        self.label = QLabel()
        self.label.setObjectName("connectionSource")
        self.label.setWordWrap(True)
        self.change_button = QPushButton("更改(&C)…")
        self.change_button.setObjectName("changeConnection")
        lay = QHBoxLayout(self)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.change_button)
        self.change_button.clicked.connect(self.change)

    def load(self) -> None:
        source = url_source(command_line_db())
        choice = load_choice()
        mode = choice.mode if choice is not None else ConnectionMode.LOCAL
        text = f"{mode.label}（{source.label}）" if source.changeable else source.label
        self.label.setText(text)
        self.change_button.setEnabled(source.changeable)
        self.change_button.setToolTip(
            "" if source.changeable else "启动参数或环境变量指定了数据库，在此更改不会生效。"
        )

    def dialog(self) -> ConnectionDialog:
        current = load_choice() or ConnectionChoice(ConnectionMode.LOCAL)
        return ConnectionDialog(current, first_start=False, parent=self)

    def change(self) -> None:
        dialog = self.dialog()
        dialog.accepted.connect(lambda: self.apply(dialog.choice))
        dialog.open()

    def apply(self, choice: ConnectionChoice | None) -> None:
        """Remember the new choice and offer to start again with it."""
        current = load_choice() or ConnectionChoice(ConnectionMode.LOCAL)
        if choice is None or choice == current:
            return
        save_choice(choice)
        self.load()
        answer = QMessageBox.question(
            self,
            "更改数据库",
            f"已改为“{choice.mode.label}”，重新启动程序后生效。现在重新启动吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.ctx.events.restart_requested.emit()
