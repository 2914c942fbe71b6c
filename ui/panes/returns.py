"""县区上报: per stage, which units returned (late, signed, published, reviewed); every return;
import a unit's file, download the blank template, open a return to review it."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSettings, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from controllers.permissions import Permission, can
from controllers.returns.lookup import default_stage_id, stage_choices
from controllers.returns.overview import StageOverview, stage_overview
from controllers.returns.records import latest_return_id, returns_listing
from controllers.returns.template import export_template
from ui import events, file_dialogs
from ui.context import AppContext
from ui.listing_model import ListingModel
from ui.operations import show_error
from ui.panes.base import Pane, pane_header
from ui.returns.import_dialog import ImportDialog
from ui.returns.overview_view import COL_OPEN, OverviewModel
from ui.returns.return_dialog import ReturnDialog

logger = logging.getLogger(__name__)
SETTINGS_KEY = "ReturnsPane/stage"


def _table(name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class ReturnsPane(Pane):
    title = "县区上报"
    topics = frozenset({events.RETURNS, events.CASES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.overview: StageOverview | None = None
        #: (label, unit names) the stage overview is narrowed to, e.g. from the overview's tile
        self.unit_filter: tuple[str, frozenset[str]] | None = None
        self.show_all_button = QPushButton("显示全部单位")
        self.show_all_button.setObjectName("showAllUnits")
        self.show_all_button.setVisible(False)
        self.dialogs: list[QWidget] = []
        self.stage_combo = QComboBox()
        self.stage_combo.setObjectName("stageCombo")
        self.stage_combo.setMinimumWidth(260)
        self.import_button = QPushButton("导入上报…")
        self.import_button.setObjectName("importButton")
        self.import_button.setToolTip("核对并登记单位发来的清单文件（Ctrl+I）")
        self.template_button = QPushButton("下载空白模板…")
        self.template_button.setToolTip("标准列、下拉选项、日期校验和填表说明，发给各单位填写")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新读取数据库（F5）")
        self.summary = QLabel()
        self.summary.setObjectName("summaryLabel")
        self.summary.setWordWrap(True)
        self.overview_model = OverviewModel(
            self, may_import=lambda unit_id: can(ctx.actor, Permission.SUBMIT_RETURNS, unit_id)
        )
        self.overview_view = _table("overviewTable")
        self.overview_view.setModel(self.overview_model)
        self.overview_view.setMouseTracking(True)
        # the link next to the unit's name, always in view; the other columns scroll sideways
        self.overview_view.horizontalHeader().moveSection(COL_OPEN, 1)
        self.overview_view.setProperty("scrollsSideways", True)
        self.list_model = ListingModel(parent=self)
        self.list_view = _table("returnsTable")
        self.list_view.setProperty("scrollsSideways", True)  # many columns: the unit first
        self.list_view.setModel(self.list_model)
        self.list_view.setSortingEnabled(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.overview_view, "各单位上报情况")
        self.tabs.addTab(self.list_view, "上报记录")
        can_import = can(ctx.actor, Permission.SUBMIT_RETURNS) or can(
            ctx.actor, Permission.REVIEW_RETURNS
        )
        self.import_button.setEnabled(can_import)
        self.import_button.setVisible(can_import)  # not offered to a read-only role
        bar = QHBoxLayout()
        bar.addWidget(QLabel("阶段："))
        bar.addWidget(self.stage_combo)
        bar.addStretch(1)
        for b in (self.import_button, self.template_button, self.refresh_button):
            bar.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(
            pane_header(
                self.title,
                "各单位上报的自查清单：是否按期上报、主要负责同志签字、政府网站公示与审核情况",
            )
        )
        lay.addLayout(bar)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.summary, 1)
        filter_row.addWidget(self.show_all_button)
        lay.addLayout(filter_row)
        lay.addWidget(self.tabs, 1)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.stage_combo.currentIndexChanged.connect(self._stage_changed)
        self.import_button.clicked.connect(lambda: self.open_import())
        self.template_button.clicked.connect(lambda: self.download_template())
        self.refresh_button.clicked.connect(self.refresh)
        self.show_all_button.clicked.connect(self.clear_unit_filter)
        self.overview_view.clicked.connect(self._overview_clicked)
        self.overview_view.activated.connect(self._overview_activated)
        self.list_view.activated.connect(self._list_activated)
        imports = QShortcut(QKeySequence("Ctrl+I"), self, activated=self.open_import)
        imports.setEnabled(not self.import_button.isHidden())  # only where 导入上报 is offered

    # -- data --------------------------------------------------------------------------
    def stage_id(self) -> int | None:
        return self.stage_combo.currentData()

    def load(self) -> None:
        current = self.stage_id() or QSettings().value(SETTINGS_KEY)
        self.stage_combo.blockSignals(True)
        self.stage_combo.clear()
        choices = self.ctx.call(stage_choices)
        for c in choices:
            self.stage_combo.addItem(c.label, c.id)
        if not choices:
            self.stage_combo.addItem("（尚无专项行动阶段）", None)
        index = self.stage_combo.findData(int(current)) if current not in (None, "") else -1
        if index < 0:
            index = self.stage_combo.findData(self.ctx.call(default_stage_id))
        self.stage_combo.setCurrentIndex(max(index, 0))
        # room for the longest stage, arrow included (the style's hint is a few pixels short)
        self.stage_combo.setMinimumWidth(max(260, self.stage_combo.sizeHint().width() + 16))
        self.stage_combo.blockSignals(False)
        self._fill()

    def apply_named_filter(self, payload: object) -> None:
        """Show one stage narrowed to some units: ``{"stage_id", "unit_names", "label"}``."""
        if not isinstance(payload, dict):
            return
        self.activate()
        self.unit_filter = (payload.get("label", "筛选"), frozenset(payload.get("unit_names", ())))
        index = self.stage_combo.findData(payload.get("stage_id"))
        if index >= 0 and index != self.stage_combo.currentIndex():
            self.stage_combo.blockSignals(True)
            self.stage_combo.setCurrentIndex(index)
            self.stage_combo.blockSignals(False)
            QSettings().setValue(SETTINGS_KEY, self.stage_id())
        self._fill()
        self.tabs.setCurrentIndex(0)

    def clear_unit_filter(self) -> None:
        self.unit_filter = None
        self._fill()

    def _stage_changed(self) -> None:
        self.unit_filter = None  # the clerk chose another stage: show all its units
        if self.stage_id() is not None:
            QSettings().setValue(SETTINGS_KEY, self.stage_id())
        self._fill()

    def _fill(self) -> None:
        stage_id = self.stage_id()
        actor = self.ctx.actor
        if stage_id is not None:
            self.overview = self.ctx.call(stage_overview, actor, stage_id)
            deadline = self.overview.deadline
            due = f"截止 {deadline.isoformat()}；" if deadline else ""
            summary = f"{self.overview.stage_label}：{due}{self.overview.summary()}"
            if self.unit_filter is not None:
                label, names = self.unit_filter
                self.overview.rows = [r for r in self.overview.rows if r.unit_name in names]
                summary += f"\n仅显示“{label}”的 {len(self.overview.rows)} 个单位。"
            self.summary.setText(summary)
        else:
            self.overview = None
            self.summary.setText("尚无专项行动阶段：上报记录见“上报记录”页。")
        self.show_all_button.setVisible(self.unit_filter is not None)
        self.overview_model.set_overview(self.overview)
        self.list_model.set_listing(self.ctx.call(returns_listing, actor, stage_id))
        for view in (self.overview_view, self.list_view):
            header = view.horizontalHeader()
            for col in range(view.model().columnCount()):
                width = max(header.sectionSizeHint(col), view.sizeHintForColumn(col))
                header.resizeSection(col, min(max(width + 16, 60), 300))

    # -- actions -----------------------------------------------------------------------
    def _overview_clicked(self, index: QModelIndex) -> None:
        if index.column() == COL_OPEN:
            self._overview_activated(index)

    def _overview_activated(self, index: QModelIndex) -> None:
        row = self.overview_model.unit_row(index.row())
        if row.return_id is not None:
            self.open_return(row.return_id)
        elif can(self.ctx.actor, Permission.SUBMIT_RETURNS, row.unit_id):
            self.open_import(row.unit_id)

    def _list_activated(self, index: QModelIndex) -> None:
        self.open_return(self.list_model.row_values(index.row())[0])

    def open_return_of_unit(self, unit_id: int) -> ReturnDialog | None:
        """The newest return of a unit for the shown stage."""
        return_id = self.ctx.call(latest_return_id, self.ctx.actor, unit_id, self.stage_id())
        return self.open_return(return_id) if return_id else None

    def open_return(self, return_id: int) -> ReturnDialog:
        dialog = ReturnDialog(self.ctx, return_id, self)
        self._keep(dialog)
        dialog.show()
        return dialog

    def open_import(self, unit_id: int | None = None) -> ImportDialog | None:
        if not self.import_button.isEnabled():
            return None
        dialog = ImportDialog(self.ctx, self, unit_id=unit_id, stage_id=self.stage_id())
        self._keep(dialog)
        dialog.show()
        return dialog

    def _keep(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs.append(dialog)
        dialog.destroyed.connect(
            lambda _=None, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None
        )

    def download_template(self, target: str | Path | None = None) -> Path | None:
        unit_id = self.ctx.actor.unit_id if self.ctx.actor.is_unit_scoped else None
        if target is None:
            name, _ = file_dialogs.get_save_file_name(
                self,
                "保存空白上报模板",
                "“散乱污”企业动态整治清单上报模板.xlsx",
                "Excel 工作簿 (*.xlsx)",
            )
            if not name:
                return None
            target = name

        try:
            out = self.ctx.run(export_template, target, unit_id, self.stage_id())
        except Exception as exc:  # noqa: BLE001 (shown in Chinese)
            show_error(self, "下载空白模板", exc)
            return None
        self.summary.setText(f"已保存空白上报模板：{out}")
        return out
