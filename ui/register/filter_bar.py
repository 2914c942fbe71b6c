"""The register's filter bar: instant search, multi-choice filters, flags, saved views."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from controllers.cases.filters import CaseFilter
from controllers.cases.register_data import Lookups
from models.codes import CaseStatus, Classification, Source
from ui.register.fields import NO_MENU_ARROW

CHECKED = Qt.CheckState.Checked
UNCHECKED = Qt.CheckState.Unchecked
KEY_ROLE = Qt.ItemDataRole.UserRole


class MultiSelectButton(QToolButton):
    """A drop-down list of check boxes; nothing checked means "any"."""

    changed = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setStyleSheet(NO_MENU_ARROW)
        self.list = QListWidget()
        self.list.setObjectName(f"options_{title}")
        self.list.setMinimumWidth(180)
        self.clear_button = QPushButton("不限")
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        lay.addWidget(self.clear_button)
        menu = QMenu(self)
        action = QWidgetAction(menu)
        action.setDefaultWidget(box)
        menu.addAction(action)
        self.setMenu(menu)
        self._update_text()
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemClicked.connect(self._toggle)  # a click on the name ticks it, as in Excel
        self.list.installEventFilter(self)
        self.clear_button.clicked.connect(self.clear)

    def set_options(self, options: Sequence[tuple[Hashable, str]]) -> None:
        """Offer these (key, label) choices, keeping the checked ones that remain."""
        keep = self.selected()
        self.list.blockSignals(True)
        self.list.clear()
        for key, label in options:
            item = QListWidgetItem(label)
            item.setData(KEY_ROLE, key)
            # not user-checkable: every click on the row (box or name) goes through _toggle
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(CHECKED if key in keep else UNCHECKED)
            self.list.addItem(item)
        self.list.setFixedHeight(min(320, max(60, self.list.sizeHintForRow(0) * len(options) + 8)))
        self.list.blockSignals(False)
        self._update_text()

    def _toggle(self, item: QListWidgetItem) -> None:
        item.setCheckState(UNCHECKED if item.checkState() == CHECKED else CHECKED)

    def eventFilter(self, watched, event) -> bool:
        """Space ticks the current choice, as a click does."""
        if (watched is self.list and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Space and self.list.currentItem() is not None):  # fmt: skip
            self._toggle(self.list.currentItem())
            return True
        return super().eventFilter(watched, event)

    def options(self) -> list[Hashable]:
        return [self.list.item(i).data(KEY_ROLE) for i in range(self.list.count())]

    def selected(self) -> frozenset:
        return frozenset(
            self.list.item(i).data(KEY_ROLE)
            for i in range(self.list.count())
            if self.list.item(i).checkState() == CHECKED
        )

    def set_selected(self, keys: frozenset) -> None:
        """Check exactly ``keys`` (no signal)."""
        self.list.blockSignals(True)
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(CHECKED if item.data(KEY_ROLE) in keys else UNCHECKED)
        self.list.blockSignals(False)
        self._update_text()

    def set_key_checked(self, key: Hashable, checked: bool = True) -> None:
        """Check one choice as a clerk would (emits ``changed``)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(KEY_ROLE) == key:
                item.setCheckState(CHECKED if checked else UNCHECKED)

    def clear(self) -> None:
        if self.selected():
            self.set_selected(frozenset())
            self.changed.emit()

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self._update_text()
        self.changed.emit()

    def _update_text(self) -> None:
        chosen = [self.list.item(i).text() for i in range(self.list.count())
                  if self.list.item(i).checkState() == CHECKED]  # fmt: skip
        if not chosen:
            self.setText(f"{self.title} ▾")
        elif len(chosen) == 1:
            self.setText(f"{self.title}：{chosen[0]} ▾")
        else:
            self.setText(f"{self.title}（{len(chosen)}） ▾")
        self.setToolTip("、".join(chosen) if chosen else f"{self.title}：不限")


