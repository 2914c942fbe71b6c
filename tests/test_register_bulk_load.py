"""Loading a register in bulk: column-wise rows equal to a return's, all or nothing when the
database refuses a row midway (SQLite's deferred indexes back), and 200,000 rows over three
files on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from controllers import bulk_columns, unit_of_work
from controllers.actor import Actor
from controllers.onboarding import register_import
from controllers.onboarding.register_import import check_register, load_register
from controllers.returns.review import _new_case_row
from models import AuditEntry, Batch, Case, CaseChange, CaseCheck, Township, Unit
from models.codes import CaseStatus, Role
from tests.test_register_import import _row, write_register

CITY = Actor(None, "city", Role.CITY_CLERK)
D = dt.date
UNITS = ("灵寿县", "新乐市", "晋州市")
STATUSES = ("已销号", "已验收", "待整治")


def _rows(n: int) -> list[list]:
    return [_row(UNITS[i % 3], f"第{i % 4}镇", f"企业{i}", STATUSES[i % 3],
                 closed=STATUSES[i % 3] == "已销号") for i in range(n)]  # fmt: skip


def _counts(session) -> dict[str, int]:
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Case, CaseChange, CaseCheck, Township, Batch, AuditEntry)}  # fmt: skip


def _sqlite_indexes(session) -> list[tuple[str, str]]:
    if session.get_bind().dialect.name != "sqlite":
        return []
    rows = session.connection().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    )
    return [tuple(r) for r in rows]


def test_cases_are_built_column_wise_as_a_return_builds_them(sqlite_db, tmp_path):
    path = write_register(tmp_path / "2024年清单.xlsx", _rows(9))
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [path])
    assert check.valid, [e.text() for e in check.errors]
    units = {u: i for i, u in enumerate(UNITS, start=1)}
    towns = {u: {f"第{k}镇": 10 * units[u] + k for k in range(4)} for u in UNITS}
    batches = {"2024年清单": 7}
    at = dt.datetime(2026, 1, 2, 3, 4, 5)
    actor = Actor(3, "city", Role.CITY_CLERK)
    data = register_import._case_columns(check.rows, units, towns, batches, actor, at)
    by_row = [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
    for r, got in zip(check.rows, by_row, strict=True):
        values = list(r.row.values)
        values[register_import.I_BATCH] = r.batch
        expected = _new_case_row(tuple(values), units[r.unit], actor, at, towns[r.unit], batches)
        assert got == expected
    assert {row["status"] for row in by_row} == {
        CaseStatus.CLOSED,
        CaseStatus.ACCEPTED,
        CaseStatus.PENDING,
    }


def test_a_row_the_database_refuses_midway_leaves_it_as_it_was(database, tmp_path, monkeypatch):
    """Two chunks written, the third refused (a NOT NULL column): nothing stays, SQLite's
    indexes dropped for the load are all back; the same check then loads in full."""
    path = write_register(tmp_path / "2024年清单.xlsx", _rows(60))
    monkeypatch.setattr(register_import, "LOAD_CHUNK", 20)
    monkeypatch.setattr(bulk_columns, "DEFER_MIN_ROWS", 10)
    with database.session() as s:
        check = check_register(s, CITY, [path])
        before, indexes = _counts(s), _sqlite_indexes(s)
    assert check.valid, [e.text() for e in check.errors]
    assert check.new_townships  # created in the load, and gone with it
    last = check.rows[-1].row
    good = last.values
    i_class = register_import.FIELD_INDEX["classification"]
    last.values = (*good[:i_class], None, *good[i_class + 1 :])
    with pytest.raises(DBAPIError, match=r"(?i)null"):
        unit_of_work.run(database, CITY, load_register, check)
    with database.session() as s:
        assert _counts(s) == before
        assert _sqlite_indexes(s) == indexes
    last.values = good
    assert unit_of_work.run(database, CITY, load_register, check).value == 60
    with database.session() as s:
        after = _counts(s)
        assert (after["Case"], after["CaseChange"]) == (
            before["Case"] + 60,
            before["CaseChange"] + 60,
        )
        assert after["AuditEntry"] > before["AuditEntry"]
        assert _sqlite_indexes(s) == indexes
        ids = s.scalars(select(Case.id).order_by(Case.id)).all()
        changed = s.scalars(select(CaseChange.case_id).order_by(CaseChange.case_id)).all()
        assert changed == ids  # each case its one history line


@pytest.fixture(scope="module")
def register_200k(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from bench.onboarding import write_files

    return write_files(tmp_path_factory.mktemp("register200k"), 200_000)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_200000_rows_over_three_files(database, register_200k):
    """bench/onboarding.py's register: 25 units, four statuses, closed cases with their dates."""
    with database.session() as s:
        check = check_register(s, CITY, register_200k)
    assert check.valid, [e.text() for e in check.errors[:3]]
    assert len(check.rows) == 200_000
    assert set(check.by_unit().values()) == {8_000}
    assert len(check.by_unit()) == 25
    assert check.by_status() == {"已销号": 50_000, "已验收": 50_000, "待整治": 50_000,
                                 "整治中": 50_000}  # fmt: skip
    assert check.by_batch() == {"2023年清单": 66_666, "2024年清单": 66_666, "2025年清单": 66_668}
    assert unit_of_work.run(database, CITY, load_register, check).value == 200_000
    with database.session() as s:
        per_unit_status = s.execute(
            select(Unit.name, Case.status, func.count())
            .join(Unit, Case.unit_id == Unit.id)
            .group_by(Unit.name, Case.status)
        ).all()
        assert len(per_unit_status) == 100  # 25 units × 4 statuses
        assert {n for _u, _s, n in per_unit_status} == {2_000}
        assert s.scalar(select(func.count()).select_from(CaseChange)) == 200_000
        assert s.scalar(
            select(func.count()).where(CaseChange.note.like("imported from 202_年清单.xlsx, row %"))
        ) == 200_000  # fmt: skip
        closed = s.scalars(select(Case).where(Case.name == "企业66668号")).one()  # 2024, row 5
        assert closed.status == CaseStatus.CLOSED
        assert (closed.completed_on, closed.accepted_on, closed.closed_on, closed.approved_by) == (
            D(2024, 4, 1),
            D(2024, 4, 10),
            D(2024, 4, 20),
            "某局长",
        )
        assert s.get(Batch, closed.batch_id).name == "2024年清单"
        note = s.scalars(select(CaseChange.note).where(CaseChange.case_id == closed.id)).one()
        assert note.startswith("imported from 2024年清单.xlsx, row 5（")
        pending = s.scalars(select(Case).where(Case.name == "企业199998号")).one()
        assert pending.status == CaseStatus.PENDING
        assert (pending.completed_on, pending.closed_on, pending.approved_by) == (None, None, None)
        towns = s.scalar(
            select(func.count()).select_from(Township).where(Township.name.like("第_镇"))
        )
        assert towns == 25 * 9


