"""Reading the register through MariaDB's scoped views vs the base table, in the same run.

    python bench/mariadb_views.py [--cases 20000] [--repeat 5] [--mariadb URL]

After ``user db-roles`` a clerk reads ``cases`` through a definer view filtered by their unit
scope (controllers/infra/mariadb_roles.py). This times ``SELECT * FROM cases`` (every column,
every row fetched by PyMySQL) as a city clerk (all units) and a county clerk (one unit of ten)
through the views, beside root reading the base table directly (the same rows: all of them,
and ``WHERE unit_id = …`` for the county's unit). Medians of ``--repeat`` reads, two rounds.
A fresh database is created and dropped with its accounts afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_MARIADB = os.environ.get("RECTIFY_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")


def _timed(url, user: str, password: str, database: str, sql: str, repeat: int):
    import pymysql

    conn = pymysql.connect(host=url.host or "127.0.0.1", port=url.port or 3306, user=user,
                           password=password, database=database)  # fmt: skip
    try:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            with conn.cursor() as cur:
                cur.execute(sql)
                rows = len(cur.fetchall())
            times.append(time.perf_counter() - t)
        return statistics.median(times), rows
    finally:
        conn.close()


def main() -> int:
    from sqlalchemy.engine import make_url

    from controllers.actor import SYSTEM
    from controllers.auth import create_user
    from controllers.infra import mariadb_roles
    from controllers.units.reference import load_reference_units
    from models.database import Database, make_engine
    from models.migrate import upgrade
    from tests.dbservers import create_mariadb, drop_mariadb
    from tests.factories import make_case, unit

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mariadb", default=DEFAULT_MARIADB)
    args = parser.parse_args()
    os.environ["RECTIFY_TEST_MARIADB_URL"] = args.mariadb
    name = f"rectify_bench_views_{uuid.uuid4().hex[:6]}"
    url = create_mariadb(name)
    admin = make_url(url)
    owner = Database.from_engine(make_engine(url))
    try:
        upgrade(owner.engine, backup=False)
        with owner.engine.begin() as conn:
            installed = mariadb_roles.install(conn)
        with owner.session() as s:
            load_reference_units(s)
            make_case(s, unit=unit(s, "灵寿县"))
            for username, role, unit_name, pw in [
                ("boss", "admin", None, "Guanli-Mima-1"),
                ("city", "city_clerk", None, "Shiji-Mima-1"),
                ("ls", "county_clerk", "灵寿县", "Xianqu-Mima-1"),
            ]:
                create_user(s, SYSTEM, username, role, unit=unit_name, password=pw,
                            must_change_password=False)  # fmt: skip
            s.commit()
        with owner.engine.begin() as conn:
            cols = [c[0] for c in conn.exec_driver_sql("SHOW COLUMNS FROM cases") if c[0] != "id"]
            own = conn.exec_driver_sql("SELECT unit_id FROM cases WHERE id = 1").scalar()
            others = conn.exec_driver_sql(
                f"SELECT id FROM units WHERE id <> {own} ORDER BY id LIMIT 9"
            ).scalars()
            units = [own, *others]
            for k in range(args.cases // 500):  # copies of the first case over ten units
                sel = ", ".join(str(units[k % 10]) if c == "unit_id" else c for c in cols)
                conn.exec_driver_sql(
                    f"INSERT INTO cases ({', '.join(cols)}) SELECT {sel} FROM cases, "
                    "seq_1_to_500 WHERE cases.id = 1"
                )
            total = conn.exec_driver_sql("SELECT COUNT(*) FROM cases").scalar()
        print(f"{total:,} cases over 10 units; medians of {args.repeat} reads (PyMySQL fetchall)")
        print(f"{'read':<38}{'base table (root)':>19}{'scoped view':>14}{'ratio':>8}")
        p = installed.prefix
        for _round in range(2):
            for label, user, pw, where in [
                ("all rows: city clerk", p + "city", "Shiji-Mima-1", ""),
                ("one unit: county clerk", p + "ls", "Xianqu-Mima-1", f" WHERE unit_id = {own}"),
            ]:
                base, n_base = _timed(admin, admin.username, admin.password or "", name,
                                      "SELECT * FROM cases" + where, args.repeat)  # fmt: skip
                view, n_view = _timed(admin, user, pw, installed.scoped, "SELECT * FROM cases",
                                      args.repeat)  # fmt: skip
                assert n_base == n_view, (n_base, n_view)
                print(f"{label + f' ({n_view:,} rows)':<38}{base * 1000:>16.0f} ms"
                      f"{view * 1000:>11.0f} ms{view / base:>7.2f}×")  # fmt: skip
    finally:
        owner.dispose()
        with make_engine(url).begin() as conn:
            mariadb_roles.drop(conn)
        drop_mariadb(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
