"""Twenty clerks edit an overlapping set of 50 cases at once: saves, conflicts, lost updates.

    python bench/concurrency.py [--seconds 60] [--clerks 20] [--cases 50]
                                [--backends postgresql,mariadb] [--pg URL] [--mariadb URL]
                                [--no-roles]

Each clerk is a process of its own with its own account and connection. It opens a random
case, takes a moment to "type", and saves a new 业主 through the application's optimistic
locking (controllers.editing.apply_edit) with an audit entry in the same transaction. A save
over a newer version is refused (a conflict the clerk would be shown). Every other clerk is a
county clerk (县区业务员) of one of five units and opens only that unit's cases; the others
are city clerks and open any of the 50.

On PostgreSQL the same run is made twice: once with every process connected as the database
owner (the shared account), once with every clerk connected as their own database role made
by ``user db-roles`` (row-level security, privileges and the guard triggers of
controllers/infra/db_roles.py and pg_guards.py). On MariaDB likewise: once with the shared
account, once with every clerk connected as their own MariaDB user to ``<db>_scoped`` (the
definer views, privileges and guard triggers of controllers/infra/mariadb_roles.py and
mariadb_guards.py). The throughput of both and their ratio show what the enforcement costs
(target: no more than 30 %).

Afterwards every successful save is checked against the database and the audit trail:

- a *lost update* is a successful save that another successful save overwrote without having
  seen it (two saves from the same version of a case), or a case whose final value is not
  the value of its newest save, or not the "new" value of its newest audit entry;
- the audit chain must verify, and every save must have exactly one audit entry.

A fresh database is created on each server (the servers the tests use by default) and
dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = os.environ.get("RECTIFY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DEFAULT_MARIADB = os.environ.get("RECTIFY_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")
PASSWORD = "Bingfa-Ceshi-1"


def _server_database(backend: str, admin_url: str) -> tuple[str, callable]:
    """Create a database; returns its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from models.database import normalise_url

    name = f"rectify_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if backend == "postgresql":
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        else:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))

    def drop() -> None:
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


UNITS = 5  # the county clerks' units; the cases are spread over them


