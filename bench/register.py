"""The register (企业清单) at scale, each figure beside its baseline measured in the same run.

    QT_QPA_PLATFORM=offscreen python bench/register.py --cases 200000 [--db-file PATH]
    QT_QPA_PLATFORM=offscreen python bench/register.py --cases 200000 --pg [--pg-url URL]

Builds an SQLite database of that many cases (the demo generator, SQLAlchemy Core bulk
inserts; reused when --db-file names an existing file), then measures in separate processes:

* opening the pane to its first painted rows, and the memory it adds (RSS) — beside a
  QTableView over a QStandardItemModel holding the same rows (the published columns);
* a search keystroke and a combined filter change, median and worst of 20 — beside
  QSortFilterProxyModel.setFilterFixedString over that QStandardItemModel;
* a sort by 完成时限 — beside the proxy's sort of the same column;
* exporting every row to .xlsx — beside a plain typed xlsxwriter writer of the same cells
  (rows straight from one plain query's cursor, write_string / write_number / write_datetime
  by column type), the two run alternately twice; the best of each is compared;
* the whole process's RSS after the register is loaded (not only what loading added).

Targets at 200,000 cases (2 cores): first rows < 1 s, keystroke < 100 ms, sort < 300 ms,
whole-process RSS < 300 MB, export within 1.2 × plain xlsxwriter.

``--pg``: the register on the test PostgreSQL server over TCP (127.0.0.1): a database of that
many cases is built there (or ``--pg-url`` names one already built, kept afterwards), then the
pane is opened to its first painted rows and its full load, three times alternately with the
baseline — psycopg 3 fetching the same rows (the statement the pane's loader runs, compiled
for PostgreSQL) straight from the server. Targets: first rows < 1 s, full load < 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import build_register, peak_mb, print_result, rss_mb, run_child  # noqa: E402

TARGETS = {"first_paint": 1.0, "keystroke": 0.100, "sort": 0.300, "memory": 300, "export": 1.2}


# -- the child processes -----------------------------------------------------------------
def _paint_probe(widget, started: float, found: dict):
    from PySide6.QtCore import QEvent, QObject

    class Probe(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.Paint and "first_paint" not in found:
                model = widget.parent().model() if hasattr(widget.parent(), "model") else None
                if model is None or model.rowCount() > 0:
                    found["first_paint"] = time.perf_counter() - started
            return False

    probe = Probe()
    widget.installEventFilter(probe)
    return probe


class _PaintCounter:
    """Counts the paint events of a widget."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 (Qt override)
                if event.type() == QEvent.Type.Paint:
                    counter.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _wait(app, condition, timeout: float = 600) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        app.processEvents()
        time.sleep(0.002)
        if time.perf_counter() > end:
            raise TimeoutError("condition not met")


KEYSTROKES = ["蛭", "石", "加", "工", "<", "<", "<", "<", "东", "关", "村", "<", "<", "<",
              "1", "3", "8", "<", "<", "<"]  # fmt: skip


def _open_pane(url: str):
    """The register pane opened on ``url`` as the application opens it: the time to its first
    painted rows and to its full load (``first_paint``, ``full_load``), the process's CPU time
    to each (``first_paint_cpu``, ``cpu``) and the RSS the load peaked at above the RSS before
    (``peak_load``). Returns (app, db, pane, figures, RSS before)."""
    from PySide6.QtCore import QSettings

    from controllers.infra.database_setup import open_database
    from ui.app import create_application, local_actor
    from ui.context import AppContext

    app = create_application()
    QSettings().clear()
    db = open_database(url).database
    ctx = AppContext(db, local_actor())
    from ui.panes.register import RegisterPane  # imported before measuring, as the app does

    app.processEvents()
    result: dict = {}
    rss0 = rss_mb()
    cpu0 = time.process_time()
    start = time.perf_counter()
    pane = RegisterPane(ctx)
    pane.resize(1280, 800)
    probe = _paint_probe(pane.table.viewport(), start, result)
    pane.show()
    pane.activate()
    _wait(app, lambda: "first_paint" in result)
    result["first_paint_cpu"] = time.process_time() - cpu0
    _wait(app, lambda: pane.model.is_complete and not pane.is_loading)
    result["full_load"] = time.perf_counter() - start
    result["cpu"] = time.process_time() - cpu0
    result["peak_load"] = peak_mb() - rss0
    del probe
    return app, db, pane, result, rss0


