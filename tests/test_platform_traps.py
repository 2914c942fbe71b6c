"""Regressions for traps measured on this platform."""

import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtGui import QStandardItem, QStandardItemModel

ROOT = Path(__file__).resolve().parent.parent


def test_standard_item_model_keeps_references_to_none(qapp):
    """PySide6 6.12.0 dropped one reference to None per appendRow/setItem (then aborted)."""
    model = QStandardItemModel()
    items = [[QStandardItem(str(i))] for i in range(2000)]
    cells = [QStandardItem("x") for _ in range(2000)]
    model.setColumnCount(2)
    before = sys.getrefcount(None)
    for row in items:
        model.appendRow(row)
    for i, cell in enumerate(cells):
        model.setItem(i, 1, cell)
    after = sys.getrefcount(None)
    assert after >= before - 5, f"None lost {before - after} references"


def test_start_up_does_not_import_the_heavy_libraries(demo_url):
    """pandas, pyqtgraph and reportlab are imported when first needed, not at start."""
    code = textwrap.dedent(
        f"""
        import sys
        from ui.app import create_application, local_actor
        from ui.startup import open_database_with_feedback
        from ui.main_window import MainWindow
        from ui.context import AppContext
        app = create_application()
        db = open_database_with_feedback({demo_url!r})
        w = MainWindow(AppContext(db, local_actor()))
        w.show()
        app.processEvents()
        heavy = sorted(m for m in ("pandas", "pyqtgraph", "reportlab", "openpyxl", "docx")
                       if m in sys.modules)
        print("HEAVY:" + ",".join(heavy))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("HEAVY:"))
    assert line == "HEAVY:", line


def test_copying_html_to_the_clipboard_does_not_crash_at_exit():
    """A QMimeData constructed in Python with an HTML format crashed the process at exit
    (segfault after Python finalisation); the register copies through clipboard_mime."""
    code = textwrap.dedent(
        """
        from PySide6.QtWidgets import QApplication
        from ui.register.clipboard import clipboard_mime, html_table, tsv
        app = QApplication([])
        rows = [["=1+1", "2026-05-17"]]
        app.clipboard().setMimeData(clipboard_mime(tsv(None, rows), html_table(None, rows, [True, False])))
        mime = app.clipboard().mimeData()
        print("FORMATS:" + ",".join(mime.formats()))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert "FORMATS:text/plain,text/html" in proc.stdout
