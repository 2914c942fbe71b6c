"""建立本单位数据库: the first start of a new database — the city's name and its own units."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.demo.generator import database_has_data
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.settings import CITY_NAME, set_setting
from controllers.units.list_import import UnitImportResult, import_units
from controllers.units.records import UnitInput
from models import Unit


def needs_first_start(session: Session) -> bool:
    """True for a new database: no units and no business data yet."""
    has_units = bool(session.scalar(select(func.count()).select_from(Unit)))
    return not has_units and not database_has_data(session)


def set_up_office(
    session: Session, actor: Actor, city_name: str, units: list[UnitInput]
) -> UnitImportResult:
    """Name the city and write its units and townships (one unit of work)."""
    require(actor, Permission.MANAGE_UNITS)
    city = (city_name or "").strip()
    if not city:
        raise ValidationError("请填写本市名称（如“某某市”），报告和承诺书中用它称呼本市。")
    if not units:
        raise ValidationError("请至少填写一个责任单位。")
    set_setting(session, CITY_NAME, city)
    record(session, actor, AuditAction.UPDATE, AuditObject.SETTING, CITY_NAME,
           detail={"city_name": city})  # fmt: skip
    return import_units(session, actor, units)
