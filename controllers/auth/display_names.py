"""The display names of the people who did something (张市级 rather than ``city``).

On PostgreSQL with the database roles of ``db secure`` a clerk reads only their own
``users`` row; ``rectify_display_names()`` (migration 0008_i18) returns just the id and display
name of the accounts asked for. On MariaDB with per-user accounts the ``users`` view shows a
clerk only their own row; ``rectify_user_names`` gives ids and display names. Otherwise a
plain read."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import Integer

from controllers.infra import mariadb_roles
from models import User

_PG_NAMES = text("SELECT id, display_name FROM rectify_display_names(:ids)").bindparams(
    bindparam("ids", type_=ARRAY(Integer))
)


def display_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Each account id → its display name (ids of deleted accounts are left out)."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        rows = session.execute(_PG_NAMES, {"ids": ids})
    elif dialect in ("mysql", "mariadb") and mariadb_roles.is_scoped(session):
        rows = session.execute(
            text(
                f"SELECT id, display_name FROM {mariadb_roles.NAMES_VIEW} WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        )
    else:
        rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {uid: name for uid, name in rows if name}
