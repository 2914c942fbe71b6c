"""企业清单: the clerk's main screen — the dynamic rectification list of every unit.

Opening shows the first rows at once (an indexed query) while the whole register loads into
column arrays in the background; from then on filters, search and sorts run in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from controllers.cases.export import export_cases
from controllers.cases.export_name import export_file_name
from controllers.cases.filters import CaseFilter
from controllers.cases.register_data import (
    RegisterData,
    fetch_details,
    fetch_text_column,
    load_register,
    load_register_preview,
    load_register_rows,
)
from controllers.cases.register_view import describe_filter
from controllers.cases.saved_views import delete_view, list_views, save_view
from controllers.errors import UserError
from controllers.permissions import Permission, can
from ui import events, file_dialogs
from ui.context import AppContext
from ui.empty_state import EmptyStack
from ui.operations import run_operation, show_error
from ui.panes.base import Pane, pane_header
from ui.register.bulk_dialogs import BulkResponsibleDialog, BulkStatusDialog, run_bulk_move
from ui.register.case_dialog import IRREVERSIBLE_MOVES, CaseDialog
from ui.register.fields import NO_MENU_ARROW
from ui.register.filter_bar import FilterBar
from ui.register.table_model import (
    OVERDUE_COLOR,
    RELAPSED_COLOR,
    RELAPSED_TEXT_COLOR,
    TABLE_COLUMNS,
    RegisterTableModel,
)
from ui.register.table_view import RegisterTableView
from ui.saved_file import show_saved_file

logger = logging.getLogger(__name__)

#: rows shown at once while the whole register loads
PREVIEW_ROWS = 200


def _swatch(color, text: str, text_color=None) -> QWidget:
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(4)
    chip = QFrame()
    chip.setFixedSize(14, 14)
    chip.setStyleSheet(f"background:{color.name()}; border:1px solid #999;")
    lay.addWidget(chip)
    label = QLabel(text)
    if text_color is not None:
        label.setStyleSheet(f"color:{text_color.name()};")
    lay.addWidget(label)
    return box


class RegisterPane(Pane):
    """The register: filter bar, row count and filter in force, the table, bulk work."""

    title = "企业清单"
    subtitle = "各县（市、区）“散乱污”企业动态整治清单"
    topics = frozenset({events.CASES})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        actor = ctx.actor
        self.model = RegisterTableModel(
            fetch_details=lambda ids: ctx.call(fetch_details, actor, ids),
            fetch_text=lambda key: ctx.call(fetch_text_column, actor, key),
            parent=self,
        )
        self.table = RegisterTableView(self.model)
        self.table.setProperty("scrollsSideways", True)  # 31 columns: scrolled sideways
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.filter_bar = FilterBar()
        self.description_label = QLabel()
        self.description_label.setObjectName("filterDescription")
        # takes the width left beside the legend and wraps there: never cut, never pushing
        # the legend or the count out of the pane
        self.description_label.setWordWrap(True)
        self.description_label.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        self.count_label = QLabel()
        self.count_label.setObjectName("registerCount")
        self.new_button = QPushButton("新建企业…")
        self.new_button.setToolTip("登记新发现的“散乱污”企业（Ctrl+N）")
        self.bulk_button = QToolButton()
        self.bulk_button.setText("批量操作 ▾")
        self.bulk_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bulk_button.setStyleSheet(NO_MENU_ARROW)
        self.bulk_button.setToolTip(
            "对表格中选中的企业变更状态、设置责任人、导出或复制（右键表格亦可）"
        )
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setToolTip("按动态整治清单格式导出当前显示的全部企业（Ctrl+E）")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("重新读取数据库（F5）")
        self._build_bulk_menu()

        top = QHBoxLayout()
        top.addWidget(pane_header(self.title, self.subtitle), 1)
        for w in (self.new_button, self.bulk_button, self.export_button, self.refresh_button):
            top.addWidget(w, 0, Qt.AlignmentFlag.AlignBottom)
        info = QHBoxLayout()
        info.addWidget(self.description_label, 1)
        info.addWidget(_swatch(OVERDUE_COLOR, "逾期未完成"))
        info.addWidget(_swatch(RELAPSED_COLOR, "反弹（棕色字）", RELAPSED_TEXT_COLOR))
        info.addSpacing(12)
        info.addWidget(self.count_label)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.filter_bar)
        lay.addLayout(info)
        self.table_stack = EmptyStack(self.table)
        lay.addWidget(self.table_stack, 1)

        self._generation = 0
        self._loading = None
        self._edited_while_loading: set[int] = set()
        self.last_export: tuple[Path, int] | None = None
        self._views: dict[str, dict] = {}
        self.table.restore_layout()
        self._apply_permissions()
        self._connect_callbacks()
        self._update_labels()

    def _build_bulk_menu(self) -> None:
        menu = QMenu(self)
        self.bulk_status_action = menu.addAction("变更所选企业的状态…")
        self.bulk_responsible_action = menu.addAction("设置所选企业的责任人…")
        menu.addSeparator()
        self.export_selection_action = menu.addAction("导出所选企业…")
        self.copy_action = menu.addAction("复制所选（含表头）")
        self.bulk_button.setMenu(menu)

    def _apply_permissions(self) -> None:
        actor = self.ctx.actor
        can_edit = can(actor, Permission.EDIT_CASES)
        # what the role cannot use is not offered (a read-only view looks read-only)
        self.new_button.setEnabled(can_edit)
        self.new_button.setVisible(can_edit)
        for action in (self.bulk_status_action, self.bulk_responsible_action):
            action.setEnabled(can_edit)
            action.setVisible(can_edit)
        can_export = can(actor, Permission.EXPORT)
        self.export_button.setEnabled(can_export)
        self.export_selection_action.setEnabled(can_export)

    def _connect_callbacks(self) -> None:
        self.filter_bar.filter_changed.connect(self._on_filter_changed)
        self.model.view_changed.connect(self._update_labels)
        self.table.open_requested.connect(self.open_case)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.refresh_button.clicked.connect(self.refresh)
        self.new_button.clicked.connect(self.new_case)
        self.export_button.clicked.connect(self.export_view)
        self.bulk_status_action.triggered.connect(self.bulk_status)
        self.bulk_responsible_action.triggered.connect(self.bulk_responsible)
        self.export_selection_action.triggered.connect(self.export_selection)
        self.copy_action.triggered.connect(lambda: self.table.copy_selection(with_header=True))
        self.table_stack.empty.action.connect(self._empty_action)
        self.filter_bar.views.activated.connect(self._on_view_chosen)
        self.filter_bar.save_view_button.clicked.connect(self.save_current_view)
        self.filter_bar.delete_view_button.clicked.connect(self.delete_current_view)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_search)
        # a role not offered 新建企业 does not get its key either
        new = QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_case)
        new.setEnabled(not self.new_button.isHidden())
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self._export_shortcut)

    # -- loading ------------------------------------------------------------------------
    def load(self) -> None:
        """First rows now (in the filter in force), the whole register in the background."""
        self._generation += 1
        generation = self._generation
        actor = self.ctx.actor
        if not self.model.is_complete:
            try:
                preview = self.ctx.call(load_register_preview, actor, self.model.case_filter,
                                        first=PREVIEW_ROWS)  # fmt: skip
            except Exception as exc:
                logger.warning("%s", exc, exc_info=not isinstance(exc, UserError))
                show_error(self, "企业清单", exc)
                return
            self._show_data(preview)
            if not self._views:
                self._reload_views()
        self._loading = run_operation(
            self, self.ctx, "载入企业清单",
            lambda session, progress: load_register(session, actor, progress=progress),
            on_done=lambda data: self._on_loaded(generation, data),
            show_progress=False,
        )  # fmt: skip
        self._update_labels()

    def _on_loaded(self, generation: int, data: RegisterData) -> None:
        if generation != self._generation:
            return  # a newer load is on its way
        self._loading = None
        self._show_data(data)
        if self._edited_while_loading:
            # saved here while the load ran: the arrays may predate those saves
            ids, self._edited_while_loading = sorted(self._edited_while_loading), set()
            self.refresh_cases(ids)

    def _show_data(self, data: RegisterData) -> None:
        self.filter_bar.set_lookups(data.lookups)
        self.model.set_data(data)
        if data.complete:
            self._reload_views()

    @property
    def is_loading(self) -> bool:
        return self._loading is not None

    def on_data_changed(self, topics: frozenset[str]) -> None:
        ids = _named_case_ids(self.ctx.events.entries)
        if ids is not None and self._loaded:
            self.refresh_cases(ids)  # this window changed named cases: just those rows
            return
        super().on_data_changed(topics)

    def refresh_cases(self, case_ids: list[int]) -> None:
        """Show the saved state of some cases (after an edit in this window)."""
        if self.is_loading:
            self._edited_while_loading.update(case_ids)
        if case_ids and self.model.is_complete:
            fresh = self.ctx.call(load_register_rows, self.ctx.actor, case_ids)
            self.model.refresh_rows(fresh, removed=set(case_ids) - set(fresh.ids.tolist()))

    # -- filter -------------------------------------------------------------------------
    def apply_filter(self, case_filter: CaseFilter) -> None:
        """Show the register narrowed to ``case_filter`` (from a tile, a chart bar…)."""
        self.filter_bar.set_filter(case_filter)

    def _on_filter_changed(self, case_filter: CaseFilter) -> None:
        self.model.set_filter(case_filter)

    def focus_search(self) -> None:
        self.filter_bar.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.search.selectAll()

    def _update_labels(self) -> None:
        model = self.model
        lookups = model.data_set.lookups if model.data_set is not None else None
        if lookups is not None:
            text = "筛选：" + describe_filter(model.case_filter, lookups)
            self.description_label.setText(text)
            self.description_label.setToolTip(text)
        if model.data_set is None:
            self.count_label.setText("正在载入…")
        elif not model.is_complete:
            whole = "全部企业" if model.total < 0 else f"全部 {model.total:,} 家"
            self.count_label.setText(f"正在载入{whole}…（先显示前 {model.rowCount():,} 家）")
        else:
            self.count_label.setText(f"显示 {model.rowCount():,} 家 / 共 {model.total:,} 家")
        self._update_empty_state()

    def _update_empty_state(self) -> None:
        model = self.model
        if model.data_set is None or model.rowCount() > 0 or not model.is_complete:
            self.table_stack.show_empty(None)
        elif model.total == 0:
            can_edit = can(self.ctx.actor, Permission.EDIT_CASES)
            self.table_stack.show_empty(
                "清单中还没有企业。" + ("点“新建企业…”（Ctrl+N）登记，或在“县区上报”中导入单位上报的清单。"
                                       if can_edit else ""),
                "新建企业…" if can_edit else None,
            )  # fmt: skip
        else:
            self.table_stack.show_empty("没有符合条件的企业", "清除筛选")

    def _empty_action(self) -> None:
        if self.model.total == 0:
            self.new_case()
        else:
            self.filter_bar.clear()

    # -- saved views --------------------------------------------------------------------
    def _reload_views(self) -> None:
        try:
            views = self.ctx.call(list_views, self.ctx.actor)
        except Exception:
            logger.exception("saved views could not be read")
            views = []
        self._views = {v.name: {"id": v.id, **v.state} for v in views}
        combo = self.filter_bar.views
        current = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("（选择视图）")
        for name in self._views:
            combo.addItem(name)
        index = combo.findText(current)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)
        self.filter_bar.delete_view_button.setEnabled(bool(self._views))

    def view_state(self) -> dict:
        """The filter, sort and columns in force (what a saved view keeps)."""
        model = self.model
        return {
            "filter": json.loads(model.case_filter.to_json()),
            "sort": [model.sort_key, model.sort_descending] if model.sort_key else None,
            "columns": self.table.visible_columns(),
        }

    def apply_view(self, name: str) -> None:
        """Restore a saved view's filter, sort and columns."""
        state = self._views.get(name)
        if state is None:
            return
        columns = state.get("columns")
        if columns:
            self.table.set_visible_columns(columns)
        sort = state.get("sort")
        keys = [c.key for c in TABLE_COLUMNS]
        if sort and sort[0] in keys:
            order = Qt.SortOrder.DescendingOrder if sort[1] else Qt.SortOrder.AscendingOrder
            self.table.sortByColumn(keys.index(sort[0]), order)
        else:
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            self.model.set_sort(None)
        self.filter_bar.set_filter(CaseFilter.from_json(json.dumps(state.get("filter") or {})))

    def _on_view_chosen(self, index: int) -> None:
        if index > 0:
            self.apply_view(self.filter_bar.views.itemText(index))

    def save_current_view(self, name: str | None = None) -> None:
        if name is None:
            suggested = (
                self.filter_bar.views.currentText()
                if self.filter_bar.views.currentIndex() > 0
                else ""
            )
            name, ok = QInputDialog.getText(self, "保存视图", "视图名称（例如“灵寿县 逾期未完成”）：",
                                            text=suggested)  # fmt: skip
            if not ok:
                return
        try:
            self.ctx.call(save_view, self.ctx.actor, name, self.view_state())
        except Exception as exc:
            logger.warning("%s", exc, exc_info=not isinstance(exc, UserError))
            show_error(self, "保存视图", exc)
            return
        self._reload_views()
        combo = self.filter_bar.views
        combo.setCurrentIndex(max(combo.findText(" ".join(name.split())), 0))

    def delete_current_view(self) -> None:
        name = self.filter_bar.views.currentText()
        state = self._views.get(name)
        if state is None:
            return
        try:
            self.ctx.call(delete_view, self.ctx.actor, state["id"])
        except Exception as exc:
            logger.warning("%s", exc, exc_info=not isinstance(exc, UserError))
            show_error(self, "删除视图", exc)
        self._reload_views()

    # -- one case -----------------------------------------------------------------------
    def open_case(self, case_id: int) -> CaseDialog:
        """The detail dialog of a case (opened, not run modally)."""
        dialog = CaseDialog(self.ctx, case_id, self)
        dialog.saved.connect(lambda cid: self.refresh_cases([cid]))
        dialog.open()
        return dialog

    def new_case(self) -> CaseDialog | None:
        if not can(self.ctx.actor, Permission.EDIT_CASES):
            return None
        dialog = CaseDialog(self.ctx, None, self)
        dialog.saved.connect(lambda cid: self.refresh_cases([cid]))
        dialog.open()
        return dialog

    def _table_menu(self, pos: QPoint) -> None:
        index: QModelIndex = self.table.indexAt(pos)
        menu = QMenu(self)
        if index.isValid():
            open_action = QAction("打开…", menu, shortcut=QKeySequence("Return"))
            open_action.triggered.connect(lambda: self.open_case(self.model.case_id(index.row())))
            menu.addAction(open_action)
        copy = QAction("复制", menu, shortcut=QKeySequence.StandardKey.Copy)
        copy.triggered.connect(lambda: self.table.copy_selection())
        menu.addAction(copy)
        menu.addAction(self.copy_action)
        menu.addSeparator()
        for action in (self.bulk_status_action, self.bulk_responsible_action,
                       self.export_selection_action):  # fmt: skip
            menu.addAction(action)
        menu.addSeparator()
        menu.addMenu(self.table.column_menu())
        menu.exec(self.table.viewport().mapToGlobal(pos))

    # -- bulk work and export -----------------------------------------------------------
    def _inform(self, title: str, text: str) -> QMessageBox:
        """A message that does not block (the clerk closes it when read)."""
        box = QMessageBox(
            QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self
        )
        box.setObjectName("registerInfo")
        box.open()
        return box

    def _need_selection(self, title: str) -> list[int] | None:
        ids = self.table.selected_case_ids()
        if not ids:
            self._inform(title, "请先在表格中选择企业（可按住 Ctrl 或 Shift 多选）。")
            return None
        return ids

    def bulk_status(self) -> BulkStatusDialog | None:
        ids = self._need_selection("变更状态")
        if ids is None:
            return None
        dialog = BulkStatusDialog(len(ids), self)
        dialog.accepted.connect(lambda: self._bulk_move(ids, dialog.target(), dialog.reason()))
        dialog.open()
        return dialog

    def _bulk_move(self, ids: list[int], target, reason: str) -> None:
        """A move the clerk cannot take back is confirmed, after the check, with the names of
        the cases it will move (ui/register/bulk_dialogs.py)."""
        run_bulk_move(self, self.ctx, ids, target, reason, self.refresh_cases,
                      irreversible=IRREVERSIBLE_MOVES.get(target))  # fmt: skip

    def bulk_responsible(self) -> BulkResponsibleDialog | None:
        ids = self._need_selection("设置责任人")
        if ids is None:
            return None
        dialog = BulkResponsibleDialog(self.ctx, ids, self)
        dialog.done_with.connect(self.refresh_cases)
        dialog.open()
        return dialog

    def suggested_name(self) -> str:
        """The export's file name, from the filter in force (灵寿县_逾期未完成_2026-12-01.xlsx)."""
        return export_file_name(self.model.case_filter, self.model.data_set.lookups,
                                dt.date.today())  # fmt: skip

    def _ask_path(self, title: str, name: str) -> Path | None:
        path, _ = file_dialogs.get_save_file_name(self, title, str(Path.home() / name),
                                              "Excel 工作簿 (*.xlsx)")  # fmt: skip
        if not path:
            return None
        return Path(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def _export_shortcut(self) -> None:
        if self.export_button.isEnabled():
            self.export_view()

    def export_view(self, path: Path | None = None):
        """Export every row shown, in the order shown."""
        if not self.model.is_complete:
            self._inform("导出 Excel", "企业清单仍在载入，请稍候片刻再导出。")
            return None
        path = path or self._ask_path("导出企业清单", self.suggested_name())
        if path is None:
            return None
        description = describe_filter(self.model.case_filter, self.model.data_set.lookups)
        return self._export(path, self.model.case_ids(), description)

    def export_selection(self, path: Path | None = None):
        ids = self._need_selection("导出所选企业")
        if ids is None:
            return None
        path = path or self._ask_path(
            "导出所选企业", f"所选企业_{dt.date.today().isoformat()}.xlsx"
        )
        if path is None:
            return None
        return self._export(path, ids, f"所选 {len(ids):,} 家")

    def _export(self, path: Path, ids: list[int], description: str):
        actor = self.ctx.actor

        def work(session, progress):
            return export_cases(session, actor, path, case_ids=ids, description=description,
                                progress=progress)  # fmt: skip

        def done(count: int) -> None:
            self.last_export = (path, count)
            self.export_done_box = show_saved_file(self, "导出 Excel",
                                                   f"已导出 {count:,} 家企业到：", path)  # fmt: skip

        return run_operation(self, self.ctx, "导出 Excel", work, on_done=done)


_BULK_ACTIONS = frozenset({"bulk_status", "bulk_update"})


def _named_case_ids(entries) -> list[int] | None:
    """The cases a unit of work of this window named, when its entries name only cases (and
    saved views, which change no row; bulk changes, started here, whose rows the bulk dialog
    refreshes); None when the whole register may have changed."""
    if not entries:
        return None
    ids: set[int] = set()
    for action, object_type, object_id in entries:
        if object_type == "saved_view" or action in _BULK_ACTIONS:
            continue
        if object_type != "case" or object_id is None or not str(object_id).isdigit():
            return None
        ids.add(int(object_id))
    return sorted(ids)
