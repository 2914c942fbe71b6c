"""PostgreSQL itself limits a county clerk to the 线索 touching its unit and to its unit's permits
(row-level security)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from sqlalchemy import select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.leads.scanning import scan_leads
from models import Lead, Permit
from models.codes import CaseStatus, Role
from tests.factories import make_case, unit
from tests.test_pg_security import connect_as, secured, server  # noqa: F401 (fixtures)
from tests.test_pg_security import pytestmark as _pg_marks

pytestmark = _pg_marks


def test_county_clerk_sees_only_leads_of_its_unit_in_a_plain_sql_client(secured):  # noqa: F811
    owner = secured["owner"]
    with owner.session() as s:
        lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        closed = dict(status=CaseStatus.CLOSED, closed_on=dt.date(2025, 6, 30),
                      discovered_on=dt.date(2025, 1, 2))  # fmt: skip
        later = dict(discovered_on=dt.date(2026, 3, 1))
        old_l = make_case(s, unit=lingshou, owner="欧阳明远", phone="13911112222", **closed).id
        make_case(s, unit=xinle, owner="欧阳明远", phone="13911112222", village="南街村",
                  address="南街村5号", **later)  # fmt: skip
        old_x = make_case(s, unit=xinle, owner="司马俊峰", phone="13922223333", village="北街村",
                          address="北街村1号", **closed).id  # fmt: skip
        make_case(s, unit=xinle, owner="司马俊峰", phone="13922223333", village="西街村",
                  address="西街村9号", **later)  # fmt: skip
        s.commit()
    city = Actor(user_id=None, username="city", role=Role.CITY_CLERK)
    result = unit_of_work.run(owner, city, scan_leads).value
    assert {c.other_case_id for c in result.open} == {old_l, old_x}
    with owner.session() as s:
        units = {
            i: (u, o) for i, u, o in s.execute(select(Lead.id, Lead.unit_id, Lead.other_unit_id))
        }
        cross = s.scalar(
            select(Lead.id).where(Lead.other_case_id == old_l, Lead.unit_id == xinle.id)
        )
        xinle_only = s.scalar(select(Lead.id).where(Lead.other_case_id == old_x))
    assert units[cross] == (xinle.id, lingshou.id)
    assert units[xinle_only] == (xinle.id, xinle.id)
    mine = sorted(i for i, pair in units.items() if lingshou.id in pair)
    with connect_as(secured, "lingshou") as conn:
        assert [r[0] for r in conn.execute("SELECT id FROM leads ORDER BY id")] == mine
        assert cross in mine
        assert xinle_only not in mine
        conn.execute("UPDATE leads SET reason = 'x'")  # touches only what it sees
    with connect_as(secured, "xinle") as conn:
        seen = sorted(r[0] for r in conn.execute("SELECT id FROM leads"))
        assert seen == sorted(i for i, pair in units.items() if xinle.id in pair)
    with owner.session() as s:
        assert s.get(Lead, xinle_only).reason is None
        assert s.get(Lead, cross).reason == "x"


def test_county_clerk_reads_and_adds_only_its_units_permits(secured):  # noqa: F811
    """The permit register is a unit table: a county role reads its unit's permits and may not
    file one under another unit, in a plain SQL client."""
    owner = secured["owner"]
    with owner.session() as s:
        lingshou, xinle = unit(s, "灵寿县").id, unit(s, "新乐市").id
        for unit_id, name in ((lingshou, "灵寿某建材厂"), (xinle, "新乐某建材厂"), (None, "未定")):
            s.add(Permit(unit_id=unit_id, name=name, source_file="许可.xlsx"))
        s.commit()
    with connect_as(secured, "lingshou") as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM permits")] == ["灵寿某建材厂"]
        conn.execute(
            "INSERT INTO permits (unit_id, name, source_file, imported_at) "
            "VALUES (%s, '灵寿新厂', 'x.xlsx', now())",
            (lingshou,),
        )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO permits (unit_id, name, source_file, imported_at) "
                "VALUES (%s, '冒充', 'x.xlsx', now())",
                (xinle,),
            )
    with owner.session() as s:
        assert s.scalar(select(Permit.unit_id).where(Permit.name == "灵寿新厂")) == lingshou
        assert s.scalar(select(Permit.id).where(Permit.name == "冒充")) is None
