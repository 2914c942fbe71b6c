"""Use cases on units and townships: create and edit a unit, add, rename, merge and deactivate
townships. A unit or township that holds data is never deleted, only deactivated or merged.

Every function is ``fn(session, actor, ...)``: it writes through the session, records audit
entries and never commits (run it with :func:`controllers.unit_of_work.run`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.editing import apply_edit
from controllers.errors import NotFoundError, ValidationError
from controllers.infra import db_roles, mariadb_roles
from controllers.permissions import Permission, require
from models import (
    AccountabilityRecord,
    Case,
    CountyReturn,
    Letter,
    ReturnColumnMapping,
    SpotCheck,
    Township,
    Unit,
    User,
)
from models.codes import Role, UnitKind

#: the fields of a unit a clerk edits, with their Chinese labels
UNIT_FIELDS = {
    "name": "单位名称",
    "short_name": "简称",
    "code": "代码",
    "kind": "类型",
    "head_name": "主要负责同志",
    "counterparty": "承诺书乙方",
    "sort_order": "排序",
    "active": "启用",
}


@dataclass
class UnitInput:
    """What a clerk types for a unit (townships only when importing a list)."""

    name: str
    short_name: str = ""
    code: str = ""
    kind: UnitKind = UnitKind.COUNTY
    head_name: str | None = None
    sort_order: int = 0
    active: bool = True
    townships: list[str] = field(default_factory=list)
    counterparty: str | None = None  # the letters' 乙方 (blank: the unit's own bureau)

    def values(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "townships"}


@dataclass(frozen=True)
class TownshipRow:
    id: int
    name: str
    active: bool
    cases: int
    version: int


@dataclass(frozen=True)
class UnitRow:
    id: int
    sort_order: int
    name: str
    short_name: str
    code: str
    kind: UnitKind
    head_name: str
    active: bool
    cases: int
    counterparty: str
    version: int
    townships: tuple[TownshipRow, ...]


def _require(actor: Actor) -> None:
    require(actor, Permission.MANAGE_UNITS)


def _clean(value: UnitInput) -> UnitInput:
    name = (value.name or "").strip()
    if not name:
        raise ValidationError("单位名称不能为空。")
    short = (value.short_name or "").strip() or name
    code = (value.code or "").strip() or name
    if len(name) > 60 or len(short) > 30 or len(code) > 40:
        raise ValidationError("单位名称最多 60 字，简称最多 30 字，代码最多 40 字。")
    head = (value.head_name or "").strip() or None
    counterparty = (value.counterparty or "").strip() or None
    if counterparty and len(counterparty) > 80:
        raise ValidationError("承诺书乙方最多 80 字。")
    return UnitInput(name, short, code, UnitKind(value.kind), head, int(value.sort_order or 0),
                     bool(value.active), [t.strip() for t in value.townships if t.strip()],
                     counterparty)  # fmt: skip


def _check_unique(session: Session, value: UnitInput, unit_id: int | None) -> None:
    for column, label in ((Unit.name, "单位名称"), (Unit.code, "代码")):
        text = value.name if column is Unit.name else value.code
        other = session.scalar(select(Unit.id).where(column == text))
        if other is not None and other != unit_id:
            raise ValidationError(f"{label}“{text}”已被另一个责任单位使用。")


def _counted(session: Session, actor: Actor | None) -> list[tuple[int, int | None, int]]:
    """(unit, township, cases). On PostgreSQL with per-clerk roles the administrator reads no
        cases: the counts come from ``rectify_case_counts()`` (counts only); on MariaDB with
    per-user accounts from the view of the same name."""
    if actor is not None and actor.role == Role.ADMIN and db_roles.is_installed(session):
        rows = session.execute(
            text("SELECT unit_id, township_id, cases FROM rectify_case_counts()")
        )
    elif actor is not None and actor.role == Role.ADMIN and mariadb_roles.is_scoped(session):
        rows = session.execute(
            text(f"SELECT unit_id, township_id, cases FROM {mariadb_roles.COUNTS_VIEW}")
        )
    else:
        rows = session.execute(
            select(Case.unit_id, Case.township_id, func.count()).group_by(
                Case.unit_id, Case.township_id
            )
        )
    return [(int(u), None if t is None else int(t), int(n)) for u, t, n in rows]


def unit_case_counts(session: Session, actor: Actor | None = None) -> dict[int, int]:
    out: dict[int, int] = {}
    for u, _t, n in _counted(session, actor):
        out[u] = out.get(u, 0) + n
    return out


def township_case_counts(session: Session, actor: Actor | None = None) -> dict[int, int]:
    return {t: n for _u, t, n in _counted(session, actor) if t is not None}


def list_units(session: Session, actor: Actor) -> list[UnitRow]:
    """Every unit in its order, with its townships and how many cases each holds."""
    # units are configuration every signed-in user sees
    counted = _counted(session, actor)
    unit_counts: dict[int, int] = {}
    for u, _t, n in counted:
        unit_counts[u] = unit_counts.get(u, 0) + n
    town_counts = {t: n for _u, t, n in counted if t is not None}
    rows = []
    for u in session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)):
        towns = tuple(
            TownshipRow(t.id, t.name, bool(t.active), town_counts.get(t.id, 0), t.version)
            for t in u.townships
        )
        rows.append(UnitRow(u.id, u.sort_order, u.name, u.short_name, u.code, u.kind,
                            u.head_name or "", bool(u.active), unit_counts.get(u.id, 0),
                            u.counterparty or "", u.version, towns))  # fmt: skip
    return rows


def _add_townships(session: Session, unit: Unit, names: list[str]) -> list[str]:
    have = {t.name for t in unit.townships}
    order = max((t.sort_order for t in unit.townships), default=0)
    added = []
    for name in names:
        if name in have:
            continue
        order += 1
        unit.townships.append(Township(name=name, sort_order=order, active=True))
        have.add(name)
        added.append(name)
    return added


def create_unit(session: Session, actor: Actor, value: UnitInput) -> int:
    """A new unit (and its townships); returns its id."""
    _require(actor)
    value = _clean(value)
    _check_unique(session, value, None)
    if not value.sort_order:
        value.sort_order = (session.scalar(select(func.max(Unit.sort_order))) or 0) + 1
    unit = Unit(**value.values())
    session.add(unit)
    session.flush()
    added = _add_townships(session, unit, value.townships)
    session.flush()
    record(session, actor, AuditAction.CREATE, AuditObject.UNIT, unit.id,
           detail={"name": unit.name, "code": unit.code, "townships": added})  # fmt: skip
    return unit.id


def update_unit(
    session: Session, actor: Actor, unit_id: int, expected_version: int, value: UnitInput
) -> dict[str, tuple[object, object]]:
    """Save a unit's fields if nobody saved it since ``expected_version`` (else EditConflict)."""
    _require(actor)
    value = _clean(value)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError("该责任单位已不存在。")
    _check_unique(session, value, unit_id)
    diffs = apply_edit(session, unit, expected_version, value.values())
    if diffs:
        record(session, actor, AuditAction.UPDATE, AuditObject.UNIT, unit.id,
               detail={k: [str(a), str(b)] for k, (a, b) in diffs.items()})  # fmt: skip
    return diffs