def child_ours(url: str, out: Path) -> dict:
    from PySide6.QtCore import Qt

    from controllers.cases.filters import CaseFilter
    from ui.register.table_model import COLUMN_INDEX

    app, db, pane, result, rss0 = _open_pane(url)
    for _ in range(5):
        app.processEvents()
    result["memory"] = rss_mb() - rss0
    result["rss_total"] = rss_mb()
    result["rows"] = pane.model.rowCount()
    painted = _PaintCounter(pane.table.viewport())

    def timed(action, done) -> float:
        """From the action to the first paint of the table after the model changed."""
        t = time.perf_counter()
        action()
        _wait(app, done)
        if pane.model.rowCount() == 0 or not pane.table.viewport().isVisible():
            return time.perf_counter() - t  # nothing to paint (an empty result shows a note)
        before = painted.count
        pane.table.viewport().update()
        _wait(app, lambda: painted.count > before)
        return time.perf_counter() - t

    search = pane.filter_bar.search
    keys = []
    for key in KEYSTROKES:
        expected = search.text()[:-1] if key == "<" else search.text() + key
        act = search.backspace if key == "<" else (lambda k=key: search.insert(k))
        keys.append(timed(act, lambda e=expected: pane.model.case_filter.search == e))
    result["keystroke"] = keys
    lookups = pane.model.data_set.lookups
    units = [u for u, _ in lookups.units.ordered()]
    batches = list(lookups.batches.names)
    combos = []
    for i in range(20):
        f = CaseFilter(
            unit_ids=frozenset(units[i % len(units) : i % len(units) + 1 + i % 3]),
            statuses=frozenset(["closed", "accepted", "completed"][: 1 + i % 3]),
            classifications=frozenset(["shutdown", "upgrade"][: 1 + i % 2]),
            batch_ids=frozenset(batches[: 1 + i % 2]),
            overdue=i % 5 == 4,
        )
        combos.append(timed(lambda f=f: pane.filter_bar.set_filter(f),
                            lambda f=f: pane.model.case_filter == f))  # fmt: skip
    result["combined"] = combos
    timed(pane.filter_bar.clear, lambda: pane.model.case_filter.is_empty())
    sorts = []
    col = COLUMN_INDEX["deadline"]
    for i in range(10):
        order = Qt.SortOrder.DescendingOrder if i % 2 else Qt.SortOrder.AscendingOrder
        sorts.append(timed(lambda o=order: pane.table.sortByColumn(col, o), lambda: True))
    result["sort"] = sorts
    name = COLUMN_INDEX["name"]  # text: the whole column read, then ranked in pinyin order
    result["text_sort_first"] = timed(
        lambda: pane.table.sortByColumn(name, Qt.SortOrder.AscendingOrder), lambda: True
    )
    result["text_sort_again"] = [
        timed(lambda o=o: pane.table.sortByColumn(name, o), lambda: True)
        for o in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder) * 3
    ]
    result["peak_rss"] = peak_mb() - rss0
    db.dispose()
    return result


def _plain_rows(session):
    """The published columns as display values, from one plain query (the baselines' data)."""
    return [list(r) for r in session.execute(_plain_statement())]


def _plain_statement():
    """The published columns (names for units, townships, industries and batches)."""
    from sqlalchemy import select

    from controllers.cases.columns import REGISTER_COLUMNS, ColumnKind
    from models import Batch, Case, Industry, Township, Unit

    rel = {ColumnKind.UNIT: Unit.name, ColumnKind.TOWNSHIP: Township.name,
           ColumnKind.INDUSTRY: Industry.name, ColumnKind.BATCH: Batch.name}  # fmt: skip
    cols = [rel.get(c.kind, getattr(Case, c.key, None)) for c in REGISTER_COLUMNS]
    stmt = (
        select(*cols)
        .join(Unit, Unit.id == Case.unit_id)
        .outerjoin(Township, Township.id == Case.township_id)
        .outerjoin(Industry, Industry.id == Case.industry_id)
        .outerjoin(Batch, Batch.id == Case.batch_id)
        .order_by(Unit.sort_order, Case.id)
    )
    return stmt


