"""Reading the audit trail for the 审计管理员: filters (user, action, object, period), export."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import action_label, object_label, record
from controllers.listings import Listing
from controllers.permissions import PERMISSION_LABELS, Permission, require
from models import AuditArchive, AuditEntry
from models.codes import AuditResult, Role

#: the newest entries the pane shows at once (the export has no limit)
PANE_LIMIT = 5_000
HEADERS = ["编号", "时间", "用户", "操作", "对象", "对象编号", "结果", "详情"]


@dataclass(frozen=True)
class AuditFilter:
    """What the auditor narrows the trail to; empty fields do not narrow."""

    username: str | None = None
    action: str | None = None
    object_type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    text: str | None = None
    include_archive: bool = False
    results: frozenset[str] = field(default_factory=frozenset)

    def describe(self) -> dict:
        return {k: (sorted(v) if isinstance(v, frozenset) else v)
                for k, v in self.__dict__.items() if v not in (None, False, frozenset())}  # fmt: skip


def _narrow(stmt: Select, model, f: AuditFilter) -> Select:
    if f.username:
        stmt = stmt.where(model.username == f.username)
    if f.action:
        stmt = stmt.where(model.action == f.action)
    if f.object_type:
        stmt = stmt.where(model.object_type == f.object_type)
    if f.since:
        stmt = stmt.where(model.at >= dt.datetime.combine(f.since, dt.time()))
    if f.until:
        stmt = stmt.where(model.at < dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time()))
    if f.results:
        stmt = stmt.where(model.result.in_(sorted(f.results)))
    if f.text:
        like = f"%{f.text.strip()}%"
        stmt = stmt.where(or_(model.detail.like(like), model.object_id.like(like)))
    return stmt


def _columns(model):
    return (model.id, model.at, model.username, model.action, model.object_type, model.object_id,
            model.result, model.detail)  # fmt: skip


def _query(f: AuditFilter) -> Select:
    live = _narrow(select(*_columns(AuditEntry)), AuditEntry, f)
    if not f.include_archive:
        return live.order_by(AuditEntry.id.desc())
    archived = _narrow(select(*_columns(AuditArchive)), AuditArchive, f)
    u = union_all(live, archived).subquery()
    return select(*u.c).order_by(u.c.id.desc())


#: detail keys and values the application writes, as the auditor reads them
DETAIL_KEYS = {
    "method": "方式", "reason": "原因", "username": "用户名", "role": "角色", "unit": "单位",
    "display_name": "姓名", "first_account": "首个账户", "permission": "所需权限",
    "message": "说明", "file": "文件", "size": "字节数", "sha256": "SHA-256", "rows": "行数",
    "filter": "条件", "moved": "条数", "cutoff": "截止", "seed": "随机种子", "cases": "企业",
    "units": "单位数", "accounts": "账户数", "keep": "保留份数", "automatic": "自动",
    "old": "原值", "new": "新值", "carried_audit_entries": "接续的审计记录",
    "safety_copy": "原数据库另存为", "owner": "业主/法人", "status": "状态",
}  # fmt: skip
DETAIL_VALUES = {
    "password": "密码", "remembered": "保持登录", "unlock": "解除锁屏",
    "database_role": "数据库账户", "wrong_password": "密码错误", "unknown_user": "用户名不存在",
    "disabled": "账户已停用", "locked": "账户已锁定",
}  # fmt: skip


def _value_text(key: str, value: object) -> str:
    if value is None:
        return "无"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "role":
        return Role.label_of(str(value))
    if key == "permission":
        return PERMISSION_LABELS.get(str(value), str(value))
    if isinstance(value, str):
        return DETAIL_VALUES.get(value, value)
    return str(value)


def detail_text(detail: str | None) -> str:
    """Details as the auditor reads them: ``字段：旧 → 新；…``."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return str(data)
    parts = []
    for key, value in data.items():
        label = DETAIL_KEYS.get(key, key)
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{label}：{_value_text(key, value[0])} → {_value_text(key, value[1])}")
        else:
            parts.append(f"{label}：{_value_text(key, value)}")
    return "；".join(parts)


def _row(r, *, for_export: bool = False) -> tuple:
    at = r[1] if for_export or r[1] is None else r[1].strftime("%Y-%m-%d %H:%M:%S")
    return (r[0], at, r[2] or "", action_label(r[3]), object_label(r[4]), r[5] or "",
            AuditResult.label_of(r[6]), detail_text(r[7]))  # fmt: skip


def audit_listing(session: Session, actor: Actor, f: AuditFilter,
                  limit: int = PANE_LIMIT) -> tuple[Listing, int]:  # fmt: skip
    """The newest entries matching ``f`` (at most ``limit``) and how many match in all."""
    require(actor, Permission.VIEW_AUDIT)
    total = session.scalar(select(func.count()).select_from(_query(f).order_by(None).subquery()))
    rows = session.execute(_query(f).limit(limit))
    return Listing(list(HEADERS), [_row(r) for r in rows]), int(total or 0)


def filter_choices(session: Session, actor: Actor) -> dict[str, list[tuple[str, str]]]:
    """Values for the pane's filter lists: users, actions, object types (code, label)."""
    require(actor, Permission.VIEW_AUDIT)
    users = session.scalars(select(AuditEntry.username).distinct().order_by(AuditEntry.username))
    actions = session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    objects = session.scalars(
        select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)
    )
    return {
        "users": [(u, u) for u in users if u],
        "actions": [(a, action_label(a)) for a in actions if a],
        "objects": [(o, object_label(o)) for o in objects if o],
    }


def export_audit(session: Session, actor: Actor, f: AuditFilter, path: str | Path) -> int:
    """Write every entry matching ``f`` to an Excel workbook; the export is audited."""
    require(actor, Permission.MANAGE_AUDIT)
    import xlsxwriter

    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    rows = 0
    wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    try:
        ws = wb.add_worksheet("审计日志")
        bold = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1})
        when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, (title, width) in enumerate(zip(HEADERS, (8, 20, 14, 14, 10, 12, 8, 60),
                                                 strict=True)):  # fmt: skip
            ws.write(0, col, title, bold)
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        for r in session.execute(_query(f).execution_options(yield_per=2000)):
            rows += 1
            values = _row(r, for_export=True)
            for col, value in enumerate(values):
                if isinstance(value, dt.datetime):
                    ws.write_datetime(rows, col, value, when)
                elif isinstance(value, int):
                    ws.write_number(rows, col, value)
                else:  # text as text: a detail starting with "=" never becomes a formula
                    ws.write_string(rows, col, str(value))
        ws.autofilter(0, 0, max(rows, 1), len(HEADERS) - 1)
    finally:
        wb.close()
    tmp.replace(target)
    record(session, actor, "audit_export", "audit_log", None,
           detail={"rows": rows, "file": target.name, "filter": f.describe()})  # fmt: skip
    return rows
