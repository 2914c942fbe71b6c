"""An account that signed in through its own database user (PostgreSQL role, MariaDB user)
changes its password: once that is committed, the engine's new connections must sign in with
the new password, or the pool's next connection is refused (those already open keep working;
the URL still holds the password typed at sign-in)."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_PENDING = "rectify_engine_new_password"


def use_password(engine: Engine, password: str) -> None:
    """New connections of this engine sign in with ``password``."""
    holder = getattr(engine, "_rectify_password", None)
    if holder is None:
        holder = engine._rectify_password = {}

        @event.listens_for(engine, "do_connect")
        def _password(_dialect, _record, _cargs, cparams):
            cparams["password"] = holder["password"]

    holder["password"] = password


def use_after_commit(session: Session, password: str) -> None:
    """The engine takes ``password`` once the session's unit of work has committed (a rollback
    forgets it: the database kept the old one)."""
    session.info[_PENDING] = password


@event.listens_for(Session, "after_commit")
def _apply(session: Session) -> None:
    password = session.info.pop(_PENDING, None)
    if password is not None:
        use_password(session.get_bind(), password)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
