"""Merging: two townships of a unit, or a whole unit into another (a district merger, 两个区合并).

Both merges check the versions the clerk saw (another clerk may have renamed, deactivated or
merged either side meanwhile: :class:`~controllers.editing.EditConflict`, nothing written) and
run all or nothing in the caller's transaction.

Merging unit A into unit B, table by table (every table with a ``unit_id``):

- townships: A's townships move to B; one with the name of a B township is merged into it
  (its cases move, it is removed);
- cases: move to B; numbered (序号) after B's last number in their old order, the old unit,
  number and township kept in each case's history;
- county returns, spot checks, proposed accountability records, leads (either side), power
  lists and their premises, permit lists, county clerks' accounts: re-pointed to B;
- letters: only drafts move (and only when B has none for that campaign); an issued, signed or
  archived letter is A's head's document and stays with A;
- decided accountability records stay with A (a decision is never changed, the database
  refuses it); a spot check whose group visited B the same day stays with A (one visit per
  group, unit and day);
- returns' remembered column headers: moved unless B remembers the same header;
- A is deactivated, never deleted; one audit entry records the counts.

On PostgreSQL with per-clerk roles and on MariaDB with per-user accounts (``user db-roles``)
the administrator reads no business data, so the moves run in the database's definer routines
(:mod:`controllers.infra.pg_unit_merge`, :mod:`controllers.infra.mariadb_unit_merge`;
executable by administrators and city clerks only); everywhere else they run here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import AuditAction, AuditObject
from controllers.audit.trail import record
from controllers.editing import EditConflict, FieldConflict
from controllers.errors import ValidationError
from controllers.infra import db_roles, mariadb_roles
from controllers.permissions import Permission, require
from models import (
    AccountabilityRecord,
    Case,
    CaseChange,
    CountyReturn,
    Lead,
    Letter,
    Permit,
    PowerImport,
    PowerRecord,
    ReturnColumnMapping,
    SpotCheck,
    Township,
    Unit,
    User,
)
from models.base import now
from models.codes import AccountabilityStatus, LetterStatus

#: what moves, in the order the confirmation names it
MOVED_LABELS = {
    "townships": ("个乡镇", "乡镇"),
    "cases": ("家企业", "企业"),
    "returns": ("份上报", "上报"),
    "letters": ("份承诺书（起草）", "承诺书"),
    "spot_checks": ("次督导抽查", "督导抽查"),
    "accountability": ("条问责记录（拟问责）", "问责"),
    "leads": ("条线索", "线索"),
    "users": ("个县区业务员账户", "账户"),
    "power_lists": ("份电力数据", "电力数据"),
    "permits": ("家排污许可企业", "排污许可"),
}
#: what stays with the merged unit, with its reason
KEPT_LABELS = {
    "letters_kept": "份已印发、签署或归档的承诺书（原单位负责同志签署的文件）留在原单位",
    "accountability_kept": "条已决定的问责记录（决定不能更改）留在原单位",
    "spot_checks_kept": "次督导抽查（同一执法组同日也检查了目标单位）留在原单位",
}


class Seen(Protocol):
    """A unit or township as the clerk saw it when asking for the merge."""

    id: int
    version: int
    name: str


@dataclass(frozen=True)
class UnitMergePlan:
    """What merging ``source`` into ``target`` would move (read before the confirmation)."""

    source_id: int
    source_name: str
    source_version: int
    target_id: int
    target_name: str
    target_version: int
    counts: dict[str, int] = field(default_factory=dict)
    same_named: tuple[str, ...] = ()  # source townships merged into the target's of that name

    def question(self) -> str:
        moved = [f"{self.counts.get(k, 0):,} {unit}" for k, (unit, _l) in MOVED_LABELS.items()
                 if self.counts.get(k, 0) or k in ("townships", "cases")]  # fmt: skip
        return (f"将{self.source_name}的{'、'.join(moved)}并入{self.target_name}，"
                f"{self.source_name}随后停用。此操作不可撤销。")  # fmt: skip

    def details(self) -> list[str]:
        lines = []
        if self.same_named:
            lines.append("同名乡镇合并为一个：" + "、".join(self.same_named))
        if self.counts.get("cases"):
            lines.append(f"企业按原序号顺序接在{self.target_name}的最后一个序号之后重新编号，"
                         "原单位、原序号记入每家企业的变更记录。")  # fmt: skip
        lines += [f"{self.counts[k]:,} {text_}" for k, text_ in KEPT_LABELS.items()
                  if self.counts.get(k)]  # fmt: skip
        return lines


@dataclass(frozen=True)
class UnitMergeResult:
    source_name: str
    target_name: str
    counts: dict[str, int]

    def summary(self) -> str:
        moved = "、".join(f"{self.counts.get(k, 0):,} {u}" for k, (u, _l) in MOVED_LABELS.items()
                         if self.counts.get(k, 0) or k in ("townships", "cases"))  # fmt: skip
        return f"已把{self.source_name}并入{self.target_name}：{moved}；{self.source_name}已停用。"


def _require(actor: Actor) -> None:
    require(actor, Permission.MANAGE_UNITS)


def _gone(what: str, seen: Seen) -> FieldConflict:
    return FieldConflict(what, f"{seen.name}（第 {seen.version} 版）", "已不存在（可能已被合并）")


def _describe(obj: Unit | Township) -> str:
    state = "" if obj.active else "，已停用"
    return f"{obj.name}（第 {obj.version} 版{state}）"


def _stale(model: type, pairs: list[tuple[str, Seen, Any]]) -> EditConflict | None:
    """An EditConflict naming each side that changed since the clerk saw it (None: none did).

    ``pairs`` are (field, what the clerk saw, the row now or None when it is gone)."""
    conflicts = []
    first_version = 0
    for what, seen, now_ in pairs:
        if now_ is None:
            conflicts.append(_gone(what, seen))
        elif now_.version != seen.version:
            conflicts.append(FieldConflict(what, f"{seen.name}（第 {seen.version} 版）",
                                           _describe(now_)))  # fmt: skip
            first_version = first_version or now_.version
    if not conflicts:
        return None
    theirs = {c.field: c.theirs for c in conflicts}
    return EditConflict(model.__name__, pairs[0][1].id, first_version, conflicts, theirs)


def _claim(session: Session, model: type, seen: Seen, values: dict[str, Any]) -> bool:
    """Bump the row's version if it is still at the version the clerk saw (locks it)."""
    table = model.__table__
    done = session.execute(
        update(table)
        .where(table.c.id == seen.id, table.c.version == seen.version)
        .values(version=table.c.version + 1, **values)
    ).rowcount
    return done == 1


