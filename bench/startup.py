"""Time from process start to the first painted main window, beside a bare Qt window.

    QT_QPA_PLATFORM=offscreen python bench/startup.py [--db URL] [--runs 5]

Without --db, a demo-size SQLite database (20,427 cases) is made in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAINT_PROBE = """
from PySide6.QtCore import QEvent, QObject, QTimer
class _FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"PAINTED {time.perf_counter() - T0:.4f}", flush=True)
            QTimer.singleShot(0, app.quit)
            obj.removeEventFilter(self)
        return False
probe = _FirstPaint()
"""

BARE = (
    "import time; T0 = time.perf_counter()\n"
    "from PySide6.QtWidgets import QApplication, QMainWindow, QLabel\n"
    "app = QApplication([])\n"
    + PAINT_PROBE
    + "w = QMainWindow(); w.setCentralWidget(QLabel('hello')); w.resize(1280, 800)\n"
    "w.installEventFilter(probe); w.show(); app.exec()\n"
)

OURS = (
    "import time; T0 = time.perf_counter()\n"
    "import sys; sys.path.insert(0, ROOT_DIR)\n"
    "from ui.app import create_application, local_actor\n"
    "app = create_application()\n"
    + PAINT_PROBE
    + textwrap.dedent(
        """
        from ui.startup import open_database_with_feedback
        from ui.main_window import MainWindow
        from ui.context import AppContext
        db = open_database_with_feedback(DB_URL)
        w = MainWindow(AppContext(db, local_actor()))
        w.installEventFilter(probe); w.show(); app.exec()
        """
    )
)


def run_child(code: str, env: dict) -> tuple[float, float]:
    """(seconds to first paint inside the process, wall seconds from spawn to paint)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    inner = None
    for line in proc.stdout:
        if line.startswith("PAINTED"):
            inner = float(line.split()[1])
            wall = time.perf_counter() - start
            break
    proc.wait(timeout=120)
    if inner is None:
        raise RuntimeError("the window was never painted")
    return inner, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a fresh demo SQLite file)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        env.setdefault("XDG_CONFIG_HOME", tmp)
        url = args.db
        if not url:
            from controllers.demo import generate_demo
            from controllers.infra.database_setup import open_database
            from controllers.unit_of_work import call

            url = f"sqlite:///{Path(tmp) / 'demo.db'}"
            db = open_database(url).database
            call(db, generate_demo)
            db.dispose()
        results = {}
        for label, code in (
            ("bare QMainWindow", BARE),
            (
                "Rectify Desk",
                OURS.replace("ROOT_DIR", repr(str(ROOT))).replace("DB_URL", repr(url)),
            ),
        ):
            run_child(code, env)  # warm the file cache
            samples = [run_child(code, env) for _ in range(args.runs)]
            results[label] = samples
        print(f"start-up to first painted window ({args.runs} runs, database {url})")
        print(f"{'':18} {'in-process median':>18} {'worst':>8} {'spawn→paint median':>20}")
        for label, samples in results.items():
            inner = [s[0] for s in samples]
            wall = [s[1] for s in samples]
            print(f"{label:18} {statistics.median(inner) * 1000:15.0f} ms {max(inner) * 1000:5.0f} ms "
                  f"{statistics.median(wall) * 1000:17.0f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
