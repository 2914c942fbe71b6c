"""Headers a clerk placed by hand, remembered per unit for its next return."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.returns.fields import FIELDS_BY_KEY
from controllers.returns.headers import header_key
from models import ReturnColumnMapping
from models.textnorm import clean_text

HEADER_LENGTH = ReturnColumnMapping.__table__.c.header.type.length


def remembered_mappings(session: Session, unit_id: int) -> dict[str, str]:
    """Header key → field key ('' = ignore the column) of a unit."""
    rows = session.scalars(
        select(ReturnColumnMapping).where(ReturnColumnMapping.unit_id == unit_id)
    )
    return {header_key(m.header): m.field for m in rows}


def mapping_rows(session: Session, unit_id: int) -> list[tuple[str, str]]:
    """(header, field key) pairs of a unit, for showing and editing."""
    rows = session.scalars(
        select(ReturnColumnMapping)
        .where(ReturnColumnMapping.unit_id == unit_id)
        .order_by(ReturnColumnMapping.header)
    )
    return [(m.header, m.field) for m in rows]


def save_mappings(session: Session, actor: Actor, unit_id: int, choices: dict[str, str]) -> int:
    """Remember ``{header: field}`` for a unit ('' = ignore); returns how many were saved. Flushes."""
    require(actor, Permission.SUBMIT_RETURNS, unit_id)
    existing = {
        header_key(m.header): m
        for m in session.scalars(
            select(ReturnColumnMapping).where(ReturnColumnMapping.unit_id == unit_id)
        )
    }
    saved = {}
    for header, field_key in choices.items():
        text = clean_text(header)
        if not text:
            continue
        if field_key and field_key not in FIELDS_BY_KEY:
            raise ValidationError(f"未知的字段“{field_key}”。", field="field")
        text = text[:HEADER_LENGTH]
        row = existing.get(header_key(text))
        if row is None:
            row = ReturnColumnMapping(unit_id=unit_id, header=text, field=field_key)
            session.add(row)
            existing[header_key(text)] = row
        elif row.field != field_key:
            row.field = field_key
        saved[text] = field_key
    session.flush()
    if saved:
        record(
            session, actor, "update", "return_column_mapping", unit_id, detail={"mappings": saved}
        )
    return len(saved)
