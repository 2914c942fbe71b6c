"""系统设置: the database in use and its backups, campaigns and their stages, the units,
the fonts of official documents."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from controllers.documents.fonts import font_roles_listing
from controllers.infra.database_setup import schema_revision
from controllers.infra.logging_setup import log_dir
from controllers.infra.server_checks import enforcement_notes
from controllers.permissions import Permission, can
from ui import events
from ui.campaigns.campaigns_box import CampaignsBox
from ui.leads.power_settings import PowerSettingsBox
from ui.listing_model import ListingModel
from ui.operations import run_operation
from ui.panes.backup_box import BackupBox
from ui.panes.base import Pane, pane_header, scrolled
from ui.panes.connection_box import ConnectionBox
from ui.panes.units_box import UnitsBox


class SettingsPane(Pane):
    title = "系统设置"
    topics = frozenset({events.SETTINGS, events.UNITS})

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.db_label = QLabel()
        self.db_label.setWordWrap(True)
        self.schema_label = QLabel()
        self.security_label = QLabel()
        self.security_label.setObjectName("securityNotes")
        self.security_label.setWordWrap(True)
        self.security_label.setStyleSheet("color: #a61b1b;")
        self.log_label = QLabel(str(log_dir()))
        self.log_label.setWordWrap(True)
        box = QGroupBox("数据库")
        form = QFormLayout(box)
        form.addRow("当前数据库：", self.db_label)
        form.addRow("结构版本：", self.schema_label)
        form.addRow("日志文件夹：", self.log_label)
        form.addRow("数据库本身的限制：", self.security_label)
        self.units_box = UnitsBox(ctx)
        self.units_model = self.units_box.model
        self.units_table = self.units_box.table
        fonts_box = QGroupBox("公文字体（承诺书等 PDF，每种用途使用的字体）")
        self.fonts_model = ListingModel(parent=self)
        self.fonts_table = QTableView()
        self.fonts_table.setObjectName("fontRoles")
        self.fonts_table.setProperty("scrollsSideways", True)  # the font file's full path
        self.fonts_table.setModel(self.fonts_model)
        self.fonts_table.verticalHeader().setVisible(False)
        self.fonts_table.horizontalHeader().setStretchLastSection(True)
        QVBoxLayout(fonts_box).addWidget(self.fonts_table)
        database_tab = QWidget()
        dl = QVBoxLayout(database_tab)
        dl.addWidget(box)
        self.connection_box = ConnectionBox(ctx)
        dl.addWidget(self.connection_box)
        self.backup_box = BackupBox(ctx) if can(ctx.actor, Permission.BACKUP) else None
        if self.backup_box is not None:
            dl.addWidget(self.backup_box)
        dl.addStretch(1)
        self.campaigns_box = CampaignsBox(ctx) if can(ctx.actor, Permission.VIEW) else None
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        # each page scrolls when it is taller than a scaled laptop screen (125 %/150 %)
        self.tabs.addTab(scrolled(database_tab), "数据库与备份")
        if self.campaigns_box is not None:
            self.tabs.addTab(scrolled(self.campaigns_box), "专项行动")
        self.tabs.addTab(scrolled(self.units_box), "责任单位")
        self.tabs.addTab(scrolled(fonts_box), "公文字体")
        self.power_box = (
            PowerSettingsBox(ctx) if can(ctx.actor, Permission.MANAGE_SETTINGS) else None
        )
        if self.power_box is not None:
            self.tabs.addTab(scrolled(self.power_box), "用电数据")
        lay = QVBoxLayout(self)
        lay.addWidget(pane_header("系统设置"))
        lay.addWidget(self.tabs, 1)

    def _load_security_notes(self) -> None:
        """What the server does not enforce; the password probe only for administrators."""
        db = self.ctx.database
        if db.info.backend == "sqlite":
            self.security_label.setText("单机 SQLite 数据库：能读写数据库文件的人可以改动任何内容，"
                                        "只有审计日志的封存（审计密钥）能发现改写。")  # fmt: skip
            self.security_label.setStyleSheet("")
            return
        probe = can(self.ctx.actor, Permission.MANAGE_USERS)
        run_operation(self, self.ctx, "检查数据库服务器",
                      lambda _s, _p: enforcement_notes(db, probe=probe),
                      on_done=self._show_security_notes, show_progress=False)  # fmt: skip

    def _show_security_notes(self, notes: list[str]) -> None:
        self.security_label.setText(
            "\n\n".join(notes) or "数据库按账户角色和行级安全限制每个账户。"
        )

    def load(self) -> None:
        db = self.ctx.database
        self.db_label.setText(db.info.display)
        self.schema_label.setText(schema_revision(db) or "（空）")
        self.connection_box.load()
        self._load_security_notes()
        self.units_box.load()
        if self.campaigns_box is not None:
            self.campaigns_box.load()
        if self.backup_box is not None:
            self.backup_box.load()
        self.fonts_model.set_listing(font_roles_listing())
        self.fonts_table.resizeColumnsToContents()
        if self.power_box is not None:
            self.power_box.load()
