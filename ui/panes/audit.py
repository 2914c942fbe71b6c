"""审计日志: the audit trail for the 审计管理员 — filters, export, chain check, archiving."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from controllers.audit.archive import archive_old_entries, retention_months
from controllers.audit.query import (
    AuditFilter,
    audit_listing,
    export_audit,
    filter_choices,
)
from controllers.audit.verify import verify_chain
from controllers.permissions import Permission, can
from ui import events, file_dialogs
from ui.dates import NO_DATE, optional_date, optional_date_edit
from ui.listing_model import ListingModel
from ui.operations import run_operation
from ui.panes.base import Pane, pane_header

ANY = "（全部）"
COLUMN_WIDTHS = (70, 150, 90, 110, 80, 80, 60)


class AuditPane(Pane):
    title = "审计日志"
    topics = frozenset({events.AUDIT})

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.user_box = QComboBox()
        self.action_box = QComboBox()
        self.object_box = QComboBox()
        for box in (self.user_box, self.action_box, self.object_box):
            box.setMinimumWidth(120)
        self.since_edit = optional_date_edit("不限")
        self.until_edit = optional_date_edit("不限")
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("详情或对象编号中的文字")
        self.archive_check = QCheckBox("包括已归档")
        self.search_button = QPushButton("查询")
        self.search_button.setDefault(True)
        self.clear_button = QPushButton("清除条件")
        self.export_button = QPushButton("导出 Excel…")
        self.verify_button = QPushButton("校验完整性")
        self.archive_button = QPushButton("归档旧记录…")
        manage = can(ctx.actor, Permission.MANAGE_AUDIT)
        self.export_button.setEnabled(manage)
        self.archive_button.setEnabled(manage)
        self.count_label = QLabel()
        self.model = ListingModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)

        filters = QGridLayout()
        filters.addWidget(QLabel("用户："), 0, 0)
        filters.addWidget(self.user_box, 0, 1)
        filters.addWidget(QLabel("操作："), 0, 2)
        filters.addWidget(self.action_box, 0, 3)
        filters.addWidget(QLabel("对象："), 0, 4)
        filters.addWidget(self.object_box, 0, 5)
        filters.addWidget(QLabel("时间："), 1, 0)
        period = QHBoxLayout()
        period.addWidget(self.since_edit)
        period.addWidget(QLabel("至"))
        period.addWidget(self.until_edit)
        filters.addLayout(period, 1, 1, 1, 3)
        filters.addWidget(self.text_edit, 1, 4, 1, 2)
        filters.setColumnStretch(6, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.archive_check)
        actions.addWidget(self.search_button)
        actions.addWidget(self.clear_button)
        actions.addStretch(1)
        actions.addWidget(self.verify_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.archive_button)
        top = QHBoxLayout()
        top.addWidget(
            pane_header("审计日志", "每一次写入、导入导出、登录与越权尝试，按时间倒序"), 1
        )
        top.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(filters)
        lay.addLayout(actions)
        lay.addWidget(self.table, 1)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.search_button.clicked.connect(self.refresh)
        self.text_edit.returnPressed.connect(self.refresh)
        self.clear_button.clicked.connect(self.clear_filters)
        self.export_button.clicked.connect(self.export)
        self.verify_button.clicked.connect(self.verify)
        self.archive_button.clicked.connect(self.archive)

    # -- filters --------------------------------------------------------------------------
    def _fill(self, box: QComboBox, choices: list[tuple[str, str]]) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(ANY, None)
        for code, label in choices:
            box.addItem(label if label == code else f"{label}（{code}）", code)
        index = box.findData(current)
        box.setCurrentIndex(max(index, 0))
        box.blockSignals(False)

    def current_filter(self) -> AuditFilter:
        return AuditFilter(
            username=self.user_box.currentData(),
            action=self.action_box.currentData(),
            object_type=self.object_box.currentData(),
            since=optional_date(self.since_edit),
            until=optional_date(self.until_edit),
            text=self.text_edit.text().strip() or None,
            include_archive=self.archive_check.isChecked(),
        )

    def clear_filters(self) -> None:
        for box in (self.user_box, self.action_box, self.object_box):
            box.setCurrentIndex(0)
        self.since_edit.setDate(NO_DATE)
        self.until_edit.setDate(NO_DATE)
        self.text_edit.clear()
        self.archive_check.setChecked(False)
        self.refresh()

    # -- loading --------------------------------------------------------------------------
    def load(self) -> None:
        choices = self.ctx.call(filter_choices, self.ctx.actor)
        self._fill(self.user_box, choices["users"])
        self._fill(self.action_box, choices["actions"])
        self._fill(self.object_box, choices["objects"])
        listing, total = self.ctx.call(audit_listing, self.ctx.actor, self.current_filter())
        self.model.set_listing(listing)
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        shown = len(listing.rows)
        more = f"（显示最新 {shown:,} 条，请缩小条件或导出全部）" if total > shown else ""
        self.count_label.setText(f"共 {total:,} 条{more}")
        for col, width in enumerate(COLUMN_WIDTHS):
            header.resizeSection(col, width)

    # -- actions --------------------------------------------------------------------------
    def export(self) -> None:
        default = f"审计日志-{dt.date.today():%Y%m%d}.xlsx"
        path, _ = file_dialogs.get_save_file_name(
            self, "导出审计日志", default, "Excel 工作簿 (*.xlsx)"
        )
        if not path:
            return
        f = self.current_filter()
        run_operation(self, self.ctx, "导出审计日志",
                      lambda session, _p: export_audit(session, self.ctx.actor, f, path),
                      on_done=lambda rows: self._told(f"已导出 {rows:,} 条审计记录到\n{path}"))  # fmt: skip

    def verify(self) -> None:
        run_operation(self, self.ctx, "校验审计日志",
                      lambda session, _p: verify_chain(session), on_done=self._verified)  # fmt: skip

    def _verified(self, report) -> None:
        icon = QMessageBox.Icon.Information if report.intact else QMessageBox.Icon.Critical
        box = QMessageBox(
            icon, "审计日志校验", report.message(), QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("verifyResult")
        box.open()

    def archive(self) -> None:
        months = self.ctx.call(retention_months)
        answer = QMessageBox.question(
            self,
            "归档旧记录",
            f"把 {months} 个月以前的审计记录移入归档表？\n归档的记录不会删除，仍可查询、导出和校验。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        run_operation(self, self.ctx, "归档审计日志",
                      lambda session, _p: archive_old_entries(session, self.ctx.actor),
                      on_done=lambda r: self._told(f"已归档 {r.moved:,} 条（{r.cutoff:%Y-%m-%d} 以前）。"))  # fmt: skip

    def _told(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "审计日志", text,
                          QMessageBox.StandardButton.Ok, self)  # fmt: skip
        box.setObjectName("auditDone")
        box.open()
