"""County returns: read + validate + compare, and accept, beside their baselines.

    python bench/returns.py [--rows 20000 200000] [--repeat 5] [--skip-pandas-above N]
                            [--pg] [--accept-only | --check-only]

For each size a return workbook is written (a merged title, a 填报单位 line, the published
header, rows with date cells, text dates and full-width digits) and two migrated SQLite
databases are made in a temporary folder:

- **realistic** (the first line of each size): the register already holds the unit's cases
  from an earlier return of the first 80 % of the rows (accepted through the application);
  the return under test lists them again, every tenth one changed (主要产品), plus 20 % new;
- **empty register** (the second line): every row is a new case.

Every phase runs in a fresh process, so the peak memory (VmHWM, whole process) printed is
that phase's own (ru_maxrss would carry this parent's peak into the child):

- bare python-calamine: open the workbook and turn every row into Python values;
- pandas.read_excel(engine="openpyxl");
- ours: ``check_return`` — read, normalise, validate every row, compare with the register;
- accept: ``accept_return`` + commit (new cases with their history rows; changed fields of
  matched cases with theirs);
- raw sqlite3: the same writes with ``executemany`` (INSERT of the new cases, UPDATE of the
  changed ones, INSERT of the history and merge-record rows) + commit.

With ``--pg`` accept runs also on the test PostgreSQL server (a fresh database per phase,
copied from a migrated template, the realistic one seeded through the application), beside
the same writes with psycopg 3 directly (COPY of the new cases with ids from the sequence,
their history and the merge record; executemany of the UPDATEs) + commit. ``--accept-only``
skips the reads and checks (accept and its baselines only); ``--check-only`` skips the
accepts (calamine and the checks only).

Every size runs ``--repeat`` times, the phases alternating (calamine, check, … then again), so
the machine's load falls on all alike. Printed for each: the median time and the largest peak
memory, the ratio of the medians, and the median of the per-repetition ratios (each check
against the calamine read of the same repetition; each PostgreSQL accept against the SQLite
one), for wall time and for CPU time (the work's own process; steadier on a loaded machine).

Targets (issue 16): check ≤ 2× the bare calamine read at 20k and 200k; accept ≤ 3× raw;
peak memory of a 200k check ≤ 1.3× calamine's; accept of 100k rows on PostgreSQL no slower
than on SQLite (issue 13).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import peak_mb, print_result, run_child  # noqa: E402

HEADERS = ["序号", "县（市、区）", "乡镇（街道）", "村（社区）", "企业名称", "业主/法人", "联系电话", "地址",
           "行业", "主要产品", "问题类型", "污染类型", "整治类型", "整治措施", "完成时限", "第一责任人",
           "直接责任人", "具体责任人", "发现来源", "发现日期", "整治完成情况", "验收日期", "销号日期", "备注"]  # fmt: skip
CLASSES = ["关停取缔", "取缔关停", "提升改造", "整改提升", "整合搬迁", "搬迁入园"]
TOWNS = ["灵寿镇", "青同镇", "塔上镇", "陈庄镇", "慈峪镇", "岔头镇"]
INDUSTRIES = ["蛭石", "铸造", "石材加工", "塑料颗粒", "小化工", "其他"]


EXISTING = 0.8  # share of the return's rows already in the register (realistic case)
CHANGED_EVERY = 10  # every tenth existing row comes back with a changed 主要产品


def write_workbook(path: Path, rows: int, changed_below: int = 0) -> None:
    """``rows`` rows; those below ``changed_below`` with ``i % CHANGED_EVERY == 0`` changed."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("灵寿县清单")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write(0, 0, "灵寿县“散乱污”企业动态整治清单")
    ws.write(1, 0, "填报单位：灵寿县人民政府")
    ws.write_row(2, 0, HEADERS)
    for i in range(rows):
        r = i + 3
        town = TOWNS[i % len(TOWNS)]
        village = f"第{i % 400}村"
        name = f"{town}{village}加工厂{i}号" if i % 7 else f"{town}{village}加工厂{i:０>6}号"
        ws.write_row(r, 0, [i + 1, "灵寿县", town, village, name, f"业主{i % 997}", 13800000000 + i,
                            f"{town}{village}{i}号", INDUSTRIES[i % len(INDUSTRIES)],
                            "产品（变更）" if i < changed_below and i % CHANGED_EVERY == 0 else "产品",
                            "散、乱、污", "废气", CLASSES[i % len(CLASSES)], "断水断电，清除原料、产品和设备"])  # fmt: skip
        ws.write_datetime(r, 14, dt.datetime(2026, 6, 30), date)
        ws.write_row(r, 15, ["李镇长", "张副镇长", f"干部{i % 50}", "自查"])
        if i % 3:
            ws.write_datetime(r, 19, dt.datetime(2026, 5, 1 + i % 20), date)
        else:
            ws.write(r, 19, f"2026年5月{1 + i % 20}日")
        ws.write(r, 20, "正在整治")
        ws.write(r, 23, "")
    ws.write(rows + 3, 0, "合计")
    wb.close()


