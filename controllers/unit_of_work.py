"""One unit of work: every write opens, commits, audits and announces in one place.

The window (``AppContext.call`` and ``ui.operations.run_operation``), every command of the
command line and the tests run use cases through :func:`run`::

    outcome = run(database, actor, move_case, case_id, version, CaseStatus.CLOSED)
    outcome.value        # what the use case returned
    outcome.topics       # which panes must refresh, from the audit entries it wrote
    outcome.audit_ids    # those entries (the change feed skips them: already announced)

A use case is a plain function ``use_case(session, actor, *args, **kwargs)``: it reads and
writes through the session and records audit entries, and never commits — the runner does,
once, after it returns. An exception rolls everything back, except one whose
``commit_on_raise`` is true (a refused sign-in: the failed attempt must count), which is
raised after the commit; a refused permission is audited in a transaction of its own; a lost
connection is reported through ``on_lost`` (the window's connection banner) and re-raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.catalog import topics_for
from controllers.audit.trail import TRANSACTION_ENTRIES, flush_audit, record_refusal
from controllers.infra.connectivity import is_disconnect
from controllers.permissions import PermissionDenied
from models.database import Database

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: ``on_lost(reason)``: the connection to the database server went away during the work
LostHandler = Callable[[str], None]
#: ``claim(audit_ids)``: called just before COMMIT with the ids of the entries about to be
#: committed, so that a change feed running in another thread never reports them as foreign
ClaimHandler = Callable[[tuple[int, ...]], None]


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a committed unit of work returned and what it changed."""

    value: T
    topics: frozenset[str] = frozenset()
    audit_ids: tuple[int, ...] = ()
    #: the audit entries' (action, object_type, object_id), in the order written
    entries: tuple[tuple[str, str | None, str | None], ...] = field(default=())


def run(
    database: Database,
    actor: Actor,
    use_case: Callable[..., T],
    *args: Any,
    on_lost: LostHandler | None = None,
    claim: ClaimHandler | None = None,
    **kwargs: Any,
) -> Outcome[T]:
    """Run ``use_case(session, actor, *args, **kwargs)`` in one transaction and commit it."""
    return execute(database, lambda session: use_case(session, actor, *args, **kwargs),
                   on_lost=on_lost, claim=claim)  # fmt: skip


def call(
    database: Database,
    function: Callable[..., T],
    *args: Any,
    on_lost: LostHandler | None = None,
    claim: ClaimHandler | None = None,
    **kwargs: Any,
) -> Outcome[T]:
    """Run ``function(session, *args, **kwargs)`` (a read, or a use case that takes its actor
    among ``args``) in one transaction and commit it."""
    return execute(database, lambda session: function(session, *args, **kwargs),
                   on_lost=on_lost, claim=claim)  # fmt: skip


def execute(
    database: Database,
    work: Callable[[Session], T],
    *,
    on_lost: LostHandler | None = None,
    claim: ClaimHandler | None = None,
) -> Outcome[T]:
    """Run ``work(session)`` in a fresh session, commit, and return what it changed."""
    try:
        with database.session() as session:
            session.info[TRANSACTION_ENTRIES] = []
            try:
                value = work(session)
            except Exception as exc:
                if getattr(exc, "commit_on_raise", False) and session.in_transaction():
                    session.commit()  # a refusal that keeps its bookkeeping (failed sign-in)
                raise
            if session.in_transaction():
                flush_audit(session)  # the entries get their ids before COMMIT…
                if claim is not None:
                    claim(tuple(int(e[0]) for e in session.info[TRANSACTION_ENTRIES]))
                session.commit()  # …so no change feed can see them before they are claimed
            entries = session.info.pop(TRANSACTION_ENTRIES, [])
    except PermissionDenied as exc:
        record_refusal(database, exc)
        raise
    except Exception as exc:
        if on_lost is not None and is_disconnect(exc):
            on_lost(str(exc))
        raise
    topics: set[str] = set()
    for _id, action, object_type, _object_id in entries:
        topics |= topics_for(action, object_type)
    return Outcome(
        value=value,
        topics=frozenset(topics),
        audit_ids=tuple(int(e[0]) for e in entries),
        entries=tuple(e[1:] for e in entries),
    )