def _township(session: Session, township_id: int) -> Township:
    town = session.get(Township, township_id)
    if town is None:
        raise NotFoundError("该乡镇已不存在。")
    return town


def add_township(session: Session, actor: Actor, unit_id: int, name: str) -> int:
    _require(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError("乡镇名称不能为空。")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFoundError("该责任单位已不存在。")
    if any(t.name == name for t in unit.townships):
        raise ValidationError(f"{unit.name}已有乡镇“{name}”。")
    _add_townships(session, unit, [name])
    session.flush()
    town = next(t for t in unit.townships if t.name == name)
    record(session, actor, AuditAction.CREATE, AuditObject.TOWNSHIP, town.id,
           detail={"unit": unit.name, "name": name})  # fmt: skip
    return town.id


def rename_township(
    session: Session, actor: Actor, township_id: int, expected_version: int, name: str
) -> bool:
    """Rename at the version the clerk saw (else EditConflict); True when it changed."""
    _require(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError("乡镇名称不能为空。")
    town = _township(session, township_id)
    clash = session.scalar(
        select(Township.id).where(Township.unit_id == town.unit_id, Township.name == name)
    )
    if clash is not None and clash != town.id:
        raise ValidationError(f"该单位已有乡镇“{name}”；要把两个乡镇合为一个，请用“合并”。")
    diffs = apply_edit(session, town, expected_version, {"name": name})
    if diffs:
        record(session, actor, AuditAction.UPDATE, AuditObject.TOWNSHIP, town.id,
               detail={"name": [diffs["name"][0], name]})  # fmt: skip
    return bool(diffs)


def set_township_active(
    session: Session, actor: Actor, township_id: int, expected_version: int, active: bool
) -> bool:
    """(De)activate at the version the clerk saw (else EditConflict); True when it changed."""
    _require(actor)
    town = _township(session, township_id)
    diffs = apply_edit(session, town, expected_version, {"active": bool(active)})
    if diffs:
        record(session, actor, AuditAction.UPDATE, AuditObject.TOWNSHIP, town.id,
               detail={"name": town.name, "active": bool(active)})  # fmt: skip
    return bool(diffs)


def delete_unit_if_unused(session: Session, actor: Actor, unit_id: int) -> bool:
    """Delete a unit that holds no data at all; False (nothing done) when it holds any."""
    _require(actor)
    unit = session.get(Unit, unit_id)
    if unit is None or unit_holds_data(session, unit_id):
        return False
    name = unit.name
    session.delete(unit)
    session.flush()
    record(session, actor, AuditAction.DELETE, AuditObject.UNIT, unit_id, detail={"name": name})
    return True


def unit_holds_data(session: Session, unit_id: int) -> bool:
    """True when any record (case, return, letter, check, account…) points at the unit.

    Through an account's own database user (PostgreSQL role, MariaDB user) the administrator
    reads no business data and a city clerk not every account: the database answers through
    ``rectify_unit_holds_data()`` (yes or no, nothing else)."""
    if _database_answers(session):
        found = session.execute(text("SELECT rectify_unit_holds_data(:u)"), {"u": unit_id})
        return bool(found.scalar())
    models = (
        Case,
        CountyReturn,
        Letter,
        SpotCheck,
        AccountabilityRecord,
        User,
        ReturnColumnMapping,
    )
    return any(
        session.scalar(select(m.id).where(m.unit_id == unit_id).limit(1)) is not None
        for m in models
    )


def _database_answers(session: Session) -> bool:
    """True when connected as an account's own database user: only the database function may
    look at every unit's data."""
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        if not db_roles.is_installed(session) or db_roles.connected_account(session) is None:
            return False
        have = session.execute(
            text("SELECT to_regprocedure('rectify_unit_holds_data(integer)') IS NOT NULL")
        ).scalar()
    elif dialect in ("mysql", "mariadb"):
        if not mariadb_roles.is_scoped(session):
            return False
        have = session.execute(
            text(
                "SELECT COUNT(*) FROM information_schema.routines"
                " WHERE routine_schema = DATABASE() AND routine_name = 'rectify_unit_holds_data'"
            )
        ).scalar()
    else:
        return False
    if not have:
        raise ValidationError(
            "数据库中还没有判断责任单位是否有数据所需的函数（数据库账户是旧版本建立的）："
            "请数据库所有者重新运行一次 user db-roles。"
        )
    return True