def _clerk_unit(index: int) -> int | None:
    """Which of the UNITS a clerk works for (None: a city clerk, every unit)."""
    return (index // 2) % UNITS if index % 2 else None


def _prepare(url: str, clerks: int, cases: int, roles: bool) -> tuple[list[int], str | None]:
    """Schema, one account per process, the cases they will fight over; with ``roles``, the
    database roles of ``user db-roles`` (returns the role prefix)."""
    from sqlalchemy import select

    from controllers.actor import SYSTEM
    from controllers.auth.accounts import create_user
    from controllers.infra import db_roles
    from controllers.unit_of_work import execute
    from controllers.units.reference import load_reference_units
    from models import Batch, Case, Unit
    from models.codes import BatchKind, CaseStatus, Classification, Source
    from models.database import Database, make_engine
    from models.migrate import upgrade

    db = Database.from_engine(make_engine(url))
    upgrade(db.engine, backup=False)
    prefix = None
    if roles:  # before the accounts: each new account gets its role and password
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                prefix = db_roles.install(conn).prefix
            else:
                from controllers.infra import mariadb_roles

                installed = mariadb_roles.install(conn)
                prefix = f"{installed.prefix}/{installed.scoped}"

    def setup(s) -> list[int]:
        load_reference_units(s)
        units = list(s.scalars(select(Unit.id).order_by(Unit.sort_order)))[:UNITS]
        names = {i: n for i, n in s.execute(select(Unit.id, Unit.name))}
        create_user(s, SYSTEM, "chief", "admin", password=PASSWORD)
        for i in range(clerks):
            u = _clerk_unit(i)
            create_user(s, SYSTEM, f"clerk{i:02d}",
                        "city_clerk" if u is None else "county_clerk",
                        unit=None if u is None else names[units[u]],
                        password=PASSWORD, must_change_password=False)  # fmt: skip
        batch = Batch(name="2026年清单", year=2026, kind=BatchKind.ANNUAL)
        s.add(batch)
        s.flush()
        rows = [
            Case(unit_id=units[n % len(units)], name=f"并发测试企业{n + 1:02d}", owner="初始业主",
                 classification=Classification.SHUTDOWN, source=Source.SELF_CHECK,
                 status=CaseStatus.IN_PROGRESS, batch_id=batch.id)
            for n in range(cases)
        ]  # fmt: skip
        s.add_all(rows)
        s.flush()
        return [c.id for c in rows]

    ids = execute(db, setup).value
    db.dispose()
    return ids, prefix


def _role_url(url: str, prefix: str, username: str) -> str:
    """The clerk's own connection: their database role (MariaDB: their own user on the
    scoped database; ``prefix`` is then ``<prefix>/<scoped database>``) and password."""
    from sqlalchemy.engine import make_url

    from controllers.infra import db_roles

    if "/" in prefix:
        user_prefix, scoped = prefix.split("/", 1)
        return (
            make_url(url)
            .set(username=f"{user_prefix}{username}", password=PASSWORD, database=scoped)
            .render_as_string(hide_password=False)
        )
    role = db_roles.account_role(prefix, username)
    return make_url(url).set(username=role, password=PASSWORD).render_as_string(hide_password=False)


def clerk(url: str, index: int, case_ids: list[int], start, seconds: float,
          results: mp.Queue, unsafe: bool = False, prefix: str | None = None) -> None:  # fmt: skip
    """One clerk's process: open, think, save; until the time is up.

    ``unsafe`` saves without the version check (what happens without optimistic locking):
    the analysis must then find lost updates, which shows that it can.
    """
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    from controllers.audit.trail import record
    from controllers.auth.accounts import actor_for, user_by_name
    from controllers.editing import EditConflict, apply_edit
    from controllers.unit_of_work import run
    from models import Case
    from models.database import Database, make_engine

    rng = random.Random(index)
    if prefix is not None:  # connected as the clerk's own database role
        url = _role_url(url, prefix, f"clerk{index:02d}")
    unit = _clerk_unit(index)
    if unit is not None:  # a county clerk opens its own unit's cases
        case_ids = [c for n, c in enumerate(case_ids) if n % UNITS == unit]
    db = Database.from_engine(make_engine(url))
    with db.session() as s:
        actor = actor_for(user_by_name(s, f"clerk{index:02d}"))
        s.get(Case, case_ids[0])  # warmed up: imported, connected, the first query compiled
    saves: list[tuple[int, int, str]] = []
    conflicts = errors = 0
    start.wait()  # every clerk starts together, however long the imports took
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        case_id = rng.choice(case_ids)
        n += 1
        value = f"{actor.username}-{n}"

        def save(s, actor, case_id=case_id, value=value) -> int:
            case = s.get(Case, case_id)
            opened_at, old = case.version, case.owner
            time.sleep(rng.uniform(0.0, 0.02))  # the clerk types
            if unsafe:
                s.execute(update(Case).where(Case.id == case_id)
                          .values(owner=value, version=opened_at + 1))  # fmt: skip
            else:
                apply_edit(s, case, opened_at, {"owner": value})
            record(s, actor, "update", "case", case_id,
                   detail={"owner": [old, value], "version": [opened_at, opened_at + 1]})  # fmt: skip
            return opened_at

        try:
            opened_at = run(db, actor, save).value
            saves.append((case_id, opened_at, value))
        except EditConflict:
            conflicts += 1
        except DBAPIError as exc:  # e.g. a deadlock the server resolved: shown, not saved
            errors += 1
            if errors < 3:
                print(f"clerk {index}: {str(exc.orig).splitlines()[0]}", file=sys.stderr)
    db.dispose()
    results.put({"clerk": index, "saves": saves, "conflicts": conflicts, "errors": errors})


def _analyse(url: str, reports: list[dict]) -> dict:
    from sqlalchemy import select

    from controllers.audit.verify import verify_chain
    from models import AuditEntry, Case
    from models.database import Database, make_engine

    saves = [s for r in reports for s in r["saves"]]
    by_case: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for case_id, version, value in saves:
        by_case[case_id].append((version, value))
    lost = 0
    for history in by_case.values():
        versions = [v for v, _ in history]
        lost += len(versions) - len(set(versions))  # two saves from the same version
    db = Database.from_engine(make_engine(url))
    with db.session() as s:
        final = {i: o for i, o in s.execute(select(Case.id, Case.owner))}
        versions = {i: v for i, v in s.execute(select(Case.id, Case.version))}
        audit_last: dict[int, str] = {}
        audit_count = 0
        audited_values = set()
        for object_id, detail in s.execute(
            select(AuditEntry.object_id, AuditEntry.detail)
            .where(AuditEntry.action == "update", AuditEntry.object_type == "case")
            .order_by(AuditEntry.id)
        ):
            new = json.loads(detail)["owner"][1]
            audit_last[int(object_id)] = new
            audited_values.add(new)
            audit_count += 1
        chain = verify_chain(s)
    db.dispose()
    untraceable = 0
    for case_id, history in by_case.items():
        newest = max(history)[1]
        if final[case_id] != newest or audit_last.get(case_id) != final[case_id]:
            untraceable += 1
        if versions[case_id] != 1 + len(history):  # every save moved the version by one
            untraceable += 1
    missing_audit = sum(1 for _, _, value in saves if value not in audited_values)
    return {
        "saves": len(saves),
        "conflicts": sum(r["conflicts"] for r in reports),
        "errors": sum(r["errors"] for r in reports),
        "lost_updates": lost + untraceable,
        "audit_entries": audit_count,
        "saves_without_audit": missing_audit,
        "chain": chain.message(),
        "chain_intact": chain.intact,
    }


def run_backend(backend: str, admin_url: str, clerks: int, cases: int, seconds: float,
                unsafe: bool = False, roles: bool = False) -> dict:  # fmt: skip
    url, drop = _server_database(backend, admin_url)
    prefix = None
    try:
        ids, prefix = _prepare(url, clerks, cases, roles)
        ctx = mp.get_context("spawn")
        results = ctx.Queue()
        start = ctx.Barrier(clerks + 1)  # the clerks and this process
        procs = [ctx.Process(target=clerk,
                             args=(url, i, ids, start, seconds, results, unsafe, prefix))
                 for i in range(clerks)]  # fmt: skip
        for p in procs:
            p.start()
        start.wait(timeout=600)
        reports = [results.get(timeout=seconds + 300) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        return {"backend": backend, "roles": roles, "clerks": clerks, "cases": cases,
                "seconds": seconds, **_analyse(url, reports)}  # fmt: skip
    finally:
        if prefix is not None:
            _drop_roles(url)
        drop()


def _drop_roles(url: str) -> None:
    """The roles of ``user db-roles`` are the server's, not the database's: drop them too."""
    from controllers.infra import db_roles, mariadb_roles
    from models.database import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                db_roles.drop_roles(conn)
            else:
                mariadb_roles.drop(conn)
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--backends", default="postgresql,mariadb")
    parser.add_argument("--pg", default=DEFAULT_PG, help="an administrator URL of PostgreSQL")
    parser.add_argument("--mariadb", default=DEFAULT_MARIADB, help="… of MariaDB")
    parser.add_argument("--json", action="store_true", help="print one JSON object per backend")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="alternate the shared-account and own-account runs N times (medians)",
    )
    parser.add_argument(
        "--no-roles",
        action="store_true",
        help="skip the runs with every clerk connected as their own database role or user",
    )
    parser.add_argument(
        "--unsafe-baseline",
        action="store_true",
        help="also run each server once WITHOUT optimistic locking, to show what it prevents",
    )
    args = parser.parse_args()
    admin = {"postgresql": args.pg, "mariadb": args.mariadb}
    failed = False
    print(f"{args.clerks} clerks (processes) edit {args.cases} overlapping cases for "
          f"{args.seconds:.0f} s on each server; 2-core machine shared with other work, figures "
          "are noisy.\n")  # fmt: skip
    header = (f"{'backend':<13}{'saves':>8}{'saves/s':>9}{'conflicts':>11}{'errors':>8}"
              f"{'lost updates':>14}{'audit entries':>15}  audit chain")  # fmt: skip
    if not args.json:
        print(header)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    runs = []
    for b in backends:
        if args.no_roles:
            runs.append((b, False, False))
        else:  # alternated: the machine's load changes over time
            runs += [(b, False, False), (b, False, True)] * max(1, args.repeat)
    if args.unsafe_baseline:
        runs += [(b, True, False) for b in backends]
    rates: dict[tuple[str, bool], list[float]] = defaultdict(list)
    for backend, unsafe, roles in runs:
        r = run_backend(backend, admin[backend], args.clerks, args.cases, args.seconds, unsafe,
                        roles)  # fmt: skip
        if not unsafe:
            failed |= (r["lost_updates"] > 0 or not r["chain_intact"]
                       or r["saves_without_audit"] > 0)  # fmt: skip
        if not unsafe:
            rates[backend, roles].append(r["saves"] / r["seconds"])
        r["unsafe"] = unsafe
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
            continue
        label = f"{backend}*" if unsafe else f"{backend}†" if roles else backend
        print(f"{label:<13}{r['saves']:>8}{r['saves'] / r['seconds']:>9.1f}{r['conflicts']:>11}"
              f"{r['errors']:>8}{r['lost_updates']:>14}{r['audit_entries']:>15}  "
              f"{'intact' if r['chain_intact'] else r['chain']}")  # fmt: skip
    both = False
    for backend in backends:
        if not (rates[backend, False] and rates[backend, True]):
            continue
        both = True
        own, shared = (
            statistics.median(rates[backend, True]),
            statistics.median(rates[backend, False]),
        )
        ratio = own / shared if shared else float("nan")
        n = len(rates[backend, True])
        runs_note = f" (medians of {n} alternated runs)" if n > 1 else ""
        line = (f"{backend} enforcement: {own:.1f} saves/s with each clerk's own account vs "
                f"{shared:.1f} with the shared account = {ratio:.2f}{runs_note} "
                f"(costs {100 * (1 - ratio):.0f} %; target: no more than 30 %)")  # fmt: skip
        print(json.dumps({"backend": backend, "enforcement_ratio": ratio}) if args.json
              else "\n" + line)  # fmt: skip
    if not args.json:
        if both:
            print("† every clerk connected as their own database role or user (user db-roles: "
                  "PostgreSQL row-level security, MariaDB definer views; privileges, guard "
                  "triggers).")  # fmt: skip
        if args.unsafe_baseline:
            print("* without optimistic locking (baseline): the same analysis finds lost updates.")
    if failed:
        print("\nFAILED: lost updates, saves without an audit entry, or a broken audit chain.")
        return 1
    print("\nlost updates must be 0: every final value is the newest save and its audit entry.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
