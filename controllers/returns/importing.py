"""Importing a county return, the one use case behind the import dialog and ``import-return``:
check the file → record it (待审核) → with ``accept``, merge it into the register (已通过).

Rows whose match with the register is uncertain are settled by the clerk's ``decisions``
(row index → case id, or None for a new case); the rows left are settled by the
``uncertain`` policy: ``refuse`` (nothing is written), ``match`` (the suggested case) or
``new`` (a new case).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.errors import UserError
from controllers.returns.check import Progress, ReturnCheck, check_return
from controllers.returns.lookup import find_stage
from controllers.returns.records import submit_return
from controllers.returns.review import AcceptResult, accept_return
from controllers.units import find_unit


class UncertainPolicy(StrEnum):
    """What to do with uncertain matches the clerk did not settle."""

    REFUSE = "refuse"
    MATCH = "match"
    NEW = "new"


class UncertainMatches(UserError):
    """Uncertain matches left and the policy is ``refuse``: nothing was written."""

    def __init__(self, count: int) -> None:
        super().__init__(
            f"有 {count} 行与台账的匹配不确定，未通过。请在图形界面中逐一确认，"
            "或加 --uncertain match（视为同一企业）/ --uncertain new（视为新企业）。"
        )
        self.count = count


@dataclass(frozen=True)
class ImportTarget:
    unit_id: int
    unit_name: str
    stage_id: int | None


@dataclass(frozen=True)
class ImportedReturn:
    """What an import wrote: the return recorded and, if accepted, what the register got."""

    return_id: int
    check: ReturnCheck
    accepted: AcceptResult | None = None

    def message(self) -> str:
        if self.accepted is not None:
            return self.accepted.message()
        return f"已登记上报（编号 {self.return_id}），状态为“待审核”。"


def import_target(session: Session, unit: str, stage: str | None = None) -> ImportTarget:
    """The unit (name, short name or code) and stage (name, code or id) a return is for."""
    found = find_unit(session, unit)
    stage_id = find_stage(session, stage).id if stage else None
    return ImportTarget(found.id, found.name, stage_id)


def settle_uncertain(
    check: ReturnCheck,
    decisions: dict[int, int | None] | None = None,
    uncertain: UncertainPolicy | str = UncertainPolicy.REFUSE,
) -> dict[int, int | None]:
    """The clerk's decisions plus the policy's for every uncertain row left (a new dict)."""
    settled = dict(decisions or {})
    policy = UncertainPolicy(uncertain)
    left = [m for m in (check.diff.uncertain if check.diff else []) if m.row not in settled]
    if left and policy == UncertainPolicy.REFUSE:
        raise UncertainMatches(len(left))
    for m in left:
        settled[m.row] = m.case_id if policy == UncertainPolicy.MATCH else None
    return settled


def import_return(
    session: Session,
    actor: Actor,
    path: str | Path,
    unit_id: int,
    stage_id: int | None = None,
    *,
    accept: bool = False,
    uncertain: UncertainPolicy | str = UncertainPolicy.REFUSE,
    decisions: dict[int, int | None] | None = None,
    check: ReturnCheck | None = None,
    received_on: dt.date | None = None,
    progress: Progress | None = None,
) -> ImportedReturn:
    """Record a return (checking the file first unless ``check`` is that file's check) and,
    with ``accept``, merge it into the register; one unit of work: all of it or nothing."""
    if check is None:
        check = check_return(session, actor, path, unit_id, stage_id, progress=progress)
    settled = settle_uncertain(check, decisions, uncertain) if accept else None
    ret = submit_return(session, actor, check, path, received_on=received_on)
    if not accept:
        return ImportedReturn(ret.id, check)
    result = accept_return(session, actor, ret.id, ret.version, check, settled, progress)
    return ImportedReturn(ret.id, check, result)
