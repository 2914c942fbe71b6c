"""The database at a glance: counts by the stable codes (``main.py summary --json``).

The statements live in :mod:`controllers.summary_figures` (plain SQL), shared with the quick
``summary`` command that runs them without SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM, Actor
from controllers.permissions import Permission, require
from controllers.summary_figures import ALL, NOTHING, Scope, summary_figures
from models.migrate import current_revision


def actor_scope(actor: Actor) -> Scope:
    """The unit the actor's figures cover (as :func:`controllers.permissions.scope_to_unit`)."""
    if actor.is_system or not actor.is_unit_scoped:
        return ALL
    return NOTHING if actor.unit_id is None else actor.unit_id


def _rows(session: Session):
    return lambda sql: [tuple(r) for r in session.execute(text(sql))]


def summary(session: Session, actor: Actor = SYSTEM) -> dict[str, Any]:
    """One dict of the figures that matter, keyed by stable codes (within the actor's unit)."""
    require(actor, Permission.VIEW)
    data = summary_figures(_rows(session), actor_scope(actor))
    data["schema_version"] = current_revision(session.connection().engine)
    return data
