"""Bulk writes of an accepted return: COPY on PostgreSQL writes exactly what SQLite writes, and
a failure midway leaves nothing, on every backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers.bulk import copy_allowed
from controllers.returns.check import check_return
from controllers.returns.records import submit_return
from controllers.returns.review import accept_return
from controllers.unit_of_work import run
from models import (
    AuditEntry,
    Batch,
    Case,
    CaseChange,
    CountyReturn,
    Industry,
    ReturnMergeItem,
    Township,
)
from models.codes import ReturnStatus, Role
from models.database import Database, make_engine
from tests import dbservers
from tests.factories import make_case, unit
from tests.returns_fixtures import make_actor, make_stage, standard_row, write_xlsx

#: text a COPY stream must escape (backslashes, the text form of NULL; the reader turns the
#: tab and the line break into spaces)
AWKWARD = "断水\t断电\n清除原料\\产品 \\N 和设备，“两断三清”"


def _world(db: Database) -> dict:
    """A stage, a city clerk and two register cases of 灵寿县 (the same in every database)."""
    with db.session() as s:
        stage = make_stage(s)
        lingshou = unit(s)
        city = make_actor(s, Role.CITY_CLERK)
        for n in (1, 2):
            make_case(s, serial_no=n, name=f"灵寿县东关村蛭石加工厂{n}",
                      address=f"灵寿镇东关村{n}号", owner=f"王建{n}", phone=f"1380000{n:04d}",
                      problem_types="scattered,disorderly,polluting", pollution_types="air",
                      remark=None)  # fmt: skip
        s.commit()
        return {"stage": stage.id, "unit": lingshou.id, "city": city}


def _return_file(folder: Path) -> Path:
    """Two rows of the register (one changed in four fields), and new rows: in a township
    nobody knew, with an industry outside the catalog, with awkward text, with a status."""
    rows = [
        standard_row(1, 主要产品="膨胀蛭石（停产）", 整治完成情况="已断水断电", 状态="整治中"),
        standard_row(2),
        standard_row(3, **{"乡镇（街道）": "新设镇"}),
        standard_row(4, 行业="家具喷漆"),
        standard_row(5, 整治措施=AWKWARD, 备注="备注\\带反斜杠", 状态="整治中"),
        standard_row(6, 发现日期=None, 完成时限=dt.date(2026, 12, 31), 发现来源="网格巡查"),
    ]
    for r in rows:
        r.setdefault("状态", "待整治")
    return write_xlsx(folder / "灵寿县上报.xlsx", rows, [*rows[0].keys()])


def _submitted(db: Database, world: dict, path: Path):
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        assert check.valid, [e.text() for e in check.errors]
        ret = submit_return(s, world["city"], check, path)
        s.commit()
        return check, ret.id, ret.version


def _snapshot(db: Database) -> dict:
    """Everything accepting writes, with ids replaced by names (ids are each database's own)."""
    with db.session() as s:
        name_of = dict(s.execute(select(Case.id, Case.name)).all())
        towns = dict(s.execute(select(Township.id, Township.name)).all())
        batches = dict(s.execute(select(Batch.id, Batch.name)).all())
        industries = dict(s.execute(select(Industry.id, Industry.name)).all())
        skip = {"id", "created_at", "updated_at", "township_id", "batch_id", "industry_id"}
        cases = []
        for c in s.scalars(select(Case).order_by(Case.serial_no)):
            row = {k: getattr(c, k) for k in (c.key for c in Case.__table__.c) if k not in skip}
            row.update(township=towns.get(c.township_id), batch=batches.get(c.batch_id),
                       industry=industries.get(c.industry_id))  # fmt: skip
            cases.append(row)
        history = sorted(
            (name_of[h.case_id], h.field, h.old_value, h.new_value, h.note, h.username, h.user_id)
            for h in s.scalars(select(CaseChange))
        )
        items = sorted(
            (name_of[i.case_id], i.kind, i.sheet_row, i.field, i.old_value, i.new_value)
            for i in s.scalars(select(ReturnMergeItem))
        )
        ret = s.scalars(select(CountyReturn)).one()
        audit = []
        for e in s.scalars(select(AuditEntry).where(AuditEntry.object_type == "county_return")
                           .order_by(AuditEntry.id)):  # fmt: skip
            detail = json.loads(e.detail) if e.detail else {}
            if "new_case_ids" in detail:
                detail["new_case_ids"] = [name_of[i] for i in detail["new_case_ids"]]
            audit.append((e.action, e.username, e.result, detail))
        return {
            "cases": cases, "history": history, "items": items, "audit": audit,
            "return": (ret.status, ret.rows_total, ret.rows_new, ret.rows_changed,
                       ret.rows_missing, ret.reviewer_id),
            "townships": sorted(towns.values()), "batches": sorted(batches.values()),
        }  # fmt: skip


def _accept(db: Database, path: Path, before_accept: str | None = None) -> dict:
    world = _world(db)
    check, ret_id, version = _submitted(db, world, path)
    if before_accept:
        with db.engine.begin() as conn:
            conn.exec_driver_sql(before_accept)
            assert copy_allowed(conn, Case.__table__)
    result = run(db, world["city"], accept_return, ret_id, version, check).value
    assert (result.created, result.updated, result.unchanged) == (4, 1, 1)
    return _snapshot(db)


LOG_COPIES = """
CREATE TABLE statement_log (tbl text, query text);
CREATE FUNCTION log_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO statement_log VALUES (TG_TABLE_NAME, current_query()); RETURN NEW; END $$;
CREATE TRIGGER log_cases BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION log_statement();
CREATE TRIGGER log_changes BEFORE INSERT ON case_changes
    FOR EACH ROW EXECUTE FUNCTION log_statement();
CREATE TRIGGER log_items BEFORE INSERT ON return_merge_items
    FOR EACH ROW EXECUTE FUNCTION log_statement();
"""


@pytest.mark.postgres
def test_accept_on_postgresql_copies_exactly_what_sqlite_writes(sqlite_db, tmp_path, request):
    path = _return_file(tmp_path)  # the same file (the audit names its SHA-256)
    on_sqlite = _accept(sqlite_db, path)
    template = request.getfixturevalue("pg_template")
    with dbservers.server_database("postgresql", template) as url:
        pg = Database.from_engine(make_engine(url))
        try:
            # a row trigger notes the statement that wrote each row
            on_pg = _accept(pg, path, before_accept=LOG_COPIES)
            with pg.session() as s:
                logged = list(s.execute(text("SELECT tbl, query FROM statement_log")))
        finally:
            pg.dispose()
    # the rows went in by COPY, and the row triggers fired for each of them
    per_table = {t: sum(1 for tt, _q in logged if tt == t)
                 for t in ("cases", "case_changes", "return_merge_items")}  # fmt: skip
    assert per_table == {"cases": 4, "case_changes": len(on_pg["history"]),
                         "return_merge_items": len(on_pg["items"])}  # fmt: skip
    assert {q.split(" ", 1)[0] for _t, q in logged} == {"COPY"}, logged[:3]
    # and wrote exactly what the SQLite path wrote
    assert on_pg["return"][0] == ReturnStatus.APPROVED
    assert len(on_pg["cases"]) == 6
    awkward = next(c for c in on_pg["cases"] if c["name"].endswith("加工厂5"))
    assert awkward["measures"] == "断水 断电 清除原料\\产品 \\N 和设备，“两断三清”"
    assert awkward["remark"] == "备注\\带反斜杠"
    guessed = next(c for c in on_pg["cases"] if c["name"].endswith("加工厂4"))
    assert "上报行业：家具喷漆" in guessed["remark"]
    assert next(c for c in on_pg["cases"] if c["name"].endswith("加工厂3"))["township"] == "新设镇"
    assert len(on_pg["cases"]) == len(on_sqlite["cases"])
    differing = [(a["name"], k, a[k], b[k]) for a, b in zip(on_pg["cases"], on_sqlite["cases"],
                                                            strict=True)
                 for k in a if a[k] != b[k]]  # fmt: skip
    assert differing == []
    for key in ("cases", "history", "items", "audit", "return", "townships", "batches"):
        assert on_pg[key] == on_sqlite[key], key


FAIL_ON_CHANGED_HISTORY = {
    # the history of a matched case's changed field: written after the new cases, their
    # history and the UPDATEs of the matched cases
    "sqlite": ["""CREATE TRIGGER fail_midway BEFORE INSERT ON case_changes
                  WHEN NEW.field = 'main_products' BEGIN SELECT RAISE(ABORT, 'midway'); END"""],
    "postgresql": ["""CREATE FUNCTION fail_midway() RETURNS trigger LANGUAGE plpgsql AS $$
                      BEGIN IF NEW.field = 'main_products' THEN RAISE EXCEPTION 'midway'; END IF;
                      RETURN NEW; END $$""",
                   """CREATE TRIGGER fail_midway BEFORE INSERT ON case_changes
                      FOR EACH ROW EXECUTE FUNCTION fail_midway()"""],
    "mariadb": ["""CREATE TRIGGER fail_midway BEFORE INSERT ON case_changes FOR EACH ROW BEGIN
                   IF NEW.field = 'main_products' THEN
                   SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'midway'; END IF; END"""],
}  # fmt: skip


def _counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Case, CaseChange, ReturnMergeItem, Township, Batch, AuditEntry)
        }


