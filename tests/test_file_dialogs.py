"""File dialogs never open the database's files: SQLite keeps its locks (Linux, POSIX locks
are dropped when any descriptor of the file is closed)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QFileInfo
from PySide6.QtWidgets import QFileDialog, QFileSystemModel, QWidget

from controllers.actor import SYSTEM
from controllers.audit.trail import record
from tests.factories import make_case
from ui import file_dialogs

pytestmark = pytest.mark.gui


def _opened_files(pid: int) -> set[str]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out.add(os.readlink(fd))
        except OSError:
            continue
    return out


def _show_and_list(qtbot, dialog: QFileDialog, folder: Path, rows: int) -> list[str]:
    """Show the dialog on ``folder``, let its model list and type every entry; then close."""
    dialog.setDirectory(str(folder))
    dialog.open()
    model = dialog.findChild(QFileSystemModel)
    qtbot.waitUntil(lambda: model.rowCount(model.index(str(folder))) >= rows, timeout=10_000)
    root = model.index(str(folder))
    names = []
    for row in range(model.rowCount(root)):
        index = model.index(row, 0, root)
        names.append(model.fileName(index))
        model.type(index)  # the "type" column: where Qt would sniff the content
        model.fileIcon(index)
    dialog.reject()
    return names


def _other_process_sees(db_path: Path) -> tuple[int, str]:
    code = textwrap.dedent(f"""
        import sqlite3
        c = sqlite3.connect({str(db_path)!r})
        n = c.execute("SELECT count(*) FROM cases").fetchone()[0]
        ok = c.execute("PRAGMA integrity_check").fetchone()[0]
        c.close()
        print(n, ok)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)  # fmt: skip
    n, ok = out.stdout.split()
    return int(n), ok


def test_dialogs_name_types_by_suffix_without_reading(qapp):
    provider = file_dialogs.SuffixIconProvider()
    assert provider.type(QFileInfo("/nonexistent/rectify.db")) == "DB 文件"
    assert provider.type(QFileInfo("/nonexistent/rectify.db-wal")) == "DB-WAL 文件"
    assert not provider.icon(QFileInfo("/nonexistent/x.xlsx")).isNull()


def test_dialogs_never_start_in_the_database_folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    file_dialogs.avoid_folder(folder)
    try:
        assert file_dialogs.safe_start(folder) == str(Path.home())
        assert file_dialogs.safe_start(folder / "导出.xlsx") == str(Path.home() / "导出.xlsx")
        assert file_dialogs.safe_start(tmp_path) == str(tmp_path)
    finally:
        file_dialogs._avoid.clear()


def test_browsing_the_database_folder_keeps_sqlites_locks(qtbot, sqlite_db, sqlite_url):
    db_path = Path(sqlite_url.removeprefix("sqlite:///"))
    folder = db_path.parent
    with sqlite_db.session() as s:  # the application's connection stays open in the pool
        make_case(s, remark="before")
        record(s, SYSTEM, "create", "case", 1)
        s.commit()
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists()
    parent = QWidget()
    qtbot.addWidget(parent)
    (folder / "导出").mkdir()
    folders_only = file_dialogs.make_dialog(parent, "文件夹", folder)
    folders_only.setFileMode(QFileDialog.FileMode.Directory)
    folders_only.setOption(QFileDialog.Option.ShowDirsOnly, True)
    dialogs = [
        (file_dialogs.make_dialog(parent, "打开", folder, "所有文件 (*)"), 4),
        (file_dialogs.make_dialog(parent, "保存", folder, "所有文件 (*)"), 4),
        (folders_only, 1),
    ]
    before = _opened_files(os.getpid())
    for dialog, rows in dialogs:
        names = _show_and_list(qtbot, dialog, folder, rows)
        assert (db_path.name in names) == (rows > 1)
        # nothing but SQLite ever had the database files open
        opened = _opened_files(os.getpid()) - before
        assert not {p for p in opened if p.startswith(str(db_path))}
    with sqlite_db.session() as s:
        make_case(s, remark="after")
        s.commit()
    count, ok = _other_process_sees(db_path)
    assert (count, ok) == (2, "ok")
    # The other process closed its connection: had this process lost its locks, SQLite would
    # have taken it for the last user and deleted the WAL and its index.
    assert wal.exists()
    assert db_path.with_name(db_path.name + "-shm").exists()
    with sqlite_db.session() as s:
        make_case(s, remark="third")
        s.commit()
    assert _other_process_sees(db_path) == (3, "ok")
