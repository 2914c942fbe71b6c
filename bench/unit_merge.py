"""Time merging the demo's largest unit into the second largest, beside bare SQL doing the
same row moves.

    python bench/unit_merge.py [--runs 3]

The demo database (18,959 + 1,464 cases over 25 units) is made once on SQLite in a temporary
folder and copied for each run. The application side is what the clerk waits for: the count
behind the confirmation (``plan_unit_merge``) and the merge itself (``merge_units``: versions
claimed, every table decided, cases renumbered, three history rows a case at most, audit), each
one unit of work. The baseline is the standard library's sqlite3 moving the same cases in one
transaction with the least SQL that does it: one history row per case for the unit, one per
numbered case for its number, ``UPDATE cases`` with the new unit and numbers, the townships
and returns re-pointed (same-named townships stay: the
baseline does not merge them). Medians of ``--runs`` runs, measured in the same process.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from controllers.actor import Actor  # noqa: E402
from controllers.demo import generate_demo  # noqa: E402
from controllers.unit_of_work import call, run  # noqa: E402
from controllers.units.merge import merge_units, plan_unit_merge  # noqa: E402
from controllers.units.records import list_units  # noqa: E402
from controllers.units.reference import load_reference_units  # noqa: E402
from models.codes import Role  # noqa: E402
from models.database import Database, make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402

CITY = Actor(None, "city", Role.CITY_CLERK)


def _demo(folder: Path) -> Path:
    path = folder / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, backup=False)
    db = Database.from_engine(engine)
    with db.session() as s:
        load_reference_units(s)
        s.commit()
    call(db, generate_demo)
    engine.dispose()
    return path


def _pick(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT unit_id, count(*) FROM cases GROUP BY unit_id ORDER BY 2 DESC LIMIT 2"
        ).fetchall()
    conn.close()
    return rows[0][0], rows[1][0], rows[0][1]


def _app(path: Path, a: int, b: int) -> tuple[float, float]:
    db = Database.from_engine(make_engine(f"sqlite:///{path}"))
    try:
        rows = {u.id: u for u in call(db, list_units, CITY).value}
        t0 = time.perf_counter()
        call(db, plan_unit_merge, CITY, a, b)
        t1 = time.perf_counter()
        run(db, CITY, merge_units, rows[a], rows[b])
        t2 = time.perf_counter()
    finally:
        db.dispose()
    return t1 - t0, t2 - t1


def _bare(path: Path, a: int, b: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        (last,) = conn.execute(
            "SELECT coalesce(max(serial_no), 0) FROM cases WHERE unit_id = ?", (b,)
        ).fetchone()
        conn.execute(
            "INSERT INTO case_changes (case_id, changed_at, field, old_value, new_value, note) "
            "SELECT id, datetime('now'), 'unit_id', ?, ?, 'merge' FROM cases WHERE unit_id = ?",
            (str(a), str(b), a),
        )
        conn.execute(
            "INSERT INTO case_changes (case_id, changed_at, field, old_value, new_value, note) "
            "SELECT id, datetime('now'), 'serial_no', serial_no, ? + row_number() OVER "
            "(ORDER BY serial_no, id), 'merge' FROM cases WHERE unit_id = ? "
            "AND serial_no IS NOT NULL",
            (last, a),
        )
        conn.execute(
            "UPDATE cases SET serial_no = ? + (SELECT rn FROM (SELECT id, row_number() OVER "
            "(ORDER BY serial_no, id) AS rn FROM cases WHERE unit_id = ? AND serial_no IS NOT "
            "NULL) s WHERE s.id = cases.id) WHERE unit_id = ? AND serial_no IS NOT NULL",
            (last, a, a),
        )
        conn.execute(
            "UPDATE cases SET unit_id = ?, version = version + 1 WHERE unit_id = ?", (b, a)
        )
        conn.execute(
            "UPDATE townships SET unit_id = ? WHERE unit_id = ? "
            "AND name NOT IN (SELECT name FROM townships WHERE unit_id = ?)",
            (b, a, b),
        )
        conn.execute("UPDATE county_returns SET unit_id = ? WHERE unit_id = ?", (b, a))
        conn.execute("COMMIT")
        return time.perf_counter() - t0
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rectify-merge-bench-") as tmp:
        folder = Path(tmp)
        template = _demo(folder)
        a, b, cases = _pick(template)
        plans, merges, bares = [], [], []
        for i in range(args.runs):
            app_copy, bare_copy = folder / f"app{i}.db", folder / f"bare{i}.db"
            shutil.copy(template, app_copy)
            shutil.copy(template, bare_copy)
            plan_s, merge_s = _app(app_copy, a, b)
            plans.append(plan_s)
            merges.append(merge_s)
            bares.append(_bare(bare_copy, a, b))
        plan, merge, bare = (statistics.median(x) for x in (plans, merges, bares))
        print(f"SQLite, {cases:,} cases of the largest demo unit merged into the second largest,"
              f" median of {args.runs} runs")  # fmt: skip
        print(f"  bare sqlite3 moves        {bare:8.3f} s   1.0x")
        print(f"  merge_units               {merge:8.3f} s   {merge / bare:.1f}x")
        print(f"  plan_unit_merge (counts)  {plan:8.3f} s")
        print(f"  clerk waits (plan+merge)  {plan + merge:8.3f} s   {(plan + merge) / bare:.1f}x")


if __name__ == "__main__":
    main()
