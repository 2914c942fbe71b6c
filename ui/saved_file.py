"""The message after a file is written: 打开文件 / 打开所在文件夹 / 关闭 (never blocks)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget


def open_path(path: Path) -> bool:
    """Open a file or folder with the program the system uses for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def show_saved_file(parent: QWidget, title: str, text: str, path: Path) -> QMessageBox:
    """Tell where the file went and offer to open it or its folder."""
    box = QMessageBox(QMessageBox.Icon.Information, title, f"{text}\n{path}",
                      QMessageBox.StandardButton.Close, parent)  # fmt: skip
    box.setObjectName("savedFile")
    open_file = box.addButton("打开文件", QMessageBox.ButtonRole.ActionRole)
    open_file.setObjectName("openFile")
    open_folder = box.addButton("打开所在文件夹", QMessageBox.ButtonRole.ActionRole)
    open_folder.setObjectName("openFolder")
    box.setDefaultButton(open_file)

    def clicked(button) -> None:
        if button is open_file:
            open_path(path)
        elif button is open_folder:
            open_path(path.parent)

    box.buttonClicked.connect(clicked)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
