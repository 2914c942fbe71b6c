"""Load a unit list into the database: new units and townships are added, known ones updated
(matched by code, name or short name); with ``replace_unused`` the units and townships the
list leaves out are removed when they hold no data (those that do are kept and reported).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.units.records import UnitInput, township_case_counts, unit_holds_data
from models import Township, Unit


@dataclass
class UnitImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    townships_added: int = 0
    removed_units: list[str] = field(default_factory=list)
    removed_townships: list[str] = field(default_factory=list)
    kept_with_data: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        text = (
            f"新建单位 {len(self.created)} 个，更新 {len(self.updated)} 个，"
            f"新增乡镇 {self.townships_added} 个"
        )
        if self.removed_units or self.removed_townships:
            text += (
                f"；移除未使用的单位 {len(self.removed_units)} 个、"
                f"乡镇 {len(self.removed_townships)} 个"
            )
        if self.kept_with_data:
            text += f"；保留已有数据的 {len(self.kept_with_data)} 项：" + "、".join(
                self.kept_with_data[:10]
            )
        return text + "。"


def _match(session: Session, value: UnitInput) -> Unit | None:
    keys = [k for k in (value.code, value.name, value.short_name) if k]
    return (
        session.scalars(select(Unit).where(or_(Unit.code.in_(keys), Unit.name.in_(keys)))).first()
        or session.scalars(select(Unit).where(Unit.short_name == value.name)).first()
    )


def import_units(
    session: Session, actor: Actor, units: list[UnitInput], replace_unused: bool = False
) -> UnitImportResult:
    """Apply a unit list (see :func:`controllers.units.list_file.read_unit_list`)."""
    require(actor, Permission.MANAGE_UNITS)
    if not units:
        raise ValidationError("单位名单是空的，没有可导入的单位。")
    result = UnitImportResult()
    town_cases = township_case_counts(session, actor)
    kept_ids: set[int] = set()
    for order, value in enumerate(units, start=1):
        unit = _match(session, value)
        short = value.short_name or (unit.short_name if unit else value.name)
        code = value.code or (unit.code if unit else value.name)
        if unit is None:
            unit = Unit(name=value.name, short_name=short, code=code, kind=value.kind,
                        head_name=value.head_name, counterparty=value.counterparty,
                        sort_order=order, active=True)  # fmt: skip
            session.add(unit)
            session.flush()
            result.created.append(unit.name)
        else:
            changes = {"name": value.name, "short_name": short, "code": code,
                       "kind": value.kind, "sort_order": order, "active": True}  # fmt: skip
            if value.head_name:
                changes["head_name"] = value.head_name
            if value.counterparty:  # a list without 乙方 keeps the unit's
                changes["counterparty"] = value.counterparty
            if any(getattr(unit, k) != v for k, v in changes.items()):
                for k, v in changes.items():
                    setattr(unit, k, v)
                result.updated.append(unit.name)
        kept_ids.add(unit.id)
        have = {t.name: t for t in unit.townships}
        next_order = max((t.sort_order for t in unit.townships), default=0)
        for name in value.townships:
            if name in have:
                have[name].active = True
                continue
            next_order += 1
            unit.townships.append(Township(name=name, sort_order=next_order, active=True))
            result.townships_added += 1
        if replace_unused:
            wanted = set(value.townships)
            for town in list(unit.townships):
                if town.name in wanted or town.id is None:
                    continue
                if town_cases.get(town.id):
                    result.kept_with_data.append(f"{unit.name}{town.name}")
                else:
                    unit.townships.remove(town)
                    result.removed_townships.append(f"{unit.name}{town.name}")
    session.flush()
    if replace_unused:
        for unit in session.scalars(select(Unit).where(Unit.id.not_in(kept_ids))):
            if unit_holds_data(session, unit.id):
                result.kept_with_data.append(unit.name)
            else:
                result.removed_units.append(unit.name)
                session.delete(unit)
        session.flush()
    record(session, actor, AuditAction.IMPORT, AuditObject.UNIT, None,
           detail={"replace_unused": replace_unused, **result.as_dict()})  # fmt: skip
    return result
