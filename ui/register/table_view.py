"""The register's table view: keyboard (Enter opens, Ctrl+C copies cells), a column chooser on
the header, and a remembered layout (order, widths, hidden columns, sort)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QTableView,
    QWidget,
)

from controllers.cases.columns import ColumnKind
from ui.busy import wait_cursor
from ui.register.clipboard import HTML_ROW_LIMIT, clipboard_mime, html_table, tsv
from ui.register.table_model import COLUMN_INDEX, TABLE_COLUMNS, RegisterTableModel

SETTINGS_GROUP = "RegisterPane"
#: columns hidden until the clerk shows them
DEFAULT_HIDDEN = frozenset({"township_checked_on", "approved_by", "completed_on", "is_quasi"})
#: where the application's status column goes by default: right after 企业名称
DEFAULT_MOVES = (("status", "owner"),)
CHAR_PX = 7  # width of one Latin character in the table font, roughly
#: rows whose text columns are fetched at once when copying
COPY_CHUNK = 5000
#: columns pasted as Excel interprets them (dates as dates, counts as numbers); the rest as text
NUMBER_LIKE_KINDS = frozenset({ColumnKind.DATE, ColumnKind.INT})


class RegisterTableView(QTableView):
    """The table; emits ``open_requested(case_id)`` on Enter or double-click."""

    open_requested = Signal(int)
    layout_changed = Signal()

    def __init__(self, model: RegisterTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("registerTable")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)  # the default order until the clerk clicks a header
        self._save_timer = QTimer(self, singleShot=True, interval=400)
        self.apply_default_layout()
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        header = self.horizontalHeader()
        header.customContextMenuRequested.connect(self._header_menu)
        for signal in (header.sectionMoved, header.sectionResized, header.sortIndicatorChanged):
            signal.connect(lambda *_: self._save_timer.start())
        self._save_timer.timeout.connect(self.save_layout)
        self.doubleClicked.connect(self._open_index)

    @property
    def register_model(self) -> RegisterTableModel:
        return self.model()

    # -- layout -------------------------------------------------------------------------
    def apply_default_layout(self) -> None:
        """The published column order (状态 after 企业名称), widths from the column list."""
        header = self.horizontalHeader()
        header.blockSignals(True)
        for logical in range(len(TABLE_COLUMNS)):
            visual = header.visualIndex(logical)
            if visual != logical:
                header.moveSection(visual, logical)
        for key, after in DEFAULT_MOVES:
            header.moveSection(header.visualIndex(COLUMN_INDEX[key]),
                               header.visualIndex(COLUMN_INDEX[after]))  # fmt: skip
        for i, col in enumerate(TABLE_COLUMNS):
            header.setSectionHidden(i, col.key in DEFAULT_HIDDEN)
            header.resizeSection(i, max(col.width * CHAR_PX + 16, len(col.header) * 14 + 24))
        header.blockSignals(False)

    def save_layout(self) -> None:
        s = QSettings()
        s.beginGroup(SETTINGS_GROUP)
        s.setValue("header", self.horizontalHeader().saveState())
        s.endGroup()
        self.layout_changed.emit()

    def restore_layout(self) -> bool:
        """The remembered column layout and sort; False when there is none."""
        s = QSettings()
        s.beginGroup(SETTINGS_GROUP)
        state = s.value("header")
        s.endGroup()
        if not isinstance(state, QByteArray | bytes) or not state:
            return False
        return self.horizontalHeader().restoreState(state)

    def visible_columns(self) -> list[str]:
        """Keys of the shown columns, in their on-screen order."""
        header = self.horizontalHeader()
        logical = [header.logicalIndex(v) for v in range(header.count())]
        return [TABLE_COLUMNS[i].key for i in logical if not header.isSectionHidden(i)]

    def set_visible_columns(self, keys: list[str]) -> None:
        """Show these columns in this order (the others hidden after them)."""
        header = self.horizontalHeader()
        wanted = [COLUMN_INDEX[k] for k in keys if k in COLUMN_INDEX]
        if not wanted:
            return
        for target, logical in enumerate(wanted):
            header.moveSection(header.visualIndex(logical), target)
        for i in range(len(TABLE_COLUMNS)):
            header.setSectionHidden(i, i not in wanted)
        self._save_timer.start()

    def _header_menu(self, pos) -> None:
        menu = self.column_menu()
        menu.exec(self.horizontalHeader().mapToGlobal(pos))

    def column_menu(self) -> QMenu:
        """显示的列: one checkable entry per column, and 恢复默认."""
        header = self.horizontalHeader()
        menu = QMenu("显示的列", self)
        menu.setObjectName("columnMenu")
        for logical in [header.logicalIndex(v) for v in range(header.count())]:
            col = TABLE_COLUMNS[logical]
            action = QAction(col.header, menu, checkable=True)
            action.setChecked(not header.isSectionHidden(logical))
            action.setData(col.key)
            action.toggled.connect(lambda on, i=logical: self.set_column_shown(i, on))
            menu.addAction(action)
        menu.addSeparator()
        reset = menu.addAction("恢复默认列")
        reset.triggered.connect(self._reset_layout)
        return menu

    def set_column_shown(self, logical: int, shown: bool) -> None:
        header = self.horizontalHeader()
        if not shown and header.count() - header.hiddenSectionCount() <= 1:
            return  # keep at least one column
        header.setSectionHidden(logical, not shown)
        self._save_timer.start()

    def _reset_layout(self) -> None:
        self.apply_default_layout()
        self._save_timer.start()

    # -- keyboard and opening -----------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            current = self.currentIndex()
            if current.isValid():
                self._open_index(current)
                event.accept()
                return
        super().keyPressEvent(event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.register_model.case_id(index.row()))

    def selected_rows(self) -> list[int]:
        """Selected rows in view order (from the selection ranges, not one index per cell)."""
        rows: list[np.ndarray] = []
        for rng in self.selectionModel().selection():
            rows.append(np.arange(rng.top(), rng.bottom() + 1))
        if not rows:
            return []
        return np.unique(np.concatenate(rows)).tolist()

    def selected_case_ids(self) -> list[int]:
        return self.register_model.case_ids(self.selected_rows())

    def _visible_columns_in_order(self) -> list[int]:
        header = self.horizontalHeader()
        columns = [header.logicalIndex(v) for v in range(header.count())]
        return [c for c in columns if not header.isSectionHidden(c)]

    def selection_cells(self) -> tuple[list[int], list[list[str]]]:
        """The visible columns (in view order) and the selected rows' cell texts."""
        model = self.register_model
        rows = self.selected_rows()
        columns = self._visible_columns_in_order()
        out: list[list[str]] = []
        for start in range(0, len(rows), COPY_CHUNK):
            chunk = rows[start : start + COPY_CHUNK]
            model.ensure_details(chunk)  # one query per chunk, not one per screenful
            texts = [model.column_texts(chunk, c) for c in columns]
            out.extend(list(cells) for cells in zip(*texts, strict=True))
        return columns, out

    def copy_selection(self, with_header: bool = False) -> int:
        """Put the selected rows on the clipboard as TSV and, up to ``HTML_ROW_LIMIT`` rows,
        as an HTML table whose text cells stay text in Excel/WPS; returns the row count."""
        with wait_cursor():
            columns, rows = self.selection_cells()
            if not rows:
                return 0
            header = [TABLE_COLUMNS[c].header for c in columns] if with_header else None
            html = None
            if len(rows) <= HTML_ROW_LIMIT:
                is_text = [TABLE_COLUMNS[c].kind not in NUMBER_LIKE_KINDS for c in columns]
                html = html_table(header, rows, is_text)
            mime = clipboard_mime(tsv(header, rows), html)
        QGuiApplication.clipboard().setMimeData(mime)
        return len(rows)
