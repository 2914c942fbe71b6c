"""The 数据备份 section of 系统设置 (for the 系统管理员): back up now, automatic backups, and
restore the single-machine SQLite database from a backup (verified first; the application
restarts afterwards). A server database is restored by its administrator from the command line
while no clerk is connected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from controllers.infra.backup import (
    auto_backups,
    backup_database,
    backup_folder,
    backup_keep,
    set_backup_keep,
)
from controllers.infra.restore import (
    BackupCheck,
    RestoreResult,
    checked_sqlite_backup,
    restore_database,
)
from ui import file_dialogs
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
        self.restore_button = QPushButton("从备份恢复…")
        keep = QHBoxLayout()
        keep.addWidget(self.keep_spin)
        keep.addWidget(self.save_keep_button)
        keep.addStretch(1)
        now_row = QHBoxLayout()
        now_row.addWidget(self.backup_button)
        now_row.addWidget(self.restore_button)
        now_row.addStretch(1)
        form = QFormLayout(self)
        form.addRow("自动备份：", self.folder_label)
        form.addRow("最近一次：", self.latest_label)
        form.addRow("保留份数：", keep)
        form.addRow("", now_row)
        self.backup_button.clicked.connect(self.backup_now)
        self.save_keep_button.clicked.connect(self.save_keep)
        self.restore_button.clicked.connect(self.choose_backup_to_restore)

    def load(self) -> None:
        folder = backup_folder(self.ctx.database)
        if folder is None:
            self.folder_label.setText(
                "服务器数据库由数据库管理员备份；也可用“立即备份”（需要 pg_dump）。"
            )
            self.latest_label.setText("—")
            self.keep_spin.setEnabled(False)
            self.save_keep_button.setEnabled(False)
            self.restore_button.setEnabled(False)
            self.restore_button.setToolTip(
                "服务器数据库请在所有业务员退出后，由数据库管理员用命令行恢复：\n"
                "python main.py --db 数据库地址 restore 备份文件 --user 管理员"
            )
        else:
            self.folder_label.setText(f"每天首次启动时备份到 {folder}")
            found = auto_backups(folder)
            self.latest_label.setText(found[0].name if found else "尚无")
        self.keep_spin.setValue(self.ctx.call(backup_keep))

    def save_keep(self) -> None:
        keep = self.keep_spin.value()

        def work(session, _progress):
            set_backup_keep(session, self.ctx.actor, keep)

        run_operation(self, self.ctx, "保存备份设置", work)

    def backup_now(self) -> None:
        suffix = ".db" if self.ctx.database.info.backend == "sqlite" else ".dump"
        default = f"散乱污整治管理台备份-{dt.datetime.now():%Y%m%d-%H%M}{suffix}"
        path, _ = file_dialogs.get_save_file_name(self, "备份数据库", default)
        if not path:
            return
        run_operation(self, self.ctx, "备份数据库",
                      lambda _s, _p: backup_database(self.ctx.database, path, self.ctx.actor),
                      on_done=self._done)  # fmt: skip

    def _done(self, result) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "备份完成",
                          f"已备份到\n{result.path}\n（{result.size / 1048576:.1f} MB）",
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setObjectName("backupDone")
        box.open()
        self.load()

    # -- restoring (SQLite) ------------------------------------------------------------
    def choose_backup_to_restore(self) -> None:
        start = backup_folder(self.ctx.database)
        path, _ = file_dialogs.get_open_file_name(
            self,
            "选择备份文件",
            str(start or ""),
            "数据库备份 (*.db *.sqlite *.sqlite3);;所有文件 (*)",
        )
        if path:
            self.restore_from(path)

    def restore_from(self, path: str | Path) -> None:
        """Verify ``path``, ask the clerk, then restore (each step in the background)."""
        path = Path(path)
        run_operation(self, self.ctx, "校验备份文件",
                      lambda _s, _p: checked_sqlite_backup(self.ctx.database, path),
                      on_done=lambda check: self._confirm_restore(path, check))  # fmt: skip

    def _confirm_restore(self, path: Path, check: BackupCheck) -> None:
        facts = [f"备份文件：{path}"]
        if check.cases is not None:
            facts.append(f"其中企业：{check.cases:,} 家")
        if check.audit_entries is not None:
            facts.append(f"审计记录：{check.audit_entries:,} 条，哈希链完整。{check.seal_note}")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "从备份恢复",
            "恢复将用备份替换当前数据库，备份之后录入的数据不再显示（当前数据库会先另存一份，"
            "审计记录全部保留）。\n\n" + "\n".join(facts) + "\n\n恢复后程序重新启动，需要重新登录；"
            "未保存的修改将丢失。确定恢复吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("confirmRestore")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("恢复")
        box.button(QMessageBox.StandardButton.No).setText("取消")
        box.buttonClicked.connect(
            lambda button: (
                self._restore(path)
                if box.standardButton(button) == QMessageBox.StandardButton.Yes
                else None
            )
        )
        box.open()

    def _restore(self, path: Path) -> None:
        run_operation(self, self.ctx, "恢复数据库",
                      lambda _s, _p: restore_database(self.ctx.database, path, self.ctx.actor),
                      on_done=self._restored)  # fmt: skip

    def _restored(self, result: RestoreResult) -> None:
        lines = ["已从备份恢复数据库。"]
        if result.safety_copy is not None:
            lines.append(f"恢复前的数据库已另存为\n{result.safety_copy}")
        if result.carried_entries:
            lines.append(f"备份之后的 {result.carried_entries} 条审计记录已接续保留。")
        if result.orphan_entries_file is not None:
            lines.append(f"备份之后的审计记录无法接续，已完整另存为\n{result.orphan_entries_file}")
        lines.append("程序将重新启动，请重新登录。")
        box = QMessageBox(QMessageBox.Icon.Information, "恢复完成", "\n\n".join(lines),
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setObjectName("restoreDone")
        box.finished.connect(lambda _result: self.ctx.events.restart_requested.emit())
        box.open()
