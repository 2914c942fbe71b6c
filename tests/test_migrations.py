"""Schema migrations on every backend; upgrading an older database keeps its data."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from controllers.infra.database_setup import open_database
from models import Base, Case, Industry, Unit
from models.database import Database, DatabaseError, make_engine
from models.migrate import SCHEMA_HEAD, current_revision, head_revision, script_head, upgrade
from tests import dbservers
from tests.conftest import with_reference_units


@pytest.fixture
def empty_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with dbservers.server_database(backend) as url:
            yield url


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        return compare_metadata(ctx, Base.metadata)


def test_schema_head_constant_matches_the_scripts():
    assert script_head() == SCHEMA_HEAD


def test_migrations_build_exactly_the_models(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade(engine, backup=False)
        assert current_revision(engine) == head_revision()
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_a_new_database_has_no_units_but_the_vocabulary(empty_url):
    engine = make_engine(empty_url)
    try:
        upgrade(engine, backup=False)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM units")).scalar() == 0
            assert conn.execute(text("SELECT COUNT(*) FROM industries")).scalar() == 26
    finally:
        engine.dispose()


def test_the_reference_list_gives_the_25_units_and_vocabulary(database):
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Unit)) == 25
        lingshou = s.scalar(select(Unit).where(Unit.name == "灵寿县"))
        assert len(lingshou.townships) == 14
        assert lingshou.townships[0].name == "灵寿镇"
        focus = set(s.scalars(select(Industry.name).where(Industry.is_focus.is_(True))))
        assert focus == {"油毡", "蛭石", "钙镁", "拔丝", "小板材"}


def test_upgrade_from_the_first_migration_keeps_data(empty_url, backend):
    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0001", backup=False)
        assert current_revision(engine) == "0001"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO units (code, name, short_name, kind, sort_order, active, version)"
                    " VALUES ('old', '旧单位', '旧', 'county', 1, :t, 1)"
                ),
                {"t": True},
            )
        engine.dispose()
        # The application upgrades an older database when it opens it.
        result = open_database(empty_url)
        db = result.database
        try:
            assert result.upgraded_from == "0001"
            assert current_revision(db.engine) == head_revision()
            with db.session() as s:
                names = set(s.scalars(select(Unit.name)))
            assert "旧单位" in names
            assert "灵寿县" not in names  # 0002 no longer adds one city's units
            if backend == "sqlite":
                assert result.backup_path is not None
                assert result.backup_path.exists()
                backup = make_engine(f"sqlite:///{result.backup_path}")
                assert current_revision(backup) == "0001"
                backup.dispose()
            else:
                assert result.backup_path is None
        finally:
            db.dispose()
    finally:
        engine.dispose()


def test_fresh_sqlite_file_is_not_backed_up(tmp_path):
    result = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert result.created
        assert result.backup_path is None
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["new.db"]
    finally:
        result.database.dispose()


def test_database_from_a_newer_program_is_refused(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    result = open_database(url)
    result.database.dispose()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseError, match="比本程序新"):
        open_database(url)


def test_cases_table_accepts_a_full_register_row(database: Database):
    from tests.factories import make_case

    with database.session() as s:
        case = make_case(s)
        s.commit()
        assert case.id is not None
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def _downgrade(engine, revision: str) -> None:
    from alembic import command

    from models.migrate import alembic_config

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _triggers(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        elif engine.dialect.name == "postgresql":
            sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            sql = "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()"
        return {r[0] for r in conn.exec_driver_sql(sql)}


def test_issue_12_migration_downgrades_with_its_records_and_upgrades_again(database):
    """Head → before issue 12 (0004) → head again, on a database holding a check whose
    finding wrote a look-back and a decided record with an amendment: the older schema
    keeps the rows, loses issue 12's columns, table and guards; upgrading restores them."""
    import datetime as dt

    from sqlalchemy import inspect

    from controllers import unit_of_work
    from controllers.accountability.records import (
        PersonInput,
        ProblemInput,
        amend,
        create_record,
        decide,
    )
    from controllers.actor import Actor
    from controllers.spot_checks.entry import CheckInput, MemberInput, SiteInput, save_check
    from models import AccountabilityRecord, SpotCheckFinding
    from models.codes import CaseStatus, FindingKind, Measure, ProblemKind, Role
    from tests.factories import make_case, unit

    city = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")
    with database.session() as s:
        ls = unit(s).id
        closed = make_case(s, status=CaseStatus.CLOSED, completed_on=dt.date(2026, 5, 1),
                           township_checked_on=dt.date(2026, 5, 1),
                           accepted_on=dt.date(2026, 5, 2), approved_by="刘局长",
                           closed_on=dt.date(2026, 5, 3),
                           discovered_on=dt.date(2026, 4, 1)).id  # fmt: skip
        s.commit()
    check = CheckInput(dt.date(2026, 5, 8), "第1执法检查组", ls, (MemberInput("王强"),),
                       sites=(SiteInput(case_id=closed, outcome=FindingKind.RELAPSE),),
                       leader="王强")  # fmt: skip
    saved = unit_of_work.run(database, city, save_check, check).value
    with database.session() as s:
        finding = s.scalars(select(SpotCheckFinding)).one()
        problem = ProblemInput(ProblemKind.RELAPSE, "原址复产", dt.date(2026, 5, 8), closed,
                               finding.id, saved.lookbacks[0])  # fmt: skip
    rid = unit_of_work.run(database, city, create_record, ls, Measure.INTERVIEW,
                           persons=[PersonInput("张某", "副镇长")], problems=[problem],
                           clause="第八条", summary="反弹1起").value  # fmt: skip
    unit_of_work.run(database, city, decide, rid, "灵寿县〔2026〕3号", dt.date(2026, 6, 1))
    unit_of_work.run(database, city, amend, rid, "文号录入错误", {"doc_no": "灵寿县〔2026〕5号"})
    engine = database.engine
    guards = {t for t in _triggers(engine) if t.startswith("accountability")}
    assert guards  # issue 12's triggers are there at head

    _downgrade(engine, "0004_security")
    assert current_revision(engine) == "0004_security"
    insp = inspect(engine)
    assert not insp.has_table("accountability_rule_sets")
    assert "rule_set_id" not in {c["name"] for c in insp.get_columns("accountability_records")}
    assert "lookback_id" not in {c["name"] for c in insp.get_columns("spot_check_findings")}
    assert not guards & _triggers(engine)
    with engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in
                  ("spot_checks", "spot_check_findings", "accountability_records",
                   "accountability_amendments", "case_lookbacks")]  # fmt: skip
        assert counts == [1, 1, 1, 1, 1]
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []

    upgrade(engine, backup=False)
    assert current_revision(engine) == head_revision()
    assert _diff(engine) == []
    assert guards <= _triggers(engine)
    with database.session() as s:
        assert s.get(AccountabilityRecord, rid).doc_no == "灵寿县〔2026〕3号"
        assert s.scalar(select(func.count()).select_from(SpotCheckFinding)) == 1
    with engine.connect() as conn, pytest.raises(DBAPIError, match="问责"):  # guarded again
        conn.execute(text("DELETE FROM accountability_records WHERE id = :id"), {"id": rid})


