"""What a checked return holds: its errors, the new, changed and missing cases, the matches to
confirm and the sheets read or skipped — one tab each."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTabWidget,
    QWidget,
)

from controllers.listings import Listing
from controllers.returns.check import ReturnCheck
from controllers.returns.matching import RowMatch, display_value
from ui.listing_model import ListingModel

DISPLAY_ROLE = Qt.ItemDataRole.DisplayRole
CHECK_ROLE = Qt.ItemDataRole.CheckStateRole
TOOLTIP_ROLE = Qt.ItemDataRole.ToolTipRole
HORIZONTAL = Qt.Orientation.Horizontal
CHECKED, UNCHECKED, UNDECIDED = (
    Qt.CheckState.Checked,
    Qt.CheckState.Unchecked,
    Qt.CheckState.PartiallyChecked,
)
Index = QModelIndex | QPersistentModelIndex

MAX_COLUMN_WIDTH = 220
MIN_COLUMN_WIDTH = 90
LAST_COLUMN_ROOM = 140
TAB_ERRORS, TAB_NEW, TAB_CHANGED, TAB_UNCERTAIN, TAB_MISSING, TAB_SHEETS, TAB_WARNINGS = range(7)


def errors_listing(check: ReturnCheck) -> Listing:
    return Listing(["工作表", "行号", "列", "错误说明"],
                   [(e.sheet, e.row, e.column, e.message) for e in check.errors])  # fmt: skip


def warnings_listing(check: ReturnCheck) -> Listing:
    return Listing(["工作表", "行号", "列", "警告说明"],
                   [(w.sheet, w.row, w.column, w.message) for w in check.warnings])  # fmt: skip


def new_listing(check: ReturnCheck) -> Listing:
    rows = []
    for i in check.diff.new if check.diff else []:
        r = check.rows[i]
        rows.append((check.sheet_of(r), r.row, r.label(), r.get("address") or "",
                     r.get("owner") or "", r.get("township") or "",
                     display_value("classification", r.get("classification")),
                     display_value("status", r.get("status")) or "待整治"))  # fmt: skip
    return Listing(
        ["工作表", "行号", "企业名称", "地址", "业主/法人", "乡镇", "整治类型", "状态"], rows
    )


def changed_listing(check: ReturnCheck) -> Listing:
    rows = []
    for m in check.diff.changed if check.diff else []:
        r = check.rows[m.row]
        for c in m.changes:
            rows.append((check.sheet_of(r), r.row, m.case_id, m.case_label, c.header,
                         c.old_text or "（空）", c.new_text))  # fmt: skip
    return Listing(["工作表", "行号", "台账编号", "企业", "字段", "台账原值", "上报新值"], rows)


def missing_listing(check: ReturnCheck) -> Listing:
    rows = [(m.case_id, m.label, m.address, m.owner, m.status)
            for m in (check.diff.missing if check.diff else [])]  # fmt: skip
    return Listing(["台账编号", "企业", "地址", "业主/法人", "状态"], rows)


def sheets_listing(check: ReturnCheck) -> Listing:
    rows = []
    for s in check.sheets:
        if s.read:
            note = f"表头在第 {s.header_row} 行，识别 {len(s.columns)} 列"
            if s.unplaced:
                note += "；未识别的列：" + "、".join(u.header for u in s.unplaced)
            if s.duplicates:
                note += "；重复的列（已忽略）：" + "、".join(h for h, _k in s.duplicates)
            rows.append((s.name, "已读取", s.rows, note))
        else:
            rows.append((s.name, "已跳过", 0, s.reason))
    return Listing(["工作表", "处理", "数据行", "说明"], rows)


def _joined(a: str | None, b: str | None, sep: str = " ") -> str:
    return sep.join(p for p in (a, b) if p)


class UncertainModel(QAbstractTableModel):
    """Matches to confirm: the clerk ticks 同一企业 or clears it for a new case."""

    #: the reported enterprise beside the register's own (name · address, owner and phone)
    HEADERS = ("同一企业？", "位置", "上报的企业", "上报业主、电话", "台账中的企业", "台账业主、电话",
               "依据")  # fmt: skip
    decisions_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[RowMatch, tuple[Any, ...]]] = []
        self._state: list[Qt.CheckState] = []

    def set_check(self, check: ReturnCheck) -> None:
        self.beginResetModel()
        self._rows = []
        for m in check.diff.uncertain if check.diff else []:
            r = check.rows[m.row]
            address = r.get("address") or ""
            register = m.register or ("", "", "", "")
            reg_name, reg_address, reg_owner, reg_phone = register
            self._rows.append((m, ("", f"{check.sheet_of(r)} 第 {r.row} 行",
                                   _joined(r.label(), address, " · "),
                                   _joined(r.get("owner"), r.get("phone")),
                                   _joined(f"#{m.case_id} {reg_name or m.case_label}", reg_address,
                                           " · "),
                                   _joined(reg_owner, reg_phone), m.reason)))  # fmt: skip
        self._state = [UNDECIDED] * len(self._rows)
        self.endResetModel()
        self.decisions_changed.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if col == 0:
            state = self._state[row]
            if role == CHECK_ROLE:
                return state
            if role == DISPLAY_ROLE:
                return {CHECKED: "是同一企业", UNCHECKED: "作为新企业", UNDECIDED: "待确认"}[state]
            return None
        if role == DISPLAY_ROLE:
            return str(self._rows[row][1][col])
        if role == TOOLTIP_ROLE and col in (2, 4):  # a narrowed column: the whole text
            return str(self._rows[row][1][col])
        if role == TOOLTIP_ROLE and col == 6:
            return "勾选：上报行就是台账中的这家企业（按上报更新）；不勾选：作为新企业写入台账"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and index.column() == 0:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: Any, role: int = CHECK_ROLE) -> bool:
        if not index.isValid() or index.column() != 0 or role != CHECK_ROLE:
            return False
        state = Qt.CheckState(value) if not isinstance(value, Qt.CheckState) else value
        # a click on an undecided box means "the same enterprise"; afterwards it toggles
        self._state[index.row()] = UNCHECKED if state == UNCHECKED else CHECKED
        self.dataChanged.emit(index, index.siblingAtColumn(self.columnCount() - 1))
        self.decisions_changed.emit()
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = DISPLAY_ROLE
    ) -> Any:
        if role == DISPLAY_ROLE and orientation == HORIZONTAL:
            return self.HEADERS[section]
        return None

    def set_all(self, same: bool) -> None:
        """Decide every row at once."""
        self._state = [CHECKED if same else UNCHECKED] * len(self._rows)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))
        self.decisions_changed.emit()

    def undecided(self) -> int:
        return sum(1 for s in self._state if s == UNDECIDED)

    def decisions(self) -> dict[int, int | None]:
        """Row index → case id (same enterprise) or None (a new case), for decided rows."""
        out: dict[int, int | None] = {}
        for (m, _values), state in zip(self._rows, self._state, strict=True):
            if state == CHECKED:
                out[m.row] = m.case_id
            elif state == UNCHECKED:
                out[m.row] = None
        return out


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setSortingEnabled(not isinstance(model, UncertainModel))
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return view


class DiffView(QTabWidget):
    """The tabs of a checked return; empty until :meth:`set_check`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("returnDiff")
        self.errors_model = ListingModel(parent=self)
        self.new_model = ListingModel(parent=self)
        self.changed_model = ListingModel(parent=self)
        self.uncertain_model = UncertainModel(self)
        self.missing_model = ListingModel(parent=self)
        self.sheets_model = ListingModel(parent=self)
        self.warnings_model = ListingModel(parent=self)
        self.views = [
            _table(self.errors_model, "errorsTable"),
            _table(self.new_model, "newTable"),
            _table(self.changed_model, "changedTable"),
            _table(self.uncertain_model, "uncertainTable"),
            _table(self.missing_model, "missingTable"),
            _table(self.sheets_model, "sheetsTable"),
            _table(self.warnings_model, "warningsTable"),
        ]
        for view, title in zip(self.views, ("错误", "新增", "变更", "待确认", "上报中没有", "工作表",
                                            "警告"), strict=True):  # fmt: skip
            self.addTab(view, title)
        self.uncertain_model.decisions_changed.connect(self._retitle)
        self.check: ReturnCheck | None = None

    def set_check(self, check: ReturnCheck | None) -> None:
        self.check = check
        if check is None:
            for model in (self.errors_model, self.new_model, self.changed_model,
                          self.missing_model, self.sheets_model, self.warnings_model):  # fmt: skip
                model.set_listing(Listing([], []))
            self.uncertain_model.beginResetModel()
            self.uncertain_model._rows, self.uncertain_model._state = [], []
            self.uncertain_model.endResetModel()
            self._retitle()
            return
        self.errors_model.set_listing(errors_listing(check))
        self.new_model.set_listing(new_listing(check))
        self.changed_model.set_listing(changed_listing(check))
        self.uncertain_model.set_check(check)
        self.missing_model.set_listing(missing_listing(check))
        self.sheets_model.set_listing(sheets_listing(check))
        self.warnings_model.set_listing(warnings_listing(check))
        for view in self.views:
            self._size_columns(view, self.width() - 30)
        self._retitle()
        if check.errors:
            self.setCurrentIndex(TAB_ERRORS)
        elif check.diff and check.diff.uncertain:
            self.setCurrentIndex(TAB_UNCERTAIN)
        else:
            self.setCurrentIndex(TAB_NEW if check.diff and check.diff.new else TAB_CHANGED)

    def _retitle(self) -> None:
        c = self.check
        diff = c.diff if c else None
        changed_cases = len(diff.changed) if diff else 0
        undecided = self.uncertain_model.undecided()
        titles = [
            f"错误 ({len(c.errors) if c else 0:,})",
            f"新增 ({len(diff.new) if diff else 0:,})",
            f"变更 ({changed_cases:,})",
            f"待确认 ({undecided}/{len(diff.uncertain) if diff else 0})" if undecided
            else f"待确认 ({len(diff.uncertain) if diff else 0})",
            f"上报中没有 ({len(diff.missing) if diff else 0:,})",
            f"工作表 ({len(c.sheets) if c else 0})",
            f"警告 ({len(c.warnings) if c else 0:,})",
        ]  # fmt: skip
        for i, t in enumerate(titles):
            self.setTabText(i, t)

    @staticmethod
    def _size_columns(view: QTableView, available: int) -> None:
        """Columns sized to their contents, then the widest narrowed until the last one (上报新值)
        is in view; a cut cell shows its whole text in its tooltip."""
        header = view.horizontalHeader()
        model = view.model()
        count = model.columnCount()
        widths = []
        for col in range(count):
            width = max(header.sectionSizeHint(col), view.sizeHintForColumn(col))
            widths.append(min(max(width + 16, 60), MAX_COLUMN_WIDTH))
        if isinstance(model, UncertainModel):  # room for the longest answer and its box
            widths[0] = max(widths[0], view.fontMetrics().horizontalAdvance("是同一企业") + 48)
        room = available - LAST_COLUMN_ROOM
        while count > 1 and sum(widths[:-1]) > room:
            widest = max(range(count - 1), key=widths.__getitem__)
            excess = sum(widths[:-1]) - room
            narrower = max(widths[widest] - excess, MIN_COLUMN_WIDTH)
            if narrower == widths[widest]:
                break  # nothing left to give
            widths[widest] = narrower
        if count > 1:  # the last column stretches over what is left, no wider
            widths[-1] = max(min(widths[-1], available - sum(widths[:-1])), MIN_COLUMN_WIDTH)
        for col, width in enumerate(widths):
            header.resizeSection(col, width)