def test_a_failure_midway_leaves_nothing(database, backend, tmp_path):
    world = _world(database)
    check, ret_id, version = _submitted(database, world, _return_file(tmp_path))
    with database.engine.begin() as conn:
        for statement in FAIL_ON_CHANGED_HISTORY[backend]:
            conn.exec_driver_sql(statement)
    before = _counts(database)
    with database.session() as s:
        changed = s.scalars(select(Case).where(Case.serial_no == 1)).one()
        was = (changed.version, changed.main_products, changed.status, changed.updated_at)
    with pytest.raises(DBAPIError, match="midway"):  # as SQLAlchemy raises it, COPY or not
        run(database, world["city"], accept_return, ret_id, version, check)
    assert _counts(database) == before
    with database.session() as s:
        changed = s.scalars(select(Case).where(Case.serial_no == 1)).one()
        assert (changed.version, changed.main_products, changed.status,
                changed.updated_at) == was  # fmt: skip
        ret = s.get(CountyReturn, ret_id)
        assert (ret.status, ret.version) == (ReturnStatus.PENDING, version)
    # nothing is left half-done: once the cause is gone, the same accept goes through
    with database.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER fail_midway" + (" ON case_changes"
                                                            if backend == "postgresql" else ""))  # fmt: skip
    result = run(database, world["city"], accept_return, ret_id, version, check).value
    assert (result.created, result.updated) == (4, 1)
    after = _counts(database)
    assert after["Case"] == before["Case"] + 4
    assert after["Township"] == before["Township"] + 1


