"""Loading an office's existing registers: 200,000 rows over three files, on SQLite and on
PostgreSQL, beside a bare python-calamine read of the same files, in the same run.

    python bench/onboarding.py [--rows 200000] [--pg] [--phases]

Three master workbooks (a 县（市、区） column; 25 units; closed, accepted and pending cases
with their dates) are written to a temporary folder. Then, each as a whole process (what the
user waits for), wall-clock and CPU time (user + system, from the child's rusage):

- bare python-calamine: a ``python`` process that opens every workbook and turns every row
  into Python values;
- ``python main.py --db URL import-register FILES…`` on a fresh database holding the 25
  reference units: check, then load in one transaction (every row a new case, with history).

``--phases`` also times ``check_register`` and ``load_register`` in this process. The load
average (``os.getloadavg``) is printed before each measurement: the machine is shared, so the
ratios to the calamine read matter more than the seconds.

Target (issue 20): 200,000 rows under 60 s on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = ["序号", "县（市、区）", "乡镇（街道）", "企业名称", "业主/法人", "联系电话", "地址", "行业",
           "整治类型", "发现来源", "发现日期", "状态", "完成日期", "验收日期", "销号审批人", "销号日期"]  # fmt: skip
STATUSES = ["已销号", "已验收", "待整治", "整治中"]


def write_files(folder: Path, rows: int, files: int = 3) -> list[Path]:
    import xlsxwriter

    from controllers.units.reference import reference_units

    units = [u.name for u in reference_units()]
    paths = []
    per_file = rows // files
    for f in range(files):
        path = folder / f"{2023 + f}年清单.xlsx"
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet(f"{2023 + f}年清单")
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write(0, 0, f"{2023 + f}年“散乱污”企业整治清单")
        ws.write_row(1, 0, HEADERS)
        count = per_file if f < files - 1 else rows - per_file * (files - 1)
        for i in range(count):
            n = f * per_file + i
            status = STATUSES[n % len(STATUSES)]
            done = status in ("已销号", "已验收")
            ws.write_row(i + 2, 0, [i + 1, units[n % len(units)], f"第{n % 9}镇", f"企业{n}号",
                                    f"业主{n % 997}", 13800000000 + n, f"某村{n}号", "其他",
                                    "关停取缔", "自查"])  # fmt: skip
            ws.write_datetime(i + 2, 10, dt.datetime(2023 + f, 3, 1), date)
            ws.write(i + 2, 11, status)
            if done:
                ws.write_datetime(i + 2, 12, dt.datetime(2023 + f, 4, 1), date)
                ws.write_datetime(i + 2, 13, dt.datetime(2023 + f, 4, 10), date)
            if status == "已销号":
                ws.write(i + 2, 14, "某局长")
                ws.write_datetime(i + 2, 15, dt.datetime(2023 + f, 4, 20), date)
        wb.close()
        paths.append(path)
    return paths


CALAMINE = """
import sys, python_calamine
n = 0
for p in sys.argv[1:]:
    book = python_calamine.CalamineWorkbook.from_path(p)
    for name in book.sheet_names:
        n += len(book.get_sheet_by_name(name).to_python())
print(n)
"""


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def timed_process(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of a child process run to its end; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def bare_calamine(paths: list[Path]) -> tuple[float, float]:
    return timed_process([sys.executable, "-c", CALAMINE, *map(str, paths)])


def fresh_database(url: str) -> None:
    from controllers.units.reference import load_reference_units
    from models.database import Database, make_engine
    from models.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine, backup=False)
    db = Database.from_engine(engine)
    with db.session() as s:
        load_reference_units(s)
        s.commit()
    db.dispose()


def import_register(url: str, paths: list[Path]) -> tuple[float, float]:
    return timed_process([sys.executable, "main.py", "--db", url, "import-register",
                          *map(str, paths)])  # fmt: skip


def phases(url: str, paths: list[Path]) -> tuple[float, float, int]:
    """check_register and load_register timed in this process (wall seconds)."""
    from controllers import unit_of_work
    from controllers.actor import SYSTEM
    from controllers.onboarding.register_import import check_register, load_register
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(url))
    start = time.perf_counter()
    with db.session() as s:
        check = check_register(s, SYSTEM, paths)
    checked = time.perf_counter() - start
    assert check.valid, [e.text() for e in check.errors[:5]]
    start = time.perf_counter()
    loaded = unit_of_work.run(db, SYSTEM, load_register, check).value
    load_time = time.perf_counter() - start
    db.dispose()
    return checked, load_time, loaded


def count_cases(url: str) -> int:
    from sqlalchemy import func, select

    from models import Case
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(url))
    with db.session() as s:
        n = s.scalar(select(func.count()).select_from(Case)) or 0
    db.dispose()
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pg", action="store_true", help="also on the test PostgreSQL server")
    parser.add_argument("--phases", action="store_true",
                        help="also time check and load in this process")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_files(folder, args.rows)
        print(f"{args.rows:,} 行，{len(paths)} 个文件（whole processes: wall / CPU）")
        targets = [("SQLite", lambda n: f"sqlite:///{folder / f'bench{n}.db'}", None)]
        if args.pg:
            from tests import dbservers

            names: list[str] = []

            def pg_url(_n: int) -> str:
                names.append(dbservers.unique_name("rectify_onboard"))
                return dbservers.create_pg(names[-1])

            targets.append(("PostgreSQL", pg_url, names))
        for n, (label, make_url, _names) in enumerate(targets):
            url = make_url(n)
            fresh_database(url)
            print(f"  [{load()}]")
            cw, cc = bare_calamine(paths)
            print(f"  bare python-calamine read   wall {cw:6.2f} s  CPU {cc:6.2f} s")
            wall, cpu = import_register(url, paths)
            loaded = count_cases(url)
            print(f"  import-register {label:<10}  wall {wall:6.2f} s  CPU {cpu:6.2f} s"
                  f"  = {wall / cw:.1f}× / {cpu / cc:.1f}× calamine  ({loaded:,} cases)"
                  f"  {'OK' if wall < 60 else 'OVER 60 s'}  [{load()}]")  # fmt: skip
            if args.phases:
                url = make_url(n + 10)
                fresh_database(url)
                checked, load_time, _loaded = phases(url, paths)
                print(f"    in process: check {checked:6.2f} s  load {load_time:6.2f} s")
        if args.pg:
            for name in names:
                dbservers.drop_pg(name)


if __name__ == "__main__":
    main()