def test_an_unreadable_file_among_several_stops_the_check_in_its_turn(sqlite_db, tmp_path):
    """Files are opened one ahead in a worker thread: the junk second file still raises when
    its turn comes, and the third, already opened ahead, is closed (ResourceWarning is an
    error in the tests)."""
    from controllers.returns.reader import UnreadableFile

    first = write_register(tmp_path / "a.xlsx", _rows(3))
    junk = tmp_path / "b.xlsx"
    junk.write_bytes(b"not a workbook")
    third = write_register(tmp_path / "c.xlsx", _rows(3))
    with sqlite_db.session() as s, pytest.raises(UnreadableFile, match=r"b\.xlsx"):
        check_register(s, CITY, [first, junk, third])
    with sqlite_db.session() as s:
        check = check_register(s, CITY, [first, third])
    assert check.files == ["a.xlsx", "c.xlsx"]
    assert not check.valid  # the same enterprises in both files
    assert any("与“a.xlsx”工作表" in e.message for e in check.errors)


def test_columns_go_in_by_each_path_and_read_back(database):
    """COPY (PostgreSQL) or one executemany, the driver's own executemany by name or position,
    ids in the rows' order, a default filled in, codes and None converted once per value."""
    from models.codes import BatchKind

    table = Batch.__table__
    with database.session() as s:
        ids = bulk_columns.insert_columns_with_ids(s, table, {
            "name": ["甲批", "乙批", "丙批"], "year": [2024, None, 2024],
            "kind": [BatchKind.ADDED, BatchKind.ADDED, BatchKind.ADDED],
        })  # fmt: skip
        bulk_columns._executemany(s.connection(), table, bulk_columns._with_defaults(table, {
            "name": ["丁批"], "year": [2025], "kind": [BatchKind.ADDED]}, 1))  # fmt: skip
        s.commit()
    with database.session() as s:
        got = s.execute(select(Batch.id, Batch.name, Batch.year, Batch.kind, Batch.sort_order)
                        .where(Batch.name.in_(["甲批", "乙批", "丙批", "丁批"]))
                        .order_by(Batch.name)).all()  # fmt: skip
    by_name = {name: (i, year, kind, order) for i, name, year, kind, order in got}
    assert [by_name[n][0] for n in ("甲批", "乙批", "丙批")] == ids
    assert ids == sorted(ids)
    assert by_name["乙批"][1:] == (None, BatchKind.ADDED, 0)
    assert by_name["丁批"][1:] == (2025, BatchKind.ADDED, 0)