def make_database(path: Path | str) -> str:
    """A migrated database with the default 25 units (a new database has none): a SQLite file
    at ``path``, or the database of a server URL."""
    from controllers.units.reference import load_reference_units
    from models.database import Database, make_engine
    from models.migrate import upgrade

    url = path if isinstance(path, str) else f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine, backup=False)
    database = Database.from_engine(engine)
    with database.session() as session:
        load_reference_units(session)
        session.commit()
    database.dispose()
    return url


# -- phases, each run in its own process ----------------------------------------------------

_cpu: list[float] = []  # CPU seconds of the timed work (this process; all its threads)


def _start() -> float:
    _cpu[:] = [time.process_time()]
    return time.perf_counter()


def _stop(start: float) -> float:
    """Wall seconds since ``start``; the CPU seconds are kept for the report."""
    elapsed = time.perf_counter() - start
    _cpu[:] = [time.process_time() - _cpu[0]]
    return elapsed


def _lingshou(session):
    from sqlalchemy import select

    from models import Unit

    return session.scalar(select(Unit).where(Unit.name == "灵寿县"))


def phase_calamine(file: Path, _db: str) -> float:
    import python_calamine

    start = _start()
    wb = python_calamine.CalamineWorkbook.from_path(str(file))
    n = 0
    for name in wb.sheet_names:
        for _row in wb.get_sheet_by_name(name).iter_rows():
            n += 1
    elapsed = _stop(start)
    assert n > 0
    return elapsed


def phase_pandas(file: Path, _db: str) -> float:
    import pandas as pd

    start = _start()
    frames = pd.read_excel(file, engine="openpyxl", sheet_name=None, header=None)
    elapsed = _stop(start)
    assert sum(len(f) for f in frames.values()) > 0
    return elapsed


def phase_ours(file: Path, db: str) -> float:
    from controllers.actor import SYSTEM
    from controllers.returns.check import check_return
    from models.database import Database, make_engine

    database = Database.from_engine(make_engine(db))
    with database.session() as s:
        unit_id = _lingshou(s).id
        start = _start()
        check = check_return(s, SYSTEM, file, unit_id)
        elapsed = _stop(start)
    assert check.valid, check.errors[:3]
    return elapsed


def _checked(file: Path, db: str):
    from controllers.actor import SYSTEM
    from controllers.returns.check import check_return
    from controllers.returns.records import submit_return
    from controllers.unit_of_work import execute
    from models.database import Database, make_engine

    database = Database.from_engine(make_engine(db))

    def checked(session):
        check = check_return(session, SYSTEM, file, _lingshou(session).id)
        ret = submit_return(session, SYSTEM, check, file)
        return check, ret

    check, ret = execute(database, checked).value
    return database, check, ret


def phase_accept(file: Path, db: str) -> float:
    from controllers.actor import SYSTEM
    from controllers.returns.review import accept_return
    from controllers.unit_of_work import run

    database, check, ret = _checked(file, db)
    start = _start()
    result = run(database, SYSTEM, accept_return, ret.id, ret.version, check).value
    elapsed = _stop(start)
    assert result.created + result.updated + result.unchanged == len(check.rows)
    return elapsed


def phase_seed(file: Path, db: str) -> float:
    """Accept the earlier return (the register the realistic case starts from)."""
    return phase_accept(file, db)