class FilterBar(QWidget):
    """Builds a :class:`CaseFilter` from the clerk's choices; emits it on every change."""

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("registerSearch")
        self.search.setPlaceholderText("搜索企业名称、地址、业主/法人、联系电话（Ctrl+F）")
        self.search.setClearButtonEnabled(True)
        self.units = MultiSelectButton("县（市、区）")
        self.townships = MultiSelectButton("乡镇")
        self.classifications = MultiSelectButton("整治类型")
        self.statuses = MultiSelectButton("状态")
        self.sources = MultiSelectButton("来源")
        self.batches = MultiSelectButton("批次")
        self.industries = MultiSelectButton("行业")
        self.overdue = QCheckBox("逾期未完成")
        self.quasi = QCheckBox("类散乱污")
        self.relapsed = QCheckBox("反弹")
        self.clear_button = QPushButton("清除筛选")
        self.views = QComboBox()
        self.views.setObjectName("savedViews")
        self.views.setMinimumContentsLength(10)
        self.views.setMinimumWidth(self.views.fontMetrics().horizontalAdvance("（选择视图）") + 40)
        self.views.setToolTip("已保存的视图（筛选、排序和列）")
        self.save_view_button = QPushButton("保存视图…")
        self.delete_view_button = QPushButton("删除视图")
        self.classifications.set_options(Classification.choices())
        self.statuses.set_options(CaseStatus.choices())
        self.sources.set_options(Source.choices())
        self._lookups: Lookups | None = None
        self._extra = CaseFilter()  # narrowings without a widget (a tile's case ids, dates…)
        self._emit_timer = QTimer(self, singleShot=True, interval=0)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(QLabel("视图"))
        top.addWidget(self.views)
        top.addWidget(self.save_view_button)
        top.addWidget(self.delete_view_button)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for w in (self.units, self.townships, self.classifications, self.statuses, self.sources,
                  self.batches, self.industries, self.overdue, self.quasi, self.relapsed):  # fmt: skip
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addLayout(row)
        self._connect_callbacks()

    def _connect_callbacks(self) -> None:
        self.search.textChanged.connect(self._schedule)
        for button in (self.townships, self.classifications, self.statuses, self.sources,
                       self.batches, self.industries):  # fmt: skip
            button.changed.connect(self._schedule)
        self.units.changed.connect(self._on_units_changed)
        for box in (self.overdue, self.quasi, self.relapsed):
            box.toggled.connect(self._on_flag)
        self.clear_button.clicked.connect(self.clear)
        self._emit_timer.timeout.connect(lambda: self.filter_changed.emit(self.current_filter()))

    def _schedule(self, *_args) -> None:
        """Emit once after a burst of changes (typing, several boxes) in the same event."""
        self._emit_timer.start()

    def _on_flag(self, _checked: bool) -> None:
        sender = self.sender()
        name = {self.quasi: "quasi", self.relapsed: "relapsed"}.get(sender)
        if name:
            self._extra = self._extra.with_(**{name: None})
        self._schedule()

    def _on_units_changed(self) -> None:
        self._fill_townships()
        self._schedule()

    def set_lookups(self, lookups: Lookups) -> None:
        """Offer the units, townships, industries and batches of the loaded register."""
        self._lookups = lookups
        self.units.set_options(lookups.units.ordered())
        self.units.setVisible(len(lookups.units.names) > 1)
        self.batches.set_options(lookups.batches.ordered())
        self.industries.set_options(lookups.industries.ordered())
        self._fill_townships()

    def _fill_townships(self) -> None:
        lk = self._lookups
        if lk is None:
            return
        units = self.units.selected()
        options = []
        for town_id, name in lk.townships.ordered():
            unit_id = lk.townships.parent.get(town_id)
            if units and unit_id not in units:
                continue
            label = (
                name
                if (units or len(lk.units.names) == 1)
                else f"{lk.units.names.get(unit_id, '')}·{name}"
            )
            options.append((town_id, label))
        before = self.townships.selected()
        self.townships.set_options(options)
        if before != self.townships.selected():
            self._schedule()

    def current_filter(self) -> CaseFilter:
        """The filter the widgets (and any narrowing without a widget) describe."""
        return self._extra.with_(
            unit_ids=frozenset(self.units.selected()),
            township_ids=frozenset(self.townships.selected()),
            classifications=frozenset(self.classifications.selected()),
            statuses=frozenset(self.statuses.selected()),
            sources=frozenset(self.sources.selected()),
            batch_ids=frozenset(self.batches.selected()),
            industry_ids=frozenset(self.industries.selected()),
            overdue=self.overdue.isChecked(),
            quasi=True if self.quasi.isChecked() else self._extra.quasi,
            relapsed=True if self.relapsed.isChecked() else self._extra.relapsed,
            search=self.search.text(),
        )

    def set_filter(self, f: CaseFilter, *, emit: bool = True) -> None:
        """Show ``f`` in the widgets; emits ``filter_changed`` once."""
        widgets = (self.search, self.units, self.townships, self.classifications, self.statuses,
                   self.sources, self.batches, self.industries, self.overdue, self.quasi,
                   self.relapsed)  # fmt: skip
        for w in widgets:
            w.blockSignals(True)
        try:
            self.search.setText(f.search)
            self.units.set_selected(f.unit_ids)
            self._fill_townships()
            self.townships.set_selected(f.township_ids)
            self.classifications.set_selected(f.classifications)
            self.statuses.set_selected(f.statuses)
            self.sources.set_selected(f.sources)
            self.batches.set_selected(f.batch_ids)
            self.industries.set_selected(f.industry_ids)
            self.overdue.setChecked(f.overdue)
            self.quasi.setChecked(f.quasi is True)
            self.relapsed.setChecked(f.relapsed is True)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._extra = CaseFilter(
            case_ids=f.case_ids,
            discovered_from=f.discovered_from,
            discovered_to=f.discovered_to,
            closed_from=f.closed_from,
            closed_to=f.closed_to,
            quasi=f.quasi if f.quasi is False else None,
            relapsed=f.relapsed if f.relapsed is False else None,
        )
        self._emit_timer.stop()
        if emit:
            self.filter_changed.emit(self.current_filter())

    def clear(self) -> None:
        """No narrowing at all."""
        self.set_filter(CaseFilter())
