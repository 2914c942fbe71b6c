"""Named views of the register per user (e.g. "灵寿县 逾期未完成"): filter, sort, columns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import NotFoundError, ValidationError
from models import SavedView

PANE = "register"
MAX_NAME = 80


@dataclass(frozen=True)
class View:
    id: int
    name: str
    state: dict[
        str, Any
    ]  # {"filter": {...CaseFilter JSON...}, "sort": [key, desc], "columns": [...]}


def _mine(actor: Actor):
    column = SavedView.user_id
    owner = column.is_(None) if actor.user_id is None else column == actor.user_id
    return select(SavedView).where(owner, SavedView.pane == PANE)


def list_views(session: Session, actor: Actor) -> list[View]:
    """The actor's saved views of the register, by name."""
    rows = session.scalars(_mine(actor).order_by(SavedView.name))
    return [View(r.id, r.name, json.loads(r.state or "{}")) for r in rows]


def save_view(session: Session, actor: Actor, name: str, state: dict[str, Any]) -> int:
    """Create or overwrite the actor's view called ``name``. Returns its id."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("请填写视图名称。", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"视图名称最多 {MAX_NAME} 个字。", field="name")
    text = json.dumps(state, ensure_ascii=False, sort_keys=True)
    try:
        row = session.scalar(_mine(actor).where(SavedView.name == name))
        if row is None:
            row = SavedView(user_id=actor.user_id, pane=PANE, name=name, state=text)
            session.add(row)
        else:
            row.state = text
        session.flush()
        record(session, actor, "save_view", "saved_view", row.id, detail={"name": name})
        return row.id
    except Exception:
        session.rollback()
        raise


def delete_view(session: Session, actor: Actor, view_id: int) -> None:
    """Delete one of the actor's views."""
    try:
        row = session.scalar(_mine(actor).where(SavedView.id == view_id))
        if row is None:
            raise NotFoundError("该视图不存在（可能已被删除）。")
        name = row.name
        session.delete(row)
        record(session, actor, "delete_view", "saved_view", view_id, detail={"name": name})
    except Exception:
        session.rollback()
        raise