def _lost_race(session: Session, model: type, sides: list[tuple[str, Seen]]) -> EditConflict:
    """Another clerk saved between the read and the claim: the conflict as it is now."""
    session.expire_all()
    now_ = [(what, seen, session.get(model, seen.id)) for what, seen in sides]
    return _stale(model, now_) or EditConflict(model.__name__, sides[0][1].id, 0, [], {})


_OLD_ROLES = (
    "数据库中还没有合并责任单位和乡镇所需的{what}（数据库{who}是旧版本建立的）："
    "请数据库所有者重新运行一次 user db-roles。"
)


def _secured(session: Session) -> str | None:
    """Where the moves run: ``"postgresql"`` with per-clerk roles, ``"mariadb"`` through an
    account's own MariaDB user (the database's routines), None here."""
    if mariadb_roles.is_scoped(session):
        have = session.execute(
            text(
                "SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema ="
                " DATABASE() AND routine_name = 'rectify_merge_units'"
            )
        ).scalar()
        if not have:
            raise ValidationError(_OLD_ROLES.format(what="存储过程", who="账户"))
        return "mariadb"
    if not db_roles.is_installed(session):
        return None
    have = session.execute(
        text(
            "SELECT to_regprocedure('rectify_merge_units(integer, integer, boolean, integer, text)')"
        )
    ).scalar()
    if have is None:
        raise ValidationError(_OLD_ROLES.format(what="函数", who="角色"))
    return "postgresql"


