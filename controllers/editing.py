"""Optimistic locking for every editable record: a save never overwrites another clerk's work.

A form remembers the ``version`` it was opened at. Saving passes that version; if the row has
moved on, :class:`EditConflict` carries both versions of every field in question so the clerk
can choose, and the save is retried with the newer version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from controllers.errors import NotFoundError, UserError


@dataclass(frozen=True)
class FieldConflict:
    field: str
    mine: Any  # what this clerk typed
    theirs: Any  # what is in the database now


class EditConflict(UserError):
    """The record changed since it was opened; nothing was written."""

    def __init__(self, model: str, object_id: object, current_version: int,
                 conflicts: list[FieldConflict], theirs: dict[str, Any]) -> None:  # fmt: skip
        fields_text = "、".join(c.field for c in conflicts) or "（其他字段）"
        super().__init__(
            f"该记录已被其他用户修改（当前版本 {current_version}），您的修改未保存。"
            f"请比较双方的内容后选择保留哪一份：{fields_text}。"
        )
        self.model = model
        self.object_id = object_id
        self.current_version = current_version
        self.conflicts = conflicts
        self.theirs = theirs  # every editable field's value in the database now


def apply_edit(
    session: Session,
    obj: Any,
    expected_version: int,
    changes: dict[str, Any],
) -> dict[str, tuple[Any, Any]]:
    """Set ``changes`` on ``obj`` if it is still at ``expected_version``; flushes.

    Returns ``{field: (old, new)}`` for the fields that really changed. Raises
    :class:`EditConflict` (and leaves the session's transaction for the caller to roll back)
    when another clerk saved first.
    """
    if obj is None:
        raise NotFoundError("该记录已不存在（可能已被删除）。")
    if obj.version != expected_version:
        raise _conflict(obj, changes)
    diffs = set_changed(obj, changes)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(type(obj), _pk(obj))
        if fresh is None:
            raise NotFoundError("该记录已不存在（可能已被删除）。") from None
        raise _conflict(fresh, changes) from None
    return diffs


def set_changed(obj: Any, changes: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set the ``changes`` that differ from ``obj``'s values; ``{field: (old, new)}`` of those."""
    diffs: dict[str, tuple[Any, Any]] = {}
    for name, new in changes.items():
        old = getattr(obj, name)
        if old != new:
            setattr(obj, name, new)
            diffs[name] = (old, new)
    return diffs


def _pk(obj: Any) -> Any:
    state = obj.__mapper__.primary_key_from_instance(obj)
    return state[0] if len(state) == 1 else tuple(state)


def _conflict(current: Any, changes: dict[str, Any]) -> EditConflict:
    theirs = {name: getattr(current, name) for name in changes}
    conflicts = [FieldConflict(n, v, theirs[n]) for n, v in changes.items() if theirs[n] != v]
    return EditConflict(type(current).__name__, _pk(current), current.version, conflicts, theirs)