def _raw_writes(file: Path, db: str):
    """The rows accept writes, as plain tuples: (database, return id, columns, new cases,
    updates, history of the changes, stamp, check)."""
    from controllers.actor import SYSTEM
    from controllers.returns.review import _new_case_row, _resolve_batches, _resolve_townships
    from controllers.unit_of_work import execute
    from models.base import now
    from models.textnorm import search_key

    database, check, ret = _checked(file, db)
    rows_needed = [check.rows[i] for i in check.diff.new]
    names = {r.get("township") for r in rows_needed if r.get("township")}
    towns, batches = execute(database, lambda session: (
        _resolve_townships(session, ret.unit_id, names)[0],
        _resolve_batches(session, {"新增"})[0],
    )).value  # fmt: skip
    towns = {n: towns[search_key(n)] for n in names}
    batches = {"新增": batches[search_key("新增")]}
    at = now()
    dicts = [_new_case_row(r.values, ret.unit_id, SYSTEM, at, towns, batches) for r in rows_needed]
    sqlite = db.startswith("sqlite")

    def plain(v):
        if sqlite and isinstance(v, dt.datetime):
            return v.isoformat(sep=" ")
        if sqlite and isinstance(v, dt.date):
            return v.isoformat()
        if hasattr(v, "value"):
            return v.value
        return v

    columns = list(dicts[0])
    data = [tuple(plain(d[c]) for c in columns) for d in dicts]
    stamp = plain(at)
    updates = [(plain(c.new), stamp, m.case_id) for m in check.diff.changed for c in m.changes]
    history = [(m.case_id, stamp, "main_products", plain(c.old), plain(c.new), "raw")
               for m in check.diff.changed for c in m.changes]  # fmt: skip
    statuses = [plain(d["status"]) for d in dicts]
    ret_id = ret.id
    database.dispose()
    return ret_id, columns, data, statuses, updates, history, stamp, check


HISTORY_COLUMNS = "case_id, changed_at, field, old_value, new_value, note"


def phase_raw(file: Path, db: str) -> float:
    """The same writes as accept (INSERT of the new cases and their history, UPDATE of the
    changed ones and their history, the merge record), with sqlite3 executemany."""
    import sqlite3

    from controllers.returns.merge_record import merge_items

    ret_id, columns, data, statuses, updates, history, stamp, check = _raw_writes(file, db)
    con = sqlite3.connect(db.removeprefix("sqlite:///"))
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    sql = f"INSERT INTO cases ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    hist = f"INSERT INTO case_changes ({HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    start = _start()
    first = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM cases").fetchone()[0]
    con.executemany(sql, data)
    new_history = [(first + i, stamp, "status", None, s, "raw") for i, s in enumerate(statuses)]
    con.executemany(hist, new_history)
    con.executemany(
        "UPDATE cases SET main_products = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        updates,
    )
    con.executemany(hist, history)
    items = merge_items(check, ret_id, list(range(first, first + len(data))))
    if items:
        keys = list(items[0])
        con.executemany(
            f"INSERT INTO return_merge_items ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})",
            [tuple(d[k] for k in keys) for d in items],
        )
    con.commit()
    elapsed = _stop(start)
    con.close()
    return elapsed


def phase_raw_pg(file: Path, db: str) -> float:
    """PostgreSQL: the same writes with psycopg 3 directly — COPY of the new cases (ids from
    the sequence), their history and the merge record, executemany of the UPDATEs — + commit."""
    import psycopg

    from controllers.returns.merge_record import merge_items
    from models.database import normalise_url

    ret_id, columns, data, statuses, updates, history, stamp, check = _raw_writes(file, db)
    url = normalise_url(db).set(drivername="postgresql").render_as_string(hide_password=False)
    con = psycopg.connect(url)
    start = _start()
    with con.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('cases', 'id'))"
                    " FROM generate_series(1, %s)", (len(data),))  # fmt: skip
        ids = sorted(r[0] for r in cur.fetchall())
        with cur.copy(f"COPY cases (id, {', '.join(columns)}) FROM STDIN") as copy:
            for case_id, row in zip(ids, data, strict=True):
                copy.write_row((case_id, *row))
        with cur.copy(f"COPY case_changes ({HISTORY_COLUMNS}) FROM STDIN") as copy:
            for case_id, s in zip(ids, statuses, strict=True):
                copy.write_row((case_id, stamp, "status", None, s, "raw"))
        cur.executemany(
            "UPDATE cases SET main_products = %s, updated_at = %s, version = version + 1"
            " WHERE id = %s",
            updates,
        )
        with cur.copy(f"COPY case_changes ({HISTORY_COLUMNS}) FROM STDIN") as copy:
            for row in history:
                copy.write_row(row)
        items = merge_items(check, ret_id, ids)
        if items:
            keys = list(items[0])
            with cur.copy(f"COPY return_merge_items ({', '.join(keys)}) FROM STDIN") as copy:
                for d in items:
                    copy.write_row([d[k] for k in keys])
    con.commit()
    elapsed = _stop(start)
    con.close()
    return elapsed


PHASES = {"calamine": phase_calamine, "pandas": phase_pandas, "ours": phase_ours,
          "accept": phase_accept, "raw": phase_raw, "raw_pg": phase_raw_pg,
          "seed": phase_seed}  # fmt: skip


