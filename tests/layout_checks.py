"""One checker for text that does not fit (and buttons the keyboard cannot reach): a label or button whose text is wider than the
widget (Qt cuts or elides it), a wrapped label taller than the room it got, a column header
narrower than its title, a table wider than its view, a widget cut by its parent, a window
larger than the screen. Used by the walk over every pane and dialog (tests/layout_walk.py)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QStyle,
    QTabBar,
    QToolButton,
    QWidget,
)

#: a view whose table may be wider than itself (a horizontal scroll bar is expected)
WIDE_PROPERTY = "scrollsSideways"
SLACK = 1  # pixels of rounding allowed


def _name(w: QWidget) -> str:
    parts = []
    node = w
    while node is not None and len(parts) < 4:
        parts.append(node.objectName() or type(node).__name__)
        node = node.parentWidget()
    return "/".join(reversed(parts))


def _in_scrolled_content(w: QWidget) -> bool:
    """Inside a scroll area's viewport: what does not fit is scrolled to, not cut."""
    node = w.parentWidget()
    while node is not None:
        parent = node.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and node is parent.viewport():
            return not isinstance(parent, QAbstractItemView)
        node = parent
    return False


def _in_item_view(w: QWidget) -> bool:
    node = w.parentWidget()
    while node is not None:
        if isinstance(node, QAbstractItemView | QAbstractSpinBox):
            return True
        node = node.parentWidget()
    return False


def _label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    if label.wordWrap():
        need = label.heightForWidth(label.width())
        if need > label.height() + SLACK:
            return f"文字被截断（需要高 {need}，实际 {label.height()}）：{text[:40]}"
        return None
    need = label.sizeHint().width()
    if need > label.width() + SLACK:
        return f"文字被截断（需要宽 {need}，实际 {label.width()}）：{text[:40]}"
    return None


def _button_problem(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return None
    metrics = button.fontMetrics()
    need = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
    style = button.style()
    if isinstance(button, QCheckBox | QRadioButton):
        need += style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, button)
        need += style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, None, button)
    elif isinstance(button, QPushButton | QToolButton):
        need += 2 * style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, None, button) // 2
        if not button.icon().isNull() and (
            not isinstance(button, QToolButton)
            or button.toolButtonStyle() != Qt.ToolButtonStyle.ToolButtonTextOnly
        ):
            need += button.iconSize().width() + 4
    if need > button.width() + SLACK:
        return f"按钮文字被截断（需要宽 {need}，实际 {button.width()}）：{text[:40]}"
    return None


def _field_problem(w: QWidget) -> str | None:
    """A line edit's hint text, or a drop-down's chosen text, wider than the field."""
    metrics = w.fontMetrics()
    if isinstance(w, QLineEdit):
        if w.text() or not w.placeholderText():
            return None
        text = w.placeholderText()
        room = w.width() - 12 - (20 if w.isClearButtonEnabled() else 0)
    elif isinstance(w, QComboBox):
        text = w.currentText()
        if not text or w.isEditable():
            return None
        room = w.width() - 28  # the frame and the arrow
    else:
        return None
    need = metrics.horizontalAdvance(text)
    if need > room + SLACK:
        return f"提示文字被截断（需要宽 {need}，可用 {room}）：{text[:40]}"
    return None


def _header_problems(view: QAbstractItemView) -> list[str]:
    header = getattr(view, "horizontalHeader", None)
    header = header() if header is not None else None
    model = view.model()
    if not isinstance(header, QHeaderView) or model is None or not header.isVisible():
        return []
    out = []
    metrics = header.fontMetrics()
    margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    sort_room = 12 if header.isSortIndicatorShown() else 0
    for col in range(header.count()):
        if header.isSectionHidden(col) or header.sectionSize(col) == 0:
            continue
        title = model.headerData(col, Qt.Orientation.Horizontal)
        if not title:
            continue
        need = metrics.horizontalAdvance(str(title)) + margin + sort_room
        if need > header.sectionSize(col) + SLACK:
            out.append(f"列标题被截断（需要宽 {need}，实际 {header.sectionSize(col)}）：{title}")
    viewport = view.viewport().width()
    if not view.property(WIDE_PROPERTY) and header.length() > viewport + SLACK and viewport > 0:
        out.append(f"表格宽 {header.length()}，超出可见宽度 {viewport}：最右的列看不到")
    return out


def _scrolled_in_view(w: QWidget, parent: QWidget) -> bool:
    """A table's cell widget that runs past the edge the table scrolls along (a last row half
    shown above a visible scroll bar): scrolled to, like every other row, not cut."""
    view = parent.parentWidget()
    if not isinstance(view, QAbstractItemView) or parent is not view.viewport():
        return False
    g, r = w.geometry(), parent.rect()
    cut_v = g.top() < r.top() - SLACK or g.bottom() > r.bottom() + SLACK
    cut_h = g.left() < r.left() - SLACK or g.right() > r.right() + SLACK
    return ((not cut_v or view.verticalScrollBar().isVisible())
            and (not cut_h or view.horizontalScrollBar().isVisible()))  # fmt: skip


def _cut_by_parent(w: QWidget) -> str | None:
    parent = w.parentWidget()
    if parent is None or w.isWindow() or _in_scrolled_content(w):
        return None
    if _scrolled_in_view(w, parent):
        return None
    if isinstance(w, QScrollBar | QMenu) or isinstance(parent, QTabBar | QAbstractScrollArea):
        return None
    inner = parent.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
    if not inner.contains(w.geometry()):
        return f"被父控件裁切：{_rect(w.geometry())} 不在 {_rect(parent.rect())} 内"
    return None


def _rect(r: QRect) -> str:
    return f"({r.x()},{r.y()} {r.width()}×{r.height()})"


def layout_problems(root: QWidget, screen: QRect | None = None) -> list[str]:
    """Every problem of the visible widgets under ``root`` (a window), as readable lines."""
    out: list[str] = []
    if screen is not None and (root.width() > screen.width() + SLACK
                               or root.height() > screen.height() + SLACK):  # fmt: skip
        out.append(f"{_name(root)}: 窗口 {root.width()}×{root.height()} 大于屏幕 "
                   f"{screen.width()}×{screen.height()}")  # fmt: skip
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.window() is not root:
            continue
        problems = []
        if isinstance(w, QLabel):
            problems.append(_label_problem(w))
        elif isinstance(w, QAbstractButton) and not isinstance(w.parentWidget(), QTabBar):
            problems.append(_button_problem(w))
            internal = isinstance(w.parentWidget(), QLineEdit | QAbstractSpinBox)  # clear button
            if w.isEnabled() and not internal and not w.focusPolicy() & Qt.FocusPolicy.TabFocus:
                problems.append(f"不能用 Tab 键到达：{w.text() or w.toolTip()}")
        if isinstance(w, QAbstractItemView):
            problems.extend(_header_problems(w))
        if isinstance(w, QLineEdit | QComboBox) and not _in_item_view(w):
            problems.append(_field_problem(w))
        problems.append(_cut_by_parent(w))
        out.extend(f"{_name(w)}: {p}" for p in problems if p)
    return out