def child_baseline(url: str, out: Path) -> dict:
    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QHeaderView, QTableView

    from controllers.cases.columns import REGISTER_COLUMNS
    from controllers.infra.database_setup import open_database
    from ui.app import create_application
    from ui.formatting import display

    app = create_application()
    db = open_database(url).database
    app.processEvents()
    result: dict = {}
    rss0 = rss_mb()
    start = time.perf_counter()
    model = QStandardItemModel()
    model.setHorizontalHeaderLabels([c.header for c in REGISTER_COLUMNS])
    with db.session() as session:
        rows = _plain_rows(session)
    for row in rows:
        model.appendRow([QStandardItem(display(v)) for v in row])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)
    table = QTableView()
    table.setModel(proxy)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.resize(1280, 800)
    probe = _paint_probe(table.viewport(), start, result)
    table.show()
    _wait(app, lambda: "first_paint" in result)
    del probe
    result["memory"] = rss_mb() - rss0
    result["rss_total"] = rss_mb()
    result["rows"] = proxy.rowCount()
    painted = _PaintCounter(table.viewport())

    def timed(action) -> float:
        t = time.perf_counter()
        action()
        before = painted.count
        table.viewport().update()
        _wait(app, lambda: painted.count > before)
        return time.perf_counter() - t

    text = ""
    keys = []
    for key in KEYSTROKES:
        text = text[:-1] if key == "<" else text + key
        keys.append(timed(lambda t=text: proxy.setFilterFixedString(t)))
    result["keystroke"] = keys
    timed(lambda: proxy.setFilterFixedString(""))
    deadline = next(i for i, c in enumerate(REGISTER_COLUMNS) if c.key == "deadline")
    sorts = []
    for i in range(4):
        order = Qt.SortOrder.DescendingOrder if i % 2 else Qt.SortOrder.AscendingOrder
        sorts.append(timed(lambda o=order: proxy.sort(deadline, o)))
    result["sort"] = sorts
    db.dispose()
    return result


def _plain_export(db, out: Path) -> tuple[float, float]:
    """A plain typed xlsxwriter writer of the same cells: the rows straight from the cursor
    of one plain query, each column written by the writer of its type (write_string /
    write_number / write_datetime), blanks skipped. Returns (total, write alone) in seconds."""
    import xlsxwriter
    from sqlalchemy import Date, DateTime, Integer, Numeric

    from controllers.cases.columns import REGISTER_COLUMNS

    t = time.perf_counter()
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    ws = wb.add_worksheet()
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [c.header for c in REGISTER_COLUMNS])
    write_time = 0.0
    with db.session() as session:
        stmt = _plain_statement()
        writers = []
        for col in stmt.selected_columns:
            if isinstance(col.type, (Date, DateTime)):
                writers.append(lambda r, c, v: ws.write_datetime(r, c, v, date_format))
            elif isinstance(col.type, (Integer, Numeric)):
                writers.append(ws.write_number)
            else:
                writers.append(lambda r, c, v: ws.write_string(r, c, str(v)))
        plan = list(enumerate(writers))
        for r, row in enumerate(session.connection().execute(stmt), start=1):
            w0 = time.perf_counter()
            for c, write in plan:
                v = row[c]
                if v is not None and v != "":
                    write(r, c, v)
            write_time += time.perf_counter() - w0
    w0 = time.perf_counter()
    wb.close()
    end = time.perf_counter()
    return end - t, write_time + end - w0


