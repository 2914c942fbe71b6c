"""督导抽查: the day's checks, entered fast, with the period's running totals always visible.

Keys: Ctrl+N new check, Ctrl+Shift+N copy the previous day's group, Enter edit, Delete
delete, Alt+← / Alt+→ previous / next day, Ctrl+E export, F5 refresh.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from controllers.campaigns import campaign_windows
from controllers.errors import UserError
from controllers.listings import unit_names_by_id
from controllers.overview import current_campaign
from controllers.permissions import Permission, can
from controllers.spot_checks.daily import checks_of_day, load_check, previous_group
from controllers.spot_checks.documents import export_checks, period_text, write_circular
from controllers.spot_checks.entry import CheckInput, delete_check
from controllers.spot_checks.totals import check_totals
from models.codes import FindingKind
from ui import events, file_dialogs
from ui.confirm import confirm
from ui.context import AppContext
from ui.dates import from_qdate, to_qdate
from ui.panes.base import Pane, pane_header
from ui.spot_checks.check_dialog import CheckDialog

COLUMNS = ["检查组", "被检查单位", "带队", "人次", "检查点位", "发现问题"]


class SpotChecksPane(Pane):
    title = "督导抽查"
    topics = frozenset({events.SPOT_CHECKS, events.CASES, events.SETTINGS})  # settings: campaigns

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.can_edit = can(ctx.actor, Permission.EDIT_SPOT_CHECKS)
        today = dt.date.today()
        self.day_edit = QDateEdit(to_qdate(today))
        self.day_edit.setObjectName("dayEdit")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.setToolTip("检查日期：前一天 / 后一天（Alt+Left / Alt+Right）")
        # The totals follow the overview and the stage report: the current campaign's checks,
        # by default from the day it started (this month's when no campaign was set up).
        self.campaign_combo = QComboBox()
        self.campaign_combo.setObjectName("checksCampaign")
        self.campaign_combo.setToolTip("统计、导出和通报所依据的专项行动")
        # a long campaign name takes the room there is, and never widens the window
        self.campaign_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.campaign_combo.setMinimumContentsLength(12)
        self.campaign_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        start = self._fill_campaigns(initial=True)
        # totals for any unit (a county clerk's are their own unit's anyway)
        self.unit_combo = QComboBox()
        self.unit_combo.setObjectName("checksUnit")
        self.unit_combo.setToolTip("统计和导出所依据的被检查单位")
        self.unit_combo.addItem("全部单位", None)
        for unit_id, name in ctx.call(unit_names_by_id):
            if ctx.actor.unit_id in (None, unit_id):
                self.unit_combo.addItem(name, unit_id)
        if ctx.actor.unit_id is not None:
            self.unit_combo.hide()  # never setVisible(True) before it has a parent
        self.from_edit = QDateEdit(to_qdate(min(start, today) if start else today.replace(day=1)))
        self.to_edit = QDateEdit(to_qdate(today))
        for e in (self.from_edit, self.to_edit):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd")
        self.totals_label = QLabel()
        self.totals_label.setObjectName("periodTotals")
        self.totals_label.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("dayChecks")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.new_button = QPushButton("新建")
        self.copy_button = QPushButton("复制上一天")
        self.edit_button = QPushButton("编辑")
        self.delete_button = QPushButton("删除")
        self.export_button = QPushButton("导出 Excel…")
        self.circular_button = QPushButton("通报 PDF…")
        for b, tip in (
            (self.new_button, "新建检查（Ctrl+N）"),
            (self.copy_button, "复制上一天的检查组：人员和单位（Ctrl+Shift+N）"),
            (self.edit_button, "编辑所选检查（Enter）"),
            (self.delete_button, "删除所选检查（Delete）"),
        ):
            b.setEnabled(self.can_edit)
            b.setToolTip(tip)
        self.export_button.setToolTip("导出所选期间的检查（Ctrl+E）")
        self.circular_button.setToolTip("所选期间的督导抽查情况通报（公文版式）")
        self.row_ids: list[int] = []

        day_row = QHBoxLayout()
        day_row.addWidget(QLabel("检查日期："))
        day_row.addWidget(self.day_edit)
        day_row.addStretch(1)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.copy_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        scope_row = QHBoxLayout()
        scope_row.addWidget(QLabel("专项行动："))
        scope_row.addWidget(self.campaign_combo)
        scope_row.addWidget(self.unit_combo)
        period_row = QHBoxLayout()
        period_row.addWidget(QLabel("统计期间："))
        period_row.addWidget(self.from_edit)
        period_row.addWidget(QLabel("至"))
        period_row.addWidget(self.to_edit)
        period_row.addStretch(1)
        docs = QHBoxLayout()
        docs.addStretch(1)
        docs.addWidget(self.export_button)
        docs.addWidget(self.circular_button)
        lay = QVBoxLayout(self)
        lay.addWidget(pane_header(self.title, "每日执法检查组的督导抽查：人员、检查点位与发现问题；"
                                              "发现的新增企业和反弹问题直接写入企业清单"))  # fmt: skip
        lay.addLayout(scope_row)
        lay.addLayout(period_row)
        lay.addWidget(self.totals_label)
        lay.addLayout(day_row)
        lay.addLayout(buttons)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.empty_label)
        lay.addLayout(docs)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.day_edit.dateChanged.connect(lambda _d: self._loaded and self.load())
        self.from_edit.dateChanged.connect(lambda _d: self._loaded and self.load_totals())
        self.to_edit.dateChanged.connect(lambda _d: self._loaded and self.load_totals())
        for combo in (self.campaign_combo, self.unit_combo):
            combo.currentIndexChanged.connect(lambda _i: self._loaded and self.load_totals())
        self.new_button.clicked.connect(self.new_check)
        self.copy_button.clicked.connect(self.copy_previous)
        self.edit_button.clicked.connect(self.edit_check)
        self.delete_button.clicked.connect(self.delete_selected)
        self.export_button.clicked.connect(self.export)
        self.circular_button.clicked.connect(self.circular)
        self.table.doubleClicked.connect(lambda _i: self.edit_check())
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_check)
        QShortcut(QKeySequence("Ctrl+Shift+N"), self, activated=self.copy_previous)
        for key, slot in (
            ("Return", self.edit_check),
            ("Enter", self.edit_check),
            (QKeySequence.StandardKey.Delete, self.delete_selected),
        ):
            QShortcut(QKeySequence(key), self.table, activated=slot,
                      context=Qt.ShortcutContext.WidgetShortcut)  # fmt: skip
        QShortcut(QKeySequence("Alt+Left"), self, activated=lambda: self.step_day(-1))
        QShortcut(QKeySequence("Alt+Right"), self, activated=lambda: self.step_day(1))
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.export)

    # -- reading ---------------------------------------------------------------------
    @property
    def day(self) -> dt.date:
        return from_qdate(self.day_edit.date())

    def period(self) -> tuple[dt.date, dt.date]:
        return from_qdate(self.from_edit.date()), from_qdate(self.to_edit.date())

    @property
    def campaign_id(self) -> int | None:
        return self.campaign_combo.currentData()

    def _fill_campaigns(self, *, initial: bool = False) -> dt.date | None:
        """The campaigns, newest first, then 全部; the current campaign is chosen at first,
        later the clerk's choice is kept. Returns the current campaign's first day."""
        windows = self.ctx.call(campaign_windows)
        current = self.ctx.call(lambda s: getattr(current_campaign(s), "id", None))
        chosen = current if initial else self.campaign_combo.currentData()
        self.campaign_combo.blockSignals(True)
        self.campaign_combo.clear()
        for w in reversed(windows):
            self.campaign_combo.addItem(w.name, w.campaign_id)
        self.campaign_combo.addItem("全部（不分专项行动）", None)
        index = self.campaign_combo.count() - 1  # 全部
        if chosen is not None:
            index = max(self.campaign_combo.findData(chosen), 0)
        self.campaign_combo.setCurrentIndex(index)
        self.campaign_combo.blockSignals(False)
        return next((w.starts_on for w in windows if w.campaign_id == current), None)

    def load(self) -> None:
        self._fill_campaigns()
        rows = self.ctx.call(checks_of_day, self.ctx.actor, self.day)
        self.row_ids = [r.id for r in rows]
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for col, value in enumerate([r.group_name, r.unit, r.leader, str(r.members),
                                         str(r.sites), r.problems]):  # fmt: skip
                self.table.setItem(i, col, QTableWidgetItem(value))
        if rows:
            self.table.selectRow(0)
        self.empty_label.setText(
            ""
            if rows
            else f"{self.day:%Y年%m月%d日}还没有抽查记录。按 Ctrl+N 新建，"
            "或按 Ctrl+Shift+N 复制上一天的检查组。"
        )
        self.load_totals()

    def load_totals(self) -> None:
        start, end = self.period()
        unit_id = self.unit_combo.currentData()
        t = self.ctx.call(
            check_totals, self.ctx.actor, start, end, unit_id, campaign_id=self.campaign_id
        )
        problems = "，".join(f"{FindingKind.label_of(k)} {n}" for k, n in t.by_kind.items()
                            if n and k != FindingKind.NEW_CASE.value)  # fmt: skip
        self.totals_label.setText(
            (f"{self.unit_combo.currentText()} " if unit_id is not None else "")
            + f"{period_text(start, end)}：执法组 {t.groups} 个 · 执法人员 {t.person_times} 人次 · "
            f"检查企业（点位）{t.sites} 个 · 新增“散乱污”企业 {t.new_found} 家"
            + (f" · {problems}" if problems else "")
        )

    def selected_id(self) -> int | None:
        row = self.table.currentRow()
        return self.row_ids[row] if 0 <= row < len(self.row_ids) else None

    def step_day(self, days: int) -> None:
        self.day_edit.setDate(to_qdate(self.day + dt.timedelta(days=days)))

    # -- writing ---------------------------------------------------------------------
    def _open(self, data: CheckInput, check_id: int | None = None, version: int | None = None):
        dialog = CheckDialog(self.ctx, data, check_id=check_id, version=version, parent=self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def new_check(self) -> CheckDialog | None:
        if not self.can_edit:
            return None
        units = self.ctx.call(unit_names_by_id)
        unit_id = self.ctx.actor.unit_id or (units[0][0] if units else 0)
        n = self.table.rowCount() + 1
        return self._open(CheckInput(self.day, f"第{n}执法检查组", unit_id, ()))

    def copy_previous(self) -> CheckDialog | None:
        if not self.can_edit:
            return None
        data = self.ctx.call(previous_group, self.ctx.actor, self.day)
        if data is None:
            QMessageBox.information(
                self, "没有可复制的检查组", "此日期之前还没有抽查记录，或上一天的检查组都已复制。"
            )
            return None
        return self._open(data)

    def edit_check(self) -> CheckDialog | None:
        check_id = self.selected_id()
        if check_id is None or not self.can_edit:
            return None
        data, version = self.ctx.call(load_check, self.ctx.actor, check_id)
        return self._open(data, check_id, version)

    def delete_selected(self) -> None:
        check_id = self.selected_id()
        if check_id is None or not self.can_edit:
            return
        data, version = self.ctx.call(load_check, self.ctx.actor, check_id)

        def delete() -> None:
            try:
                self.ctx.run(delete_check, check_id, version)
            except UserError as exc:
                QMessageBox.warning(self, "未删除", str(exc))

        self.confirm_box = confirm(
            self, "删除抽查记录",
            f"删除 {data.checked_on:%Y年%m月%d日} {data.group_name} 的抽查记录？",
            "删除后不能恢复（审计日志中保留删除记录）；已写入企业清单的发现不能删除。", "删除", delete,
        )  # fmt: skip

    def export(self) -> None:
        start, end = self.period()
        path, _ = file_dialogs.get_save_file_name(self, "导出督导抽查", f"督导抽查{start:%m%d}-{end:%m%d}.xlsx",
                                              "Excel 工作簿 (*.xlsx)")  # fmt: skip
        if path:
            self._write(export_checks, path, start, end, self.unit_combo.currentData(),
                        campaign_id=self.campaign_id)  # fmt: skip

    def circular(self) -> None:
        start, end = self.period()
        path, _ = file_dialogs.get_save_file_name(self, "督导抽查情况通报", "督导抽查情况通报.pdf",
                                              "PDF 文件 (*.pdf)")  # fmt: skip
        if path:
            self._write(write_circular, path, start, end, campaign_id=self.campaign_id)

    def _write(self, fn, path: str, start: dt.date, end: dt.date, *args, **kw) -> None:
        try:
            self.ctx.run(fn, path, start, end, *args, **kw)
        except UserError as exc:
            QMessageBox.warning(self, "未导出", str(exc))