# -- townships ----------------------------------------------------------------------------
def merge_townships(session: Session, actor: Actor, source: Seen, target: Seen) -> int:
    """Move every case of ``source`` to ``target`` (same unit) and remove ``source``, if
    neither changed since the clerk saw them (else EditConflict). Returns how many cases
    moved."""
    _require(actor)
    if source.id == target.id:
        raise ValidationError("不能把乡镇合并到它自己。")
    src, dst = session.get(Township, source.id), session.get(Township, target.id)
    stale = _stale(Township, [("source", source, src), ("target", target, dst)])
    if stale is not None:
        raise stale
    assert src is not None
    assert dst is not None
    if src.unit_id != dst.unit_id:
        raise ValidationError("只能合并同一责任单位下的两个乡镇。")
    if not (_claim(session, Township, source, {}) and _claim(session, Township, target, {})):
        raise _lost_race(session, Township, [("source", source), ("target", target)])
    source_name, target_name = src.name, dst.name
    where = _secured(session)
    if where == "postgresql":
        moved = session.execute(text("SELECT rectify_merge_townships(:s, :t, :uid, :uname)"),
                                {"s": source.id, "t": target.id, "uid": actor.user_id,
                                 "uname": actor.username}).scalar_one()  # fmt: skip
    elif where == "mariadb":
        session.execute(text("CALL rectify_merge_townships(:s, :t, @rectify_moved)"),
                        {"s": source.id, "t": target.id})  # fmt: skip
        moved = session.execute(text("SELECT @rectify_moved")).scalar_one()
    else:
        moved = _move_township_cases(session, actor, src.id, source_name, dst.id, target_name)
    session.execute(delete(Township).where(Township.id == source.id))
    session.expire_all()
    detail = {"from": source_name, "into": target_name, "cases": int(moved or 0)}
    record(session, actor, AuditAction.MERGE, AuditObject.TOWNSHIP, target.id, detail=detail)
    return int(moved or 0)


def _move_township_cases(session: Session, actor: Actor, source_id: int, source_name: str,
                         target_id: int, target_name: str) -> int:  # fmt: skip
    case_ids = list(session.scalars(select(Case.id).where(Case.township_id == source_id)))
    if not case_ids:
        return 0
    at = now()
    # each case's history says where it moved (the old township's name: it goes)
    session.execute(insert(CaseChange), [
        {"case_id": i, "changed_at": at, "user_id": actor.user_id, "username": actor.username,
         "field": "township_id", "old_value": source_name, "new_value": str(target_id),
         "note": f"乡镇合并：{source_name}并入{target_name}"}
        for i in case_ids
    ])  # fmt: skip
    c = Case.__table__
    moved = dict(township_id=target_id, version=c.c.version + 1, updated_at=at,
                 updated_by_id=actor.user_id)  # fmt: skip
    session.execute(update(c).where(c.c.township_id == source_id).values(moved))
    return len(case_ids)


# -- units --------------------------------------------------------------------------------
def _units(session: Session, source_id: int, target_id: int) -> tuple[Unit, Unit]:
    if source_id == target_id:
        raise ValidationError("不能把责任单位合并到它自己。")
    a, b = session.get(Unit, source_id), session.get(Unit, target_id)
    if a is None or b is None:
        raise ValidationError("该责任单位已不存在。")
    if not a.active:
        raise ValidationError(f"{a.name}已停用（可能已被合并），不能再合并。")
    if not b.active:
        raise ValidationError(f"{b.name}已停用，不能把其他单位并入停用的单位。")
    return a, b


def plan_unit_merge(session: Session, actor: Actor, source_id: int, target_id: int
                    ) -> UnitMergePlan:  # fmt: skip
    """What merging would move, for the confirmation (nothing written)."""
    _require(actor)
    a, b = _units(session, source_id, target_id)
    where = _secured(session)
    if where:
        counts = _database_merge(session, where, actor, a.id, b.id, dry=True)
    else:
        counts = _python_merge(session, actor, a, b, dry=True)
    target_names = {t.name for t in b.townships}
    same = tuple(t.name for t in a.townships if t.name in target_names)
    return UnitMergePlan(a.id, a.name, a.version, b.id, b.name, b.version, counts, same)


def merge_units(session: Session, actor: Actor, source: Seen, target: Seen) -> UnitMergeResult:
    """Merge unit ``source`` into ``target`` (see the module docstring), if neither changed
    since the clerk saw them; all or nothing."""
    _require(actor)
    a_now, b_now = session.get(Unit, source.id), session.get(Unit, target.id)
    stale = _stale(Unit, [("source_unit", source, a_now), ("target_unit", target, b_now)])
    if stale is not None:
        raise stale
    a, b = _units(session, source.id, target.id)
    if not (_claim(session, Unit, source, {"active": False})
            and _claim(session, Unit, target, {})):  # fmt: skip
        raise _lost_race(session, Unit, [("source_unit", source), ("target_unit", target)])
    names = (a.name, b.name)
    same = [t.name for t in a.townships if t.name in {t.name for t in b.townships}]
    where = _secured(session)
    if where:
        counts = _database_merge(session, where, actor, a.id, b.id, dry=False)
    else:
        counts = _python_merge(session, actor, a, b, dry=False)
    session.expire_all()
    record(session, actor, AuditAction.MERGE, AuditObject.UNIT, b.id,
           detail={"from": names[0], "into": names[1], "deactivated": names[0],
                   "same_named_townships": same, **counts})  # fmt: skip
    return UnitMergeResult(names[0], names[1], counts)


