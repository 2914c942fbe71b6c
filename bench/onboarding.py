"""Loading an office's existing registers: 200,000 rows over three files, on SQLite and on
PostgreSQL, beside a bare python-calamine read of the same files.

    python bench/onboarding.py [--rows 200000] [--pg]

Three master workbooks (a 县（市、区） column; 25 units; closed, accepted and pending cases
with their dates) are written to a temporary folder. Then, each timed:

- bare python-calamine: open every workbook and turn every row into Python values;
- check: ``check_register`` (read, normalise, validate, resolve units and townships);
- load: ``load_register`` in one transaction + commit (every row a new case, with history).

Target (issue 20): check + load of 200,000 rows under 60 s on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
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


def bare_calamine(paths: list[Path]) -> float:
    import python_calamine

    start = time.perf_counter()
    n = 0
    for p in paths:
        book = python_calamine.CalamineWorkbook.from_path(str(p))
        for name in book.sheet_names:
            n += len(book.get_sheet_by_name(name).to_python())
    return time.perf_counter() - start


def ours(url: str, paths: list[Path]) -> tuple[float, float, int]:
    from controllers import unit_of_work
    from controllers.actor import SYSTEM
    from controllers.onboarding.register_import import check_register, load_register
    from controllers.units.reference import load_reference_units
    from models.database import Database, make_engine
    from models.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine, backup=False)
    db = Database.from_engine(engine)
    with db.session() as s:
        load_reference_units(s)
        s.commit()
    start = time.perf_counter()
    with db.session() as s:
        check = check_register(s, SYSTEM, paths)
    checked = time.perf_counter() - start
    assert check.valid, [e.text() for e in check.errors[:5]]
    start = time.perf_counter()
    loaded = unit_of_work.run(db, SYSTEM, load_register, check).value
    load = time.perf_counter() - start
    db.dispose()
    return checked, load, loaded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pg", action="store_true", help="also on the test PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_files(folder, args.rows)
        print(f"{args.rows:,} 行，{len(paths)} 个文件")
        print(f"  bare python-calamine read       {bare_calamine(paths):7.2f} s")
        targets = [("SQLite", f"sqlite:///{folder / 'bench.db'}")]
        if args.pg:
            from tests import dbservers

            name = dbservers.unique_name("rectify_onboard")
            targets.append(("PostgreSQL", dbservers.create_pg(name)))
        for label, url in targets:
            checked, load, loaded = ours(url, paths)
            total = checked + load
            print(f"  {label:<10} check {checked:6.2f} s  load {load:6.2f} s  total {total:6.2f} s"
                  f"  ({loaded:,} cases) {'OK' if total < 60 else 'OVER 60 s'}")  # fmt: skip
        if args.pg:
            dbservers.drop_pg(name)


if __name__ == "__main__":
    main()
