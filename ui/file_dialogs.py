"""File dialogs that never open the files they list.

Qt's dialogs guess a file's type by reading it (the MIME database sniffs content) to pick its
icon and "type" text. Opening and closing ``rectify.db``, ``-wal`` or ``-shm`` that way drops
every POSIX lock this process holds on them (SQLite's "How To Corrupt An SQLite Database
File", 2.2): another process then deletes the WAL index under the application. These dialogs
are Qt's own (not the platform's), name types by suffix only, do not resolve symbolic links,
and never start in the database's folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileInfo
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QApplication, QFileDialog, QStyle, QWidget

#: the folders dialogs must not start in (the database's); set by the main window
_avoid: set[Path] = set()


class SuffixIconProvider(QAbstractFileIconProvider):
    """Icons and type names from the name alone: never opens a file."""

    def icon(self, what) -> QIcon:  # QFileInfo or IconType
        style = QApplication.style()
        if isinstance(what, QFileInfo):
            is_dir = what.isDir()
        else:
            is_dir = what in (QAbstractFileIconProvider.IconType.Folder,
                              QAbstractFileIconProvider.IconType.Drive)  # fmt: skip
        return style.standardIcon(QStyle.StandardPixmap.SP_DirIcon if is_dir
                                  else QStyle.StandardPixmap.SP_FileIcon)  # fmt: skip

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "文件夹"
        suffix = info.suffix()
        return f"{suffix.upper()} 文件" if suffix else "文件"


_provider: SuffixIconProvider | None = None


def avoid_folder(folder: Path | None) -> None:
    """Never start a dialog in ``folder`` (the SQLite database's)."""
    if folder is not None:
        _avoid.add(folder.resolve())


def safe_start(start: str | Path | None) -> str:
    """The folder or file to start in, moved away from the database's folder."""
    if not start:
        return str(Path.home())
    path = Path(start).expanduser()
    folder = path if path.is_dir() else path.parent
    try:
        resolved = folder.resolve()
    except OSError:
        return str(Path.home())
    if resolved in _avoid:
        home = Path.home()
        return str(home / path.name) if not path.is_dir() else str(home)
    return str(path)


def make_dialog(parent: QWidget | None, caption: str, start: str | Path | None,
                name_filter: str = "") -> QFileDialog:  # fmt: skip
    """A Qt (non-native) dialog that identifies files by name only."""
    global _provider
    if _provider is None:
        _provider = SuffixIconProvider()
    dialog = QFileDialog(parent, caption, safe_start(start), name_filter)
    dialog.setObjectName("safeFileDialog")
    dialog.setOptions(
        QFileDialog.Option.DontUseNativeDialog
        | QFileDialog.Option.DontResolveSymlinks
        | QFileDialog.Option.DontUseCustomDirectoryIcons
    )
    dialog.setIconProvider(_provider)
    return dialog


def _run(dialog: QFileDialog) -> tuple[str, str]:
    if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
        return "", ""
    return dialog.selectedFiles()[0], dialog.selectedNameFilter()


def get_open_file_name(parent: QWidget | None, caption: str = "", start: str | Path = "",
                       name_filter: str = "") -> tuple[str, str]:  # fmt: skip
    dialog = make_dialog(parent, caption, start, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    return _run(dialog)


def get_save_file_name(parent: QWidget | None, caption: str = "", start: str | Path = "",
                       name_filter: str = "") -> tuple[str, str]:  # fmt: skip
    dialog = make_dialog(parent, caption, start, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    return _run(dialog)


def get_existing_directory(parent: QWidget | None, caption: str = "",
                           start: str | Path = "") -> str:  # fmt: skip
    dialog = make_dialog(parent, caption, start)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    return _run(dialog)[0]


def get_open_file_names(parent: QWidget | None, caption: str = "", start: str | Path = "",
                        name_filter: str = "") -> tuple[list[str], str]:  # fmt: skip
    dialog = make_dialog(parent, caption, start, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    if dialog.exec() != QFileDialog.DialogCode.Accepted:
        return [], ""
    return dialog.selectedFiles(), dialog.selectedNameFilter()
