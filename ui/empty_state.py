"""What a list shows when it has nothing to show: a sentence saying why, and the one step
that helps (clear the filter, add the first file…)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """A centred message with an optional button; ``action`` when the button is clicked."""

    action = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.label = QLabel()
        self.label.setObjectName("emptyStateText")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("color: #555;")
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.label.setFont(font)
        self.button = QPushButton()
        self.button.setObjectName("emptyStateButton")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.label)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self.button.clicked.connect(self.action)

    def set_message(self, text: str, button_text: str | None = None) -> None:
        self.label.setText(text)
        self.button.setText(button_text or "")
        self.button.setVisible(bool(button_text))


class EmptyStack(QStackedWidget):
    """Shows ``content`` (e.g. a table), or the empty state in its place."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.empty = EmptyState()
        self.addWidget(content)
        self.addWidget(self.empty)

    def show_empty(self, text: str | None, button_text: str | None = None) -> None:
        """``text`` None: show the content."""
        if text is None:
            self.setCurrentWidget(self.content)
            return
        self.empty.set_message(text, button_text)
        self.setCurrentWidget(self.empty)

    @property
    def is_empty_shown(self) -> bool:
        return self.currentWidget() is self.empty
