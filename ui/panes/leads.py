"""线索: candidates of relocation, relapse and 类散乱污, compared side by side, confirmed or
dismissed; the register scan and the power company's lists run in the background."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from controllers.errors import UserError
from controllers.leads.decisions import confirm_lead, dismiss_lead
from controllers.leads.scanning import import_permits, import_power, scan_leads
from controllers.leads.store import LeadRow, LeadStatus, list_leads
from controllers.permissions import Permission, can
from ui.context import AppContext
from ui.leads.comparison import comparison_html
from ui.leads.dialogs import ConfirmLeadDialog, DismissLeadDialog
from ui.leads.table_model import (
    COL_OTHER,
    COL_THIS,
    HEADERS,
    SORT_ROLE,
    LeadsTableModel,
)
from ui.operations import run_operation, show_error
from ui.panes.base import Pane, pane_header

logger = logging.getLogger(__name__)

POWER_FILTER = "用电数据 (*.xlsx *.xlsm *.xls *.ods *.csv);;所有文件 (*)"
PERMIT_FILTER = "排污许可名单 (*.xlsx *.xlsm *.xls *.ods *.csv);;所有文件 (*)"
#: columns that hold names and addresses start wider than their titles
MIN_WIDTHS = {COL_THIS: 110, COL_OTHER: 110}
EMPTY_HINT = (
    "<p>暂无线索。</p><p>点击“重新研判”（Ctrl+R）比对企业清单，“导入电力数据”（Ctrl+I）"
    "比对供电公司的用电清单，或“导入排污许可”（Ctrl+Shift+I）比对新发放的排污许可（登记）名单。</p>"
)


class LeadsPane(Pane):
    title = "线索"
    topics = frozenset({"leads", "cases"})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.rows: list[LeadRow] = []
        self.model = LeadsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("leadsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self._fit_header()
        self.detail = QTextBrowser()
        self.detail.setObjectName("leadComparison")
        self.status_combo = QComboBox()
        for status in LeadStatus:
            self.status_combo.addItem(status.label, status.value)
        self.status_combo.addItem("全部", None)
        self.count_label = QLabel()
        self.scan_button = QPushButton("重新研判")
        self.scan_button.setToolTip("比对全部企业，找出新的线索（Ctrl+R）")
        self.power_button = QPushButton("导入电力数据…")
        self.power_button.setToolTip("导入供电公司的用电清单并比对（Ctrl+I）")
        self.permit_button = QPushButton("导入排污许可…")
        self.permit_button.setToolTip(
            "导入排污许可（登记）名单，找出已关停取缔企业原址或附近新取得许可的同行业企业"
            "（Ctrl+Shift+I）"
        )
        self.confirm_button = QPushButton("确认线索…")
        self.confirm_button.setToolTip("确认所选线索（Ctrl+Enter）")
        self.dismiss_button = QPushButton("排除…")
        self.dismiss_button.setToolTip("排除所选线索并填写理由（Delete）")
        may_edit = can(ctx.actor, Permission.EDIT_CASES)
        for button in (self.scan_button, self.power_button, self.permit_button):
            button.setVisible(may_edit)
        self._may_edit = may_edit
        self._dialog = None
        self._layout()
        self._connect_callbacks()
        self._update_buttons()

    def _fit_header(self) -> None:
        """Each column at least as wide as its title (and the sort arrow)."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        for col, title in enumerate(HEADERS):
            wanted = metrics.horizontalAdvance(title) + metrics.height() * 3 // 2
            header.resizeSection(col, max(header.sectionSize(col), wanted, MIN_WIDTHS.get(col, 0)))

    def _layout(self) -> None:
        subtitle = (
            "已关停取缔、整合搬迁企业的业主、电话、地址在别处再次出现（异地转移、死灰复燃），"
            "或原址出现同行业的新企业（类散乱污）。县区业务员只看到本单位的线索。"
        )
        top = QHBoxLayout()
        top.addWidget(pane_header(self.title, subtitle), 1)
        top.addWidget(QLabel("显示："), 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.status_combo, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.scan_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.power_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.permit_button, 0, Qt.AlignmentFlag.AlignBottom)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.confirm_button)
        actions.addWidget(self.dismiss_button)
        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        right_lay.addWidget(self.detail, 1)
        right_lay.addLayout(actions)
        split = QSplitter(Qt.Orientation.Vertical)  # the list above, both cases side by side below
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)

    def _connect_callbacks(self) -> None:
        self.status_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.scan_button.clicked.connect(self.scan)
        self.power_button.clicked.connect(self.choose_power_file)
        self.permit_button.clicked.connect(self.choose_permit_file)
        self.confirm_button.clicked.connect(self.confirm_selected)
        self.dismiss_button.clicked.connect(self.dismiss_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        for key, slot, button in (
            ("Ctrl+R", self.scan, self.scan_button),  # not F5: that is the window's refresh
            ("Ctrl+I", self.choose_power_file, self.power_button),
            ("Ctrl+Shift+I", self.choose_permit_file, self.permit_button),
            ("Ctrl+Return", self.confirm_selected, self.confirm_button),
            ("Del", self.dismiss_selected, self.dismiss_button),
        ):
            shortcut = QShortcut(QKeySequence(key), self, activated=slot)
            shortcut.setEnabled(not button.isHidden())  # a role not offered the step: no key

    # -- data ------------------------------------------------------------------------
    def load(self) -> None:
        status = self.status_combo.currentData()
        try:
            self.rows = self.ctx.call(list_leads, self.ctx.actor, status=status)
        except UserError as exc:
            show_error(self, "线索", exc)
            self.rows = []
        self.model.set_rows(self.rows)
        self.count_label.setText(f"共 {len(self.rows)} 条")
        if self.rows:
            self.table.selectRow(0)
        self._show_selected()

    def selected(self) -> LeadRow | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.model.row_at(self.proxy.mapToSource(indexes[0]).row())

    def _show_selected(self) -> None:
        row = self.selected()
        if row is None:
            self.detail.setHtml(EMPTY_HINT if not self.rows else "<p>请在左侧选择一条线索。</p>")
        else:
            self.detail.setHtml(comparison_html(row))
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected()
        open_ = row is not None and row.status == LeadStatus.OPEN and self._may_edit
        self.confirm_button.setEnabled(open_)
        self.dismiss_button.setEnabled(open_)

    # -- background work -------------------------------------------------------------
    def scan(self):
        if not self._may_edit:
            return None
        actor = self.ctx.actor
        return run_operation(self, self.ctx, "线索研判",
                             lambda session, progress: scan_leads(session, actor, progress),
                             on_done=lambda _r: self.load())  # fmt: skip

    def choose_power_file(self) -> None:
        if not self._may_edit:
            return
        path, _ = QFileDialog.getOpenFileName(self, "导入电力数据", "", POWER_FILTER)
        if path:
            self.import_power_file(path)

    def import_power_file(self, path: str):
        return self._import_list(path, "导入电力数据", "户", import_power)

    def choose_permit_file(self) -> None:
        if not self._may_edit:
            return
        path, _ = QFileDialog.getOpenFileName(self, "导入排污许可名单", "", PERMIT_FILTER)
        if path:
            self.import_permit_file(path)

    def import_permit_file(self, path: str):
        return self._import_list(path, "导入排污许可", "家许可单位", import_permits)

    def _import_list(self, path: str, title: str, what: str, work):
        """Import a department's list with ``work`` (an import that also raises candidates)
        in the background; the count line says how many ``what`` came in and what was found."""
        actor = self.ctx.actor
        name = Path(path).name

        def done(result) -> None:
            imported, synced = result
            found = f"新线索 {synced.new} 条" if synced.new else "未发现新线索"
            self.count_label.setText(f"已导入 {imported.rows} {what}，{found}")
            self.load()

        return run_operation(self, self.ctx, title,
                             lambda session, _progress: work(session, actor, path, name),
                             on_done=done)  # fmt: skip

    # -- decisions -------------------------------------------------------------------
    def confirm_selected(self) -> None:
        row = self.selected()
        if row is None or row.status != LeadStatus.OPEN or not self._may_edit:
            return
        dialog = ConfirmLeadDialog(row, self)
        dialog.accepted.connect(lambda: self._decide(confirm_lead, row.id, note=dialog.note_text()))
        self._dialog = dialog
        dialog.open()

    def dismiss_selected(self) -> None:
        row = self.selected()
        if row is None or row.status != LeadStatus.OPEN or not self._may_edit:
            return
        dialog = DismissLeadDialog(row, self)
        dialog.accepted.connect(lambda: self._decide(dismiss_lead, row.id, dialog.reason_text()))
        self._dialog = dialog
        dialog.open()

    def _decide(self, use_case, *args, **kwargs) -> None:
        try:
            self.ctx.run(use_case, *args, **kwargs)
        except UserError as exc:
            show_error(self, "线索", exc)
        self.load()