def _database_merge(session: Session, where: str, actor: Actor, source_id: int, target_id: int,
                    dry: bool) -> dict[str, int]:  # fmt: skip
    if where == "mariadb":
        session.execute(text("CALL rectify_merge_units(:a, :b, :dry, @rectify_counts)"),
                        {"a": source_id, "b": target_id, "dry": dry})  # fmt: skip
        raw = session.execute(text("SELECT @rectify_counts")).scalar_one()
    else:
        raw = session.execute(text("SELECT rectify_merge_units(:a, :b, :dry, :uid, :uname)"),
                              {"a": source_id, "b": target_id, "dry": dry,
                               "uid": actor.user_id, "uname": actor.username}).scalar_one()  # fmt: skip
    data = raw if isinstance(raw, dict) else json.loads(raw)
    return {k: int(v) for k, v in data.items()}


def _ids(session: Session, stmt) -> list[int]:
    return [int(i) for i in session.scalars(stmt)]


def _repoint(session: Session, model: type, ids: list[int], target_id: int,
             column: str = "unit_id") -> None:  # fmt: skip
    if not ids:
        return
    table = model.__table__
    values: dict[str, Any] = {column: target_id}
    if "version" in table.c:
        values["version"] = table.c.version + 1
    for start in range(0, len(ids), 500):
        session.execute(
            update(table).where(table.c.id.in_(ids[start : start + 500])).values(values)
        )


def _python_merge(session: Session, actor: Actor, a: Unit, b: Unit, dry: bool) -> dict[str, int]:
    """The moves on SQLite and through the owner's or a shared account's connection (no
    per-account database users); with ``dry`` only the counts (the same as the database
    routines')."""
    a_id, b_id = a.id, b.id
    b_towns = {t.name: t.id for t in b.townships}
    a_towns = [(t.id, t.name) for t in sorted(a.townships, key=lambda t: (t.sort_order, t.id))]
    merged = {tid: (name, b_towns[name]) for tid, name in a_towns if name in b_towns}
    cases = session.execute(
        select(Case.id, Case.serial_no, Case.township_id).where(Case.unit_id == a_id)
        .order_by(Case.serial_no, Case.id)
    ).all()  # fmt: skip
    b_letters = set(session.scalars(select(Letter.campaign_id).where(Letter.unit_id == b_id)))
    letters = session.execute(select(Letter.id, Letter.campaign_id, Letter.status)
                              .where(Letter.unit_id == a_id)).all()  # fmt: skip
    letter_ids = [i for i, camp, st in letters if st == LetterStatus.DRAFT
                  and (camp is None or camp not in b_letters)]  # fmt: skip
    b_visits = set(session.execute(select(SpotCheck.checked_on, SpotCheck.group_name)
                                   .where(SpotCheck.unit_id == b_id)).all())  # fmt: skip
    checks = session.execute(select(SpotCheck.id, SpotCheck.checked_on, SpotCheck.group_name)
                             .where(SpotCheck.unit_id == a_id)).all()  # fmt: skip
    check_ids = [i for i, day, group in checks if (day, group) not in b_visits]
    records = session.execute(select(AccountabilityRecord.id, AccountabilityRecord.status)
                              .where(AccountabilityRecord.unit_id == a_id)).all()  # fmt: skip
    record_ids = [i for i, st in records if st == AccountabilityStatus.PROPOSED]
    return_ids = _ids(session, select(CountyReturn.id).where(CountyReturn.unit_id == a_id))
    lead_ids = _ids(session, select(Lead.id).where(Lead.unit_id == a_id))
    lead_other_ids = _ids(session, select(Lead.id).where(Lead.other_unit_id == a_id))
    user_ids = _ids(session, select(User.id).where(User.unit_id == a_id))
    power_ids = _ids(session, select(PowerImport.id).where(PowerImport.unit_id == a_id))
    premises_ids = _ids(session, select(PowerRecord.id).where(PowerRecord.unit_id == a_id))
    permit_ids = _ids(session, select(Permit.id).where(Permit.unit_id == a_id))
    b_headers = set(session.scalars(select(ReturnColumnMapping.header)
                                    .where(ReturnColumnMapping.unit_id == b_id)))  # fmt: skip
    mapping_ids = [i for i, h in session.execute(
        select(ReturnColumnMapping.id, ReturnColumnMapping.header)
        .where(ReturnColumnMapping.unit_id == a_id)) if h not in b_headers]  # fmt: skip
    counts = {
        "townships": len(a_towns), "cases": len(cases), "returns": len(return_ids),
        "letters": len(letter_ids), "spot_checks": len(check_ids),
        "accountability": len(record_ids), "leads": len(set(lead_ids) | set(lead_other_ids)),
        "users": len(user_ids), "power_lists": len(power_ids), "permits": len(permit_ids),
        "letters_kept": len(letters) - len(letter_ids),
        "accountability_kept": len(records) - len(record_ids),
        "spot_checks_kept": len(checks) - len(check_ids),
    }  # fmt: skip
    if dry:
        return counts
    at = now()
    _move_cases(session, actor, a, b, cases, merged, at)
    for tid, (_name, _into) in merged.items():
        session.execute(delete(Township.__table__).where(Township.__table__.c.id == tid))
    order = session.scalar(select(func.coalesce(func.max(Township.sort_order), 0))
                           .where(Township.unit_id == b_id)) or 0  # fmt: skip
    moving = [(tid, name) for tid, name in a_towns if tid not in merged]
    if moving:
        t = Township.__table__
        session.execute(
            update(t).where(t.c.id == bindparam("t_id"))
            .values(unit_id=b_id, sort_order=bindparam("t_order"), version=t.c.version + 1),
            [{"t_id": tid, "t_order": order + n} for n, (tid, _name) in enumerate(moving, 1)],
        )  # fmt: skip
    _repoint(session, CountyReturn, return_ids, b_id)
    _repoint(session, Letter, letter_ids, b_id)
    _repoint(session, SpotCheck, check_ids, b_id)
    _repoint(session, AccountabilityRecord, record_ids, b_id)
    _repoint(session, Lead, lead_ids, b_id)
    _repoint(session, Lead, lead_other_ids, b_id, "other_unit_id")
    _repoint(session, User, user_ids, b_id)
    _repoint(session, PowerImport, power_ids, b_id)
    _repoint(session, PowerRecord, premises_ids, b_id)
    _repoint(session, Permit, permit_ids, b_id)
    _repoint(session, ReturnColumnMapping, mapping_ids, b_id)
    return counts


