"""Small builders of real rows for tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Batch, Case, Industry, Unit
from models.codes import BatchKind, CaseStatus, Classification, Source

_serial = itertools.count(1)


def unit(session: Session, name: str = "灵寿县") -> Unit:
    return session.scalars(select(Unit).where(Unit.name == name)).one()


def batch(session: Session, name: str = "2026年清单", year: int | None = 2026) -> Batch:
    found = session.scalars(select(Batch).where(Batch.name == name)).first()
    if found:
        return found
    b = Batch(name=name, year=year, kind=BatchKind.ANNUAL if year else BatchKind.ADDED)
    session.add(b)
    session.flush()
    return b


def make_case(session: Session, **overrides: Any) -> Case:
    """A complete register row of 灵寿县 (every column filled), flushed."""
    u = overrides.pop("unit", None) or unit(session)
    n = next(_serial)
    industry = session.scalars(select(Industry).where(Industry.code == "vermiculite")).one()
    values: dict[str, Any] = dict(
        serial_no=n,
        unit_id=u.id,
        township_id=u.townships[0].id if u.townships else None,
        village="东关村",
        name=f"灵寿县东关村蛭石加工厂{n}",
        owner="王建国",
        phone="13800000000",
        address=f"灵寿镇东关村{n}号",
        industry_id=industry.id,
        main_products="膨胀蛭石",
        problem_types="scattered,polluting",
        pollution_types="air,solid",
        classification=Classification.SHUTDOWN,
        measures="断水断电，清除原料、产品和设备",
        deadline=dt.date(2026, 6, 30),
        resp_first="李镇长",
        resp_direct="张副镇长",
        resp_specific="赵干事",
        source=Source.SELF_CHECK,
        discovered_on=dt.date(2026, 5, 10),
        progress_note="",
        status=CaseStatus.PENDING,
        batch_id=batch(session).id,
        remark="测试",
    )
    values.update(overrides)
    case = Case(**values)
    session.add(case)
    session.flush()
    return case
