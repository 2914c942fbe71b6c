"""Charts and the stage report on a 200,000-case database.

    QT_QPA_PLATFORM=offscreen python bench/charts.py [--db URL] [--runs 5]

Prints, each beside its target (issue 6): the time from opening the chart pane to the drawn
monthly chart — in a fresh process (pyqtgraph imported on the way) and with pyqtgraph
already loaded (it is preloaded once the main window is idle) — the other charts, and the
stage report as PDF and as .docx. As a baseline it prints what loading the dates of every
case into Python would cost, which the aggregate SQL avoids.

Without --db a 200,000-case SQLite database is built once (controllers.demo with bulk
inserts, about two minutes) and kept in the temporary folder for later runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from bench._measure import build_register  # noqa: E402

CASES = 200_000
TARGET_CHART_MS = 300
TARGET_REPORT_S = 5.0

PANE_PROBE = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, ROOT_DIR)
    from ui.app import create_application, local_actor
    app = create_application()
    from PySide6.QtCore import QEvent, QObject, QSettings
    QSettings().clear()  # the window opens on the overview, the chart pane on 月度进展
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.startup import open_database_with_feedback
    db = open_database_with_feedback(DB_URL)
    window = MainWindow(AppContext(db, local_actor()))  # the overview is filled
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    if WARM:
        import pyqtgraph  # what the idle preload has done by the time a clerk opens charts
    class Painted(QObject):
        done = False
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                Painted.done = True
            return False
    t0 = time.perf_counter()
    pane = window.show_pane("charts")  # the clerk clicks 统计图表
    chart = pane.chart("monthly")
    probe = Painted()
    chart.viewport().installEventFilter(probe)
    chart.viewport().update()  # in case it was painted before the probe was in place
    while not Painted.done and time.perf_counter() - t0 < 60:
        app.processEvents()
    print(f"DRAWN {time.perf_counter() - t0:.4f} {len(chart.series.months)}", flush=True)
    for i, key in enumerate(["unit", "classification", "industry", "source"], start=1):
        t1 = time.perf_counter()
        pane.tabs.setCurrentIndex(i)
        app.processEvents()
        print(f"TAB {key} {time.perf_counter() - t1:.4f}", flush=True)
    """
)


def build_database(path: Path) -> str:
    """A 200,000-case SQLite file (kept for later runs)."""
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    part = path.with_suffix(".part")
    part.unlink(missing_ok=True)
    print(f"building {CASES:,} cases in {path} (once)…", flush=True)
    build_register(part, CASES, list_sizes=((2024, 180_000), (2025, 19_996)))
    part.rename(path)
    return url


def pane_run(url: str, warm: bool, env: dict) -> tuple[float, dict[str, float], int]:
    code = (
        PANE_PROBE.replace("ROOT_DIR", repr(str(ROOT)))
        .replace("DB_URL", repr(url))
        .replace("WARM", repr(warm))
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    drawn, months, tabs = None, 0, {}
    for line in proc.stdout.splitlines():
        if line.startswith("DRAWN"):
            _, seconds, months = line.split()
            drawn = float(seconds)
        elif line.startswith("TAB"):
            _, key, seconds = line.split()
            tabs[key] = float(seconds)
    if drawn is None:
        raise RuntimeError("the chart was never drawn:\n" + proc.stderr[-2000:])
    return drawn, tabs, int(months)


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f} ms (worst {max(values) * 1000:.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: a 200,000-case SQLite file)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    settings_dir = tempfile.TemporaryDirectory()  # never touch the clerk's own settings
    env["XDG_CONFIG_HOME"] = settings_dir.name
    url = args.db or build_database(Path(tempfile.gettempdir()) / "rectify-bench-charts-200k.db")

    from sqlalchemy import func, select

    from controllers.actor import SYSTEM
    from controllers.infra.database_setup import open_database
    from controllers.report.generate import generate_report
    from controllers.unit_of_work import call
    from models import Case

    db = open_database(url).database
    with db.session() as s:
        cases = s.scalar(select(func.count()).select_from(Case))
    print(
        f"database: {db.info.display}, {cases:,} cases; {args.runs} runs each; "
        "2-core machine shared with other work: figures are noisy"
    )

    cold, warm, tabs = [], [], {}
    pane_run(url, True, env)  # warm the file cache
    for _ in range(args.runs):
        seconds, _tabs, months = pane_run(url, False, env)
        cold.append(seconds)
        seconds, run_tabs, months = pane_run(url, True, env)
        warm.append(seconds)
        for key, value in run_tabs.items():
            tabs.setdefault(key, []).append(value)
    print(
        f"\nchart pane opened → monthly chart drawn ({months} months)   target < {TARGET_CHART_MS} ms"
    )
    print(f"  pyqtgraph already loaded (idle preload)   {ms(warm)}")
    print(f"  fresh process, pyqtgraph imported on open {ms(cold)}")
    for key, values in tabs.items():
        print(f"  switch to tab {key:<15}             {ms(values)}")

    baseline = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        with db.session() as s:
            rows = s.execute(select(Case.discovered_on, Case.completed_on, Case.closed_on)).all()
        baseline.append(time.perf_counter() - t0)
    print(f"  baseline: load the dates of all {len(rows):,} cases into Python {ms(baseline)}")

    print(
        f"\nstage report (as of {dt.date.today()})                       target < {TARGET_REPORT_S:.0f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".pdf", ".docx"):
            times = []
            for i in range(args.runs):
                t0 = time.perf_counter()
                call(db, generate_report, SYSTEM, Path(tmp) / f"report{i}{suffix}")
                times.append(time.perf_counter() - t0)
            print(
                f"  {suffix[1:]:<5} first {times[0]:.2f} s, median {statistics.median(times):.2f} s, "
                f"worst {max(times):.2f} s"
            )
    db.dispose()
    settings_dir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
