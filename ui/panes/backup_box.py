"""The 数据备份 section of 系统设置 (for the 系统管理员): back up now, automatic backups."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from controllers.backup import (
    auto_backups,
    backup_database,
    backup_folder,
    backup_keep,
    set_backup_keep,
)
from ui import events
from ui.context import AppContext
from ui.operations import run_operation


class BackupBox(QGroupBox):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("数据备份", parent)
        self.ctx = ctx
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.latest_label = QLabel()
        self.keep_spin = QSpinBox()
        self.keep_spin.setRange(1, 365)
        self.keep_spin.setSuffix(" 份")
        self.save_keep_button = QPushButton("保存")
        self.backup_button = QPushButton("立即备份…")
        keep = QHBoxLayout()
        keep.addWidget(self.keep_spin)
        keep.addWidget(self.save_keep_button)
        keep.addStretch(1)
        now_row = QHBoxLayout()
        now_row.addWidget(self.backup_button)
        now_row.addStretch(1)
        form = QFormLayout(self)
        form.addRow("自动备份：", self.folder_label)
        form.addRow("最近一次：", self.latest_label)
        form.addRow("保留份数：", keep)
        form.addRow("", now_row)
        self.backup_button.clicked.connect(self.backup_now)
        self.save_keep_button.clicked.connect(self.save_keep)

    def load(self) -> None:
        folder = backup_folder(self.ctx.database)
        if folder is None:
            self.folder_label.setText(
                "服务器数据库由数据库管理员备份；也可用“立即备份”（需要 pg_dump）。"
            )
            self.latest_label.setText("—")
            self.keep_spin.setEnabled(False)
            self.save_keep_button.setEnabled(False)
        else:
            self.folder_label.setText(f"每天首次启动时备份到 {folder}")
            found = auto_backups(folder)
            self.latest_label.setText(found[0].name if found else "尚无")
        self.keep_spin.setValue(self.ctx.call(backup_keep))

    def save_keep(self) -> None:
        keep = self.keep_spin.value()

        def work(session, _progress):
            set_backup_keep(session, self.ctx.actor, keep)
            session.commit()

        run_operation(self, self.ctx, "保存备份设置", work, topics=(events.SETTINGS, events.AUDIT))

    def backup_now(self) -> None:
        suffix = ".db" if self.ctx.database.info.backend == "sqlite" else ".dump"
        default = f"散乱污整治管理台备份-{dt.datetime.now():%Y%m%d-%H%M}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, "备份数据库", default)
        if not path:
            return
        run_operation(self, self.ctx, "备份数据库",
                      lambda _s, _p: backup_database(self.ctx.database, path, self.ctx.actor),
                      on_done=self._done, topics=(events.AUDIT,))  # fmt: skip

    def _done(self, result) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "备份完成",
                          f"已备份到\n{result.path}\n（{result.size / 1048576:.1f} MB）",
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setObjectName("backupDone")
        box.open()
        self.load()