def _index_names(engine, table: str) -> set[str]:
    from sqlalchemy import inspect

    return {i["name"] for i in inspect(engine).get_indexes(table)}


def _fillfactor(engine) -> str | None:
    with engine.connect() as conn:
        options = conn.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE oid = CAST('cases' AS regclass)"
        ).scalar()
    return next((o for o in options or [] if o.startswith("fillfactor=")), None)


def test_accept_indexes_migration_downgrades_and_upgrades_again(empty_url, backend):
    """0010 drops the single-column indexes a composite index leads with (and the unused one
    of the history's time) and gives PostgreSQL's cases room for updates; the downgrade builds
    them again on a database holding cases, and upgrading once more matches the models."""
    from tests.factories import make_case

    dropped = {"ix_cases_unit_id", "ix_cases_industry_id", "ix_cases_classification",
               "ix_cases_source", "ix_cases_status"}  # fmt: skip
    kept = {"ix_cases_unit_status", "ix_cases_industry_status", "ix_cases_classification_status",
            "ix_cases_source_status", "ix_cases_status_deadline", "ix_cases_township_id"}  # fmt: skip
    engine = make_engine(empty_url)
    try:
        upgrade(engine, backup=False)
        assert not dropped & _index_names(engine, "cases")
        assert kept <= _index_names(engine, "cases")
        assert "ix_case_changes_changed_at" not in _index_names(engine, "case_changes")
        if backend == "postgresql":
            assert _fillfactor(engine) == "fillfactor=90"
        with_reference_units(engine)
        database = Database.from_engine(engine)
        with database.session() as s:
            make_case(s, name="降级前的企业")
            s.commit()

        _downgrade(engine, "0009_i17_permits")
        assert current_revision(engine) == "0009_i17_permits"
        assert dropped | kept <= _index_names(engine, "cases")
        assert "ix_case_changes_changed_at" in _index_names(engine, "case_changes")
        if backend == "postgresql":
            assert _fillfactor(engine) is None

        upgrade(engine, backup=False)
        assert current_revision(engine) == head_revision()
        assert not dropped & _index_names(engine, "cases")
        assert _diff(engine) == []
        with database.session() as s:
            assert s.scalar(select(Case.name)) == "降级前的企业"
    finally:
        engine.dispose()


def test_cases_name_index_migration_downgrades_and_upgrades_again(empty_url):
    """0011 drops the index of a case's name (no query is answered by it); the downgrade
    builds it again on a database holding cases, and upgrading once more matches the models."""
    from tests.factories import make_case

    engine = make_engine(empty_url)
    try:
        upgrade(engine, backup=False)
        assert "ix_cases_name" not in _index_names(engine, "cases")
        with_reference_units(engine)
        database = Database.from_engine(engine)
        with database.session() as s:
            make_case(s, name="降级前的企业")
            s.commit()

        _downgrade(engine, "0010_accept_indexes")
        assert current_revision(engine) == "0010_accept_indexes"
        assert "ix_cases_name" in _index_names(engine, "cases")
        with database.session() as s:
            assert s.scalar(select(Case.id).where(Case.name == "降级前的企业")) is not None

        upgrade(engine, backup=False)
        assert current_revision(engine) == head_revision()
        assert "ix_cases_name" not in _index_names(engine, "cases")
        assert _diff(engine) == []
        with database.session() as s:
            assert s.scalar(select(Case.name)) == "降级前的企业"
    finally:
        engine.dispose()