def child_export(url: str, out: Path) -> dict:
    """Ours (every row of the register, in its order, by id as the pane exports a view) and
    plain xlsxwriter, alternately, twice each: the machine's load drifts over minutes."""
    from controllers.actor import SYSTEM
    from controllers.cases.export import export_cases
    from controllers.cases.register_data import load_register
    from controllers.infra.database_setup import open_database
    from controllers.unit_of_work import call

    db = open_database(url).database
    with db.session() as session:
        ids = load_register(session, SYSTEM).ids.tolist()
    ours, plain, write_only = [], [], []
    for _ in range(2):
        total, alone = _plain_export(db, out.with_name("plain.xlsx"))
        plain.append(total)
        write_only.append(alone)
        t = time.perf_counter()
        rows = call(db, export_cases, SYSTEM, out, case_ids=ids, description="全部企业").value
        ours.append(time.perf_counter() - t)
    db.dispose()
    return {"ours": ours, "plain": plain, "write_only": write_only, "rows": rows}


def child_load(url: str, out: Path) -> dict:
    """Only opening the pane: first painted rows, the full load, whole-process RSS."""
    _app, db, pane, result, _rss0 = _open_pane(url)
    result["rss_total"] = rss_mb()
    result["rows"] = pane.model.rowCount()
    db.dispose()
    return result


def child_raw_fetch(url: str, out: Path) -> dict:
    """The baseline: psycopg 3 (or sqlite3) fetching the rows the pane's loader reads."""
    from sqlalchemy import select

    from controllers.cases.register_data import _int_exprs, _search_exprs
    from models.database import make_engine

    engine = make_engine(url)
    sql = str(select(*_int_exprs(), *_search_exprs()).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True}))  # fmt: skip
    backend = engine.dialect.name
    cpu0 = time.process_time()
    start = time.perf_counter()
    if backend == "postgresql":
        import psycopg

        plain = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as conn, conn.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
    else:
        import sqlite3

        conn = sqlite3.connect(engine.url.database)
        try:
            rows = conn.execute(sql).fetchall()
        finally:
            conn.close()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return {"full_load": elapsed, "cpu": time.process_time() - cpu0, "rows": len(rows)}


CHILDREN = {"ours": child_ours, "baseline": child_baseline, "export": child_export,
            "load": child_load, "raw_fetch": child_raw_fetch}  # fmt: skip


def run_child_kind(kind: str, url: str, tmp: Path) -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    out = tmp / f"{kind}.xlsx"
    return run_child([__file__, "--child", kind, "--db", url, "--out", str(out)], env=env)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def report(cases: int, ours: dict, base: dict, xlsx: dict | None) -> None:
    med, worst = statistics.median, max
    print()
    print(f"企业清单 at {ours['rows']:,} cases (2 cores, other work running: figures are noisy)")
    print(f"{'':34}{'Rectify Desk':>22}{'baseline':>22}   target")
    rows = [
        ("open → first rows painted", _ms(ours["first_paint"]), _ms(base["first_paint"]),
         "< 1 s"),
        ("  (whole register loaded)", _ms(ours["full_load"]), "", ""),
        ("memory added (RSS)", f"{ours['memory']:,.0f} MB", f"{base['memory']:,.0f} MB", "< 300 MB"),
        ("whole-process RSS after load", f"{ours['rss_total']:,.0f} MB",
         f"{base['rss_total']:,.0f} MB" if "rss_total" in base else "", "< 300 MB"),
        ("  (peak during load, RSS)", f"{ours['peak_load']:,.0f} MB", "", ""),
        ("  (peak over the whole run, RSS)", f"{ours['peak_rss']:,.0f} MB", "", ""),
        ("search keystroke, median", _ms(med(ours["keystroke"])), _ms(med(base["keystroke"])),
         "< 100 ms"),
        ("search keystroke, worst of 20", _ms(worst(ours["keystroke"])),
         _ms(worst(base["keystroke"])), ""),
        ("combined filter, median", _ms(med(ours["combined"])), "—",
         "< 100 ms"),
        ("combined filter, worst of 20", _ms(worst(ours["combined"])), "", ""),
        ("sort by deadline, median", _ms(med(ours["sort"])), _ms(med(base["sort"])), "< 300 ms"),
        ("sort by deadline, worst", _ms(worst(ours["sort"])), _ms(worst(base["sort"])), ""),
        ("sort by name (pinyin), first", _ms(ours["text_sort_first"]), "", ""),
        ("  again (median / worst of 6)", f"{_ms(med(ours['text_sort_again']))} / "
         f"{_ms(worst(ours['text_sort_again']))}", "", ""),
    ]  # fmt: skip
    if xlsx is not None:
        rows += [
        ("export all rows to .xlsx (best of 2)", f"{min(xlsx['ours']):,.1f} s",
         f"{min(xlsx['plain']):,.1f} s", "≤ 1.2 ×"),
        ("  (ratio of the best; runs ours:plain s)", f"{min(xlsx['ours']) / min(xlsx['plain']):.2f} ×",
         " / ".join(f"{a:.0f}:{b:.0f}" for a, b in zip(xlsx["ours"], xlsx["plain"], strict=True)),
         ""),
        ("  (plain xlsxwriter write alone)", "", f"{min(xlsx['write_only']):,.1f} s", ""),
    ]  # fmt: skip
    for label, a, b, target in rows:
        print(f"{label:34}{a:>22}{b:>22}   {target}")
    print()
    print("baselines: QStandardItemModel + QTableView of the 24 published columns; "
          "QSortFilterProxyModel over it (setFilterFixedString on all columns; it has no "
          "combined filter); a plain typed xlsxwriter writer "
          "(constant memory, one writer per column type, rows straight from one plain query).")  # fmt: skip