def _move_cases(session: Session, actor: Actor, a: Unit, b: Unit, cases: list,
                merged: dict[int, tuple[str, int]], at) -> None:  # fmt: skip
    """Cases to B: numbered after B's last 序号 in their old order (unnumbered stay so), the
    old unit, number and (merged) township kept in their history."""
    if not cases:
        return
    last = session.scalar(select(func.coalesce(func.max(Case.serial_no), 0))
                          .where(Case.unit_id == b.id)) or 0  # fmt: skip
    note = f"单位合并：{a.name}并入{b.name}"
    who = {"changed_at": at, "user_id": actor.user_id, "username": actor.username}
    changes, params = [], []
    n = int(last)
    for case_id, serial, town in sorted(cases, key=lambda r: (r[1] is None, r[1] or 0, r[0])):
        changes.append({"case_id": case_id, **who, "field": "unit_id", "old_value": str(a.id),
                        "new_value": str(b.id), "note": note})  # fmt: skip
        new_serial = None
        if serial is not None:
            n += 1
            new_serial = n
            changes.append({"case_id": case_id, **who, "field": "serial_no",
                            "old_value": str(serial), "new_value": str(n), "note": note})  # fmt: skip
        new_town = town
        if town in merged:
            old_name, new_town = merged[town]
            changes.append({"case_id": case_id, **who, "field": "township_id",
                            "old_value": old_name, "new_value": str(new_town),
                            "note": f"乡镇合并：{a.name}{old_name}并入{b.name}{old_name}"})  # fmt: skip
        params.append({"c_id": case_id, "c_serial": new_serial, "c_town": new_town})
    session.execute(insert(CaseChange), changes)
    c = Case.__table__
    session.execute(
        update(c).where(c.c.id == bindparam("c_id"))
        .values(unit_id=b.id, serial_no=bindparam("c_serial"), township_id=bindparam("c_town"),
                version=c.c.version + 1, updated_at=at, updated_by_id=actor.user_id),
        params,
    )  # fmt: skip