def run_phase(name: str, file: Path, db: str) -> dict:
    """Run one phase in a fresh process; its wall time (or its own timer) and peak memory."""
    return run_child([__file__, "--phase", name, "--file", str(file), "--db", db],
                     env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip


def _child(name: str, file: Path, db: str) -> None:
    elapsed = PHASES[name](file, db)  # each phase times its own work, not the imports
    print_result({"seconds": elapsed, "cpu": _cpu[0], "peak_mb": peak_mb()})


class PgDatabases:
    """Databases on the test PostgreSQL server: migrated templates, a fresh copy per phase."""

    def __init__(self) -> None:
        from tests import dbservers

        self.servers = dbservers
        self.names: list[str] = []

    def create(self, template: str | None = None) -> tuple[str, str]:
        name = self.servers.unique_name("rectify_bench")
        url = self.servers.create_pg(name, template)
        self.names.append(name)
        return name, url

    def drop(self, name: str) -> None:
        self.servers.drop_pg(name)
        self.names.remove(name)

    def drop_all(self) -> None:
        for name in list(self.names):
            self.drop(name)


def bench_size(rows: int, repeat: int, skip_pandas_above: int, folder: Path,
               pg: bool = False, accept_only: bool = False,
               check_only: bool = False) -> None:  # fmt: skip
    existing = int(rows * EXISTING)
    file = folder / f"return-{rows}.xlsx"
    write_workbook(file, rows, changed_below=existing)
    earlier = folder / f"earlier-{rows}.xlsx"
    write_workbook(earlier, existing)
    template = folder / "template.db"
    if not template.exists():
        make_database(template)
    seeded = folder / f"register-{rows}.db"
    shutil.copy(template, seeded)
    seed = run_phase("seed", earlier, f"sqlite:///{seeded}")
    pg = pg and not check_only
    print(f"\n（台账预置：先通过一份 {existing:,} 行的上报，SQLite 用时 {seed['seconds']:.1f} s）")
    servers = PgDatabases() if pg else None
    pg_sources: dict[str, str] = {}
    try:
        if servers is not None:
            tpl, tpl_url = servers.create()
            make_database(tpl_url)
            seeded_pg, seeded_url = servers.create(tpl)
            pg_seed = run_phase("seed", earlier, seeded_url)
            print(f"（PostgreSQL 台账预置用时 {pg_seed['seconds']:.1f} s）")
            pg_sources = {"": seeded_pg, "empty ": tpl}
        results = _measure(rows, repeat, skip_pandas_above, folder, file, template, seeded,
                           servers, pg_sources, accept_only, check_only)  # fmt: skip
    finally:
        if servers is not None:
            servers.drop_all()
    _report(rows, repeat, existing, file, results)


def _measure(rows, repeat, skip_pandas_above, folder, file, template, seeded, servers,
             pg_sources, accept_only, check_only=False) -> dict[str, list[dict]]:  # fmt: skip
    def fresh_db(tag: str, source: Path) -> str:
        path = folder / f"{tag}-{rows}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copy(source, path)
        return f"sqlite:///{path}"

    def on_pg(name: str, source: str) -> dict:
        db_name, url = servers.create(source)
        try:
            return run_phase(name, file, url)
        finally:
            servers.drop(db_name)

    results: dict[str, list[dict]] = {}
    phases = (
        ("accept", "raw") if accept_only else ("ours",) if check_only else ("ours", "accept", "raw")
    )
    for _ in range(repeat):  # interleaved: the machine's load hits every phase alike
        if not accept_only:
            results.setdefault("calamine", []).append(
                run_phase("calamine", file, fresh_db("c", template))
            )
        for label, source in (("", seeded), ("empty ", template)):
            for name in phases:
                results.setdefault(label + name, []).append(
                    run_phase(name, file, fresh_db(name, source))
                )
            if label in pg_sources and not check_only:
                for name in ("accept", "raw_pg"):
                    results.setdefault(f"pg {label}{name}", []).append(
                        on_pg(name, pg_sources[label])
                    )
        if not accept_only and rows <= skip_pandas_above and "pandas" not in results:
            results["pandas"] = [run_phase("pandas", file, fresh_db("pandas", template))]
    return results


def _ratios(results: dict[str, list[dict]], top: str, base: str, key: str) -> tuple[float, float]:
    """(ratio of the medians, median of the per-repetition ratios) of ``top`` over ``base``."""
    tops = [r[key] for r in results[top]]
    bases = [r[key] for r in results[base]]
    of_medians = statistics.median(tops) / statistics.median(bases)
    paired = statistics.median(t / b for t, b in zip(tops, bases, strict=True))
    return of_medians, paired


def _report(rows: int, repeat: int, existing: int, file: Path,
            results: dict[str, list[dict]]) -> None:  # fmt: skip
    def med(name: str) -> tuple[float, float, float]:
        runs = results[name]
        return (statistics.median(r["seconds"] for r in runs), max(r["peak_mb"] for r in runs),
                statistics.median(r["cpu"] for r in runs))  # fmt: skip

    size_mb = file.stat().st_size / 1048576
    load = os.getloadavg()
    print(f"{rows:,} 行上报（{size_mb:.1f} MB .xlsx），{repeat} 次交替运行，同一次运行的基线，"
          f"2 核机器，负载 {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}（1/5/15 分钟；其他人同时在跑测试）：")  # fmt: skip
    cal = med("calamine") if "calamine" in results else None
    if cal:
        print(f"  python-calamine 纯读取                  {cal[0]:7.2f} s（CPU {cal[2]:.2f} s）"
              f"  峰值内存 {cal[1]:6.0f} MB")  # fmt: skip
    if "pandas" in results:
        pd_ = med("pandas")
        print(
            f"  pandas.read_excel(openpyxl)             {pd_[0]:7.2f} s   峰值内存 {pd_[1]:6.0f} MB"
        )
    for label, title in (("", f"现实台账（已有 {existing:,} 家，变更 {existing // CHANGED_EVERY:,}）"),
                         ("empty ", "空台账（全部新增）")):  # fmt: skip
        print(f"  {title}：")
        if cal and label + "ours" in results:
            ours = med(label + "ours")
            wall, paired = _ratios(results, label + "ours", "calamine", "seconds")
            cpu, cpu_paired = _ratios(results, label + "ours", "calamine", "cpu")
            print(
                f"    读取+校验+比对 (check_return)        {ours[0]:7.2f} s（CPU {ours[2]:.2f} s）"
                f"  峰值内存 {ours[1]:6.0f} MB\n"
                f"      = 中位数之比 {wall:.2f}× calamine，逐次配对比值的中位数 {paired:.2f}×；"
                f"CPU 时间 {cpu:.2f}× / 配对 {cpu_paired:.2f}×（目标 ≤ 2×）；"
                f"峰值内存 {ours[1] / cal[1]:.2f}×（目标 ≤ 1.3×）"
            )
            print("      逐次（check / calamine，秒）："
                  + "，".join(f"{o['seconds']:.2f}/{c['seconds']:.2f}"
                             for o, c in zip(results[label + "ours"], results["calamine"],
                                             strict=True)))  # fmt: skip
        if label + "accept" not in results:
            continue
        acc, raw = med(label + "accept"), med(label + "raw")
        print(
            f"    审核通过写入 (accept_return)         {acc[0]:7.2f} s"
            f"                    = {acc[0] / raw[0]:.2f}× raw（目标 ≤ 3×）"
        )
        print(f"    sqlite3 executemany 同样的写入       {raw[0]:7.2f} s")  # fmt: skip
        if f"pg {label}accept" in results:
            pacc, praw = med(f"pg {label}accept"), med(f"pg {label}raw_pg")
            wall, paired = _ratios(results, f"pg {label}accept", label + "accept", "seconds")
            print(
                f"    PostgreSQL 审核通过写入              {pacc[0]:7.2f} s"
                f"                    = {pacc[0] / praw[0]:.2f}× psycopg COPY，"
                f"{wall:.2f}× SQLite（逐次配对 {paired:.2f}×；目标 ≤ 1×）"
            )
            print("      逐次（PostgreSQL / SQLite，秒）："
                  + "，".join(f"{p['seconds']:.1f}/{q['seconds']:.1f}"
                             for p, q in zip(results[f"pg {label}accept"],
                                             results[label + "accept"], strict=True)))  # fmt: skip
            print(f"    psycopg COPY 同样的写入              {praw[0]:7.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pandas-above", type=int, default=1_000_000,
                        help="do not run the (slow) pandas baseline above this many rows")  # fmt: skip
    parser.add_argument("--pg", action="store_true",
                        help="accept also on the test PostgreSQL server (RECTIFY_TEST_PG_URL)")  # fmt: skip
    parser.add_argument("--accept-only", action="store_true",
                        help="measure only accept and its raw baselines (no check, no reads)")  # fmt: skip
    parser.add_argument("--check-only", action="store_true",
                        help="measure only the calamine read and the checks (no accept)")  # fmt: skip
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _child(args.phase, args.file, args.db)
        return
    with tempfile.TemporaryDirectory(prefix="rectify-bench-returns-") as folder:
        for rows in args.rows:
            bench_size(rows, args.repeat, args.skip_pandas_above, Path(folder), args.pg,
                       args.accept_only, args.check_only)  # fmt: skip


if __name__ == "__main__":
    main()
