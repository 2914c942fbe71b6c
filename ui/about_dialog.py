"""The About dialog."""

from __future__ import annotations

import html
import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from controllers.infra.logging_setup import log_dir
from ui.context import AppContext

VERSION = "0.1.0"


class AboutDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("关于 散乱污整治管理台")
        text = (
            f"<h3>散乱污整治管理台 Rectify Desk</h3>"
            f"<p>版本 {VERSION}</p>"
            "<p>市“散乱污”整治办的日常工作台：动态整治清单、县区上报审核、承诺书、"
            "督导抽查、问责记录与统计报告。</p>"
            f"<p>数据库：{html.escape(ctx.database.info.display)}<br>"
            f"日志：{log_dir()}<br>"
            f"Python {platform.python_version()} · PySide6 {pyside_version}</p>"
        )
        label = QLabel(text)
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(label)
        lay.addWidget(buttons)
        # as tall as the wrapped text needs (a long database path takes another line)
        margins = lay.contentsMargins()
        width = 460 - margins.left() - margins.right()
        self.resize(460, max(260, label.heightForWidth(width) + buttons.sizeHint().height()
                             + margins.top() + margins.bottom() + 2 * lay.spacing()))  # fmt: skip