def test_bulk_rows_get_their_ids_in_order_and_the_python_defaults(database):
    """Ids come back in the rows' order (children refer to them); a column the rows leave out
    takes its Python-side default, as an ORM insert would give it."""
    from controllers.bulk import bulk_insert, insert_with_ids

    with database.session() as s:
        case_id = make_case(s).id
        rows = [{"case_id": case_id, "user_id": None, "username": "city", "field": "owner",
                 "old_value": None, "new_value": f"第{n}个", "note": None}
                for n in range(1, 1201)]  # fmt: skip
        ids = insert_with_ids(s, CaseChange.__table__, rows)
        more = [{"case_id": case_id, "field": "phone", "new_value": f"{n}"} for n in range(10)]
        bulk_insert(s.connection(), CaseChange.__table__, more)
        s.commit()
    assert len(set(ids)) == 1200
    assert ids == sorted(ids)
    assert [r["id"] for r in rows] == ids
    with database.session() as s:
        written = {
            h.id: h for h in s.scalars(select(CaseChange).where(CaseChange.case_id == case_id))
        }
        assert [written[i].new_value for i in ids] == [f"第{n}个" for n in range(1, 1201)]
        assert len(written) == 1210
        assert all(h.changed_at is not None for h in written.values())


def test_versioned_bulk_update_writes_only_the_rows_still_at_their_version(database):
    """Each row is updated by id where it still has the version read, its version bumped and
    the fixed values set; a row changed meanwhile is left alone and the count says so (on
    PostgreSQL one UPDATE … FROM unnest, elsewhere an executemany)."""
    from controllers.bulk_update import update_versioned
    from models.codes import CaseStatus

    at = dt.datetime(2026, 12, 2, 8, 0, 0)
    with database.session() as s:
        cases = [make_case(s) for _ in range(3)]
        ids = [c.id for c in cases]
        s.commit()
    rows = [
        {"id": ids[0], "version": 1, "main_products": "膨胀蛭石", "deadline": dt.date(2026, 9, 30),
         "status": CaseStatus.IN_PROGRESS},
        {"id": ids[1], "version": 1, "main_products": None, "deadline": None,
         "status": CaseStatus.IN_PROGRESS},
        {"id": ids[2], "version": 7, "main_products": "不应写入", "deadline": None,
         "status": CaseStatus.IN_PROGRESS},
    ]  # fmt: skip
    with database.session() as s:
        done = update_versioned(s.connection(), Case.__table__,
                                ["main_products", "deadline", "status"], rows,
                                {"updated_at": at, "updated_by_id": None})  # fmt: skip
        s.commit()
    if database.engine.dialect.supports_sane_multi_rowcount:
        assert done == 2
    with database.session() as s:
        got = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(ids)))}
        assert (got[ids[0]].main_products, got[ids[0]].deadline, got[ids[0]].status,
                got[ids[0]].version, got[ids[0]].updated_at) == (
            "膨胀蛭石", dt.date(2026, 9, 30), CaseStatus.IN_PROGRESS, 2, at)  # fmt: skip
        assert (got[ids[1]].main_products, got[ids[1]].deadline, got[ids[1]].version) == (
            None, None, 2)  # fmt: skip
        assert got[ids[2]].version == 1
        assert got[ids[2]].main_products != "不应写入"
