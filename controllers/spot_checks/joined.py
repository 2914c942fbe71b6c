"""Run a register controller inside the caller's transaction.

The register's controllers (``create_case``, ``record_lookback``) may still end with
``session.commit()``. Given a second session bound to the caller's connection in
``create_savepoint`` mode, that commit only releases a SAVEPOINT: what they write commits —
or rolls back — together with the caller's unit of work, and their audit entries join the
same chain and the same :class:`controllers.unit_of_work.Outcome`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from controllers.audit.trail import TRANSACTION_ENTRIES

T = TypeVar("T")


def in_caller_transaction(session: Session, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(inner_session, *args, **kwargs)`` on ``session``'s connection and transaction."""
    session.flush()  # the caller's rows are visible to the inner session (and BEGIN is issued)
    inner = Session(
        bind=session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    entries = session.info.get(TRANSACTION_ENTRIES)
    if entries is not None:
        inner.info[TRANSACTION_ENTRIES] = entries
    try:
        value = fn(inner, *args, **kwargs)
        if inner.in_transaction():
            inner.commit()  # releases the savepoint and chains the inner audit entries
        return value
    finally:
        inner.close()
        session.expire_all()  # rows the inner session changed are read afresh