def main_pg(args: argparse.Namespace) -> int:
    """The pane's first rows and full load on PostgreSQL over TCP, beside psycopg's fetch."""
    from tests import dbservers

    name = None
    url = args.pg_url
    if not url:
        name = dbservers.unique_name("rectify_bench_reg")
        url = dbservers.create_pg(name)
        build_register(url, args.cases)
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            ours, raw = [], []
            for _ in range(args.runs):  # alternately: the machine's load drifts
                ours.append(run_child_kind("load", url, tmp))
                raw.append(run_child_kind("raw_fetch", url, tmp))
    finally:
        if name:
            dbservers.drop_pg(name)
    med = statistics.median
    print()
    print(f"企业清单 on PostgreSQL over TCP, {ours[0]['rows']:,} cases, {args.runs} runs "
          "alternately (median; each run's figures after the slash)")  # fmt: skip
    for label, key in (("open → first rows painted", "first_paint"),
                       ("open → whole register loaded", "full_load")):  # fmt: skip
        runs = " / ".join(_ms(r[key]) for r in ours)
        print(f"  {label:30} {_ms(med(r[key] for r in ours)):>10}   ({runs})")
        cpu = "first_paint_cpu" if key == "first_paint" else "cpu"
        print(f"  {'  (CPU of the process meanwhile)':30} "
              f"{_ms(med(r[cpu] for r in ours)):>10}")  # fmt: skip
    print(f"  {'whole-process RSS after load':30} {med(r['rss_total'] for r in ours):>7,.0f} MB")
    b = med(r["full_load"] for r in raw)
    print(f"  {'baseline: psycopg fetchall':30} {_ms(b):>10}   "
          f"({' / '.join(_ms(r['full_load']) for r in raw)}; CPU "
          f"{_ms(med(r['cpu'] for r in raw))}) → full load "
          f"{med(r['full_load'] for r in ours) / b:.2f}× the bare fetch")  # fmt: skip
    print("  targets: first rows < 1 s, full load < 5 s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--db-file", type=Path, help="SQLite file to build (or reuse if it exists)")
    parser.add_argument(
        "--pg", action="store_true", help="the register on the test PostgreSQL server over TCP"
    )
    parser.add_argument("--pg-url", help="with --pg: a database already built (kept)")
    parser.add_argument("--runs", type=int, default=3, help="with --pg: alternate runs")
    parser.add_argument(
        "--no-export",
        action="store_true",
        help="leave out the export (minutes at 200,000 cases on a loaded machine)",
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print_result(CHILDREN[args.child](args.db, args.out))
        return 0
    if args.pg:
        return main_pg(args)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = args.db_file or tmp / "register.db"
        if not path.exists():
            build_register(path, args.cases)
        url = f"sqlite:///{path}"
        ours = run_child_kind("ours", url, tmp)
        base = run_child_kind("baseline", url, tmp)
        xlsx = None if args.no_export else run_child_kind("export", url, tmp)
        report(args.cases, ours, base, xlsx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
