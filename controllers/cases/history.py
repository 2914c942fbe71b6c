"""The history of a case: every changed field (who, when, old → new), status moves included."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from controllers.actor import Actor
from models import Case, CaseChange
from models.base import now


def as_text(value: Any) -> str | None:
    """A stored value as history text: codes as codes, dates ISO, None stays None."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def record_changes(
    session: Session,
    case: Case,
    actor: Actor,
    diffs: dict[str, tuple[Any, Any]],
    note: str | None = None,
) -> list[CaseChange]:
    """Add one :class:`CaseChange` per changed field to the session."""
    at = now()
    rows = [
        CaseChange(
            case_id=case.id,
            changed_at=at,
            user_id=actor.user_id,
            username=actor.username,
            field=name,
            old_value=as_text(old),
            new_value=as_text(new),
            note=note,
        )
        for name, (old, new) in diffs.items()
    ]
    session.add_all(rows)
    return rows
