"""The tally per unit for a period: problems from the register, the look-backs and the
spot-check findings, counted under the rules; the thresholds crossed and the proposed level.

Where each problem kind comes from (a period is inclusive at both ends):

- 死灰复燃 (relapse): spot-check findings 死灰复燃 / 异地转移, and look-backs with those
  results that no spot check wrote;
- 整治不到位 (not in place): findings 虚假整改 / 整治不到位, and such look-backs;
- 未纳入整治清单 (off the list): new unlisted sites found by spot checks;
- 瞒报漏报 (concealment): cases found by a higher-level referral or a public complaint —
  sites the unit itself did not report;
- 履职不到位 (dereliction): spot-check findings "其他问题";
- 交办问题未整改 (referred, unfixed): cases referred by a higher-level inspection found in
  the period and not yet rectified.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.accountability.rules import LEVEL_ORDER, RuleSet, Rung, current_rules
from controllers.actor import Actor
from controllers.permissions import Permission, require, scope_to_unit
from models import Case, CaseLookback, SpotCheck, SpotCheckFinding, Unit
from models.codes import (
    FINISHED_STATUSES,
    AccountabilityLevel,
    FindingKind,
    LookbackResult,
    ProblemKind,
    Source,
)

FINDING_PROBLEM: dict[FindingKind, ProblemKind] = {
    FindingKind.NEW_CASE: ProblemKind.OFF_LIST,
    FindingKind.RELAPSE: ProblemKind.RELAPSE,
    FindingKind.RELOCATED: ProblemKind.RELAPSE,
    FindingKind.FAKE: ProblemKind.NOT_IN_PLACE,
    FindingKind.SUBSTANDARD: ProblemKind.NOT_IN_PLACE,
    FindingKind.OTHER: ProblemKind.DERELICTION,
}
LOOKBACK_PROBLEM: dict[LookbackResult, ProblemKind] = {
    LookbackResult.RELAPSE: ProblemKind.RELAPSE,
    LookbackResult.RELOCATED: ProblemKind.RELAPSE,
    LookbackResult.FAKE: ProblemKind.NOT_IN_PLACE,
    LookbackResult.SUBSTANDARD: ProblemKind.NOT_IN_PLACE,
}


@dataclass(frozen=True)
class Problem:
    """One problem counted for a unit, with what it is linked to."""

    unit_id: int
    kind: ProblemKind
    found_on: dt.date | None
    description: str
    case_id: int | None = None
    finding_id: int | None = None
    lookback_id: int | None = None


@dataclass
class UnitTally:
    unit_id: int
    unit: str
    counts: dict[str, int] = field(default_factory=lambda: {k.value: 0 for k in ProblemKind})
    counters: dict[str, int] = field(default_factory=dict)
    crossed: list[Rung] = field(default_factory=list)
    proposed_level: AccountabilityLevel | None = None
    problems: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "unit": self.unit,
            "counters": dict(self.counters),
            "crossed": [
                {"counter": r.counter, "threshold": r.threshold, "level": r.level,
                 "clause": r.clause}
                for r in self.crossed
            ],
            "proposed_level": None if self.proposed_level is None else self.proposed_level.value,
        }  # fmt: skip

    @property
    def top_rung(self) -> Rung | None:
        """The crossed rung of the highest level (the record's clause)."""
        if not self.crossed:
            return None
        return max(self.crossed, key=lambda r: (LEVEL_ORDER[AccountabilityLevel(r.level)],
                                                r.threshold))  # fmt: skip


def _between(column, date_from: dt.date | None, date_to: dt.date | None) -> list:
    out = []
    if date_from is not None:
        out.append(column >= date_from)
    if date_to is not None:
        out.append(column <= date_to)
    return out


def problems_of_period(
    session: Session, actor: Actor, date_from: dt.date | None, date_to: dt.date | None
) -> list[Problem]:
    """Every problem of the period, in the actor's scope."""
    out: list[Problem] = []
    findings = session.execute(scope_to_unit(
        select(SpotCheckFinding.id, SpotCheckFinding.kind, SpotCheckFinding.case_id,
               SpotCheckFinding.lookback_id, SpotCheckFinding.description, SpotCheck.unit_id,
               SpotCheck.checked_on, SpotCheck.group_name)
        .join(SpotCheck)
        .where(*_between(SpotCheck.checked_on, date_from, date_to))
        .order_by(SpotCheck.checked_on, SpotCheckFinding.id), actor, SpotCheck.unit_id)
    ).all()  # fmt: skip
    for fid, kind, case_id, lb_id, desc, unit_id, day, group in findings:
        problem = FINDING_PROBLEM.get(FindingKind(kind))
        if problem is None:
            continue
        text = f"{day.isoformat()} {group}督导抽查：{FindingKind.label_of(kind)}"
        out.append(Problem(unit_id, problem, day, f"{text}；{desc}" if desc else text,
                           case_id=case_id, finding_id=fid, lookback_id=lb_id))  # fmt: skip
    written = {p.lookback_id for p in out if p.lookback_id is not None}
    lookbacks = session.execute(scope_to_unit(
        select(CaseLookback.id, CaseLookback.result, CaseLookback.checked_on, CaseLookback.case_id,
               Case.unit_id, Case.name, Case.address)
        .join(Case, Case.id == CaseLookback.case_id)
        .where(CaseLookback.result != LookbackResult.NORMAL,
               *_between(CaseLookback.checked_on, date_from, date_to))
        .order_by(CaseLookback.checked_on, CaseLookback.id), actor, Case.unit_id)
    ).all()  # fmt: skip
    for lb_id, result, day, case_id, unit_id, name, address in lookbacks:
        if lb_id in written:
            continue
        problem = LOOKBACK_PROBLEM.get(LookbackResult(result))
        if problem is not None:
            out.append(Problem(unit_id, problem, day,
                               f"{day.isoformat()} 回头看：{name or address or ''}"
                               f"{LookbackResult.label_of(result)}",
                               case_id=case_id, lookback_id=lb_id))  # fmt: skip
    cases = session.execute(scope_to_unit(
        select(Case.id, Case.unit_id, Case.source, Case.status, Case.discovered_on, Case.name,
               Case.address)
        .where(Case.source.in_([Source.REFERRAL, Source.COMPLAINT]),
               *_between(Case.discovered_on, date_from, date_to))
        .order_by(Case.discovered_on, Case.id), actor, Case.unit_id)
    ).all()  # fmt: skip
    for case_id, unit_id, source, status, day, name, address in cases:
        label = name or address or ""
        out.append(Problem(unit_id, ProblemKind.CONCEALMENT, day,
                           f"{Source.label_of(source)}发现：{label}", case_id=case_id))  # fmt: skip
        if source == Source.REFERRAL and status not in FINISHED_STATUSES:
            out.append(Problem(unit_id, ProblemKind.REFERRED_UNFIXED, day,
                               f"上级交办未整改：{label}", case_id=case_id))  # fmt: skip
    return out


def evaluate(tally: UnitTally, rules: RuleSet) -> None:
    """Fill the counters, the crossed rungs and the proposed level from the counts."""
    tally.counters = {
        counter: sum(rules.weights.get(k, 1) * tally.counts.get(k, 0) for k in kinds)
        for counter, kinds in rules.counters.items()
    }
    tally.crossed = [r for r in rules.ladder if tally.counters.get(r.counter, 0) >= r.threshold]
    levels = [AccountabilityLevel(r.level) for r in tally.crossed]
    tally.proposed_level = max(levels, key=LEVEL_ORDER.__getitem__) if levels else None


def tally_units(
    session: Session,
    actor: Actor,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    *,
    rules: RuleSet | None = None,
) -> list[UnitTally]:
    """One tally per unit in the actor's scope, in the configured order."""
    require(actor, Permission.VIEW)
    rules = rules or current_rules(session)
    units = session.execute(
        scope_to_unit(select(Unit.id, Unit.name).order_by(Unit.sort_order), actor, Unit.id)
    ).all()
    tallies = {uid: UnitTally(uid, name) for uid, name in units}
    for p in problems_of_period(session, actor, date_from, date_to):
        t = tallies.get(p.unit_id)
        if t is None:
            continue
        t.problems.append(p)
        t.counts[p.kind.value] += 1
    for t in tallies.values():
        evaluate(t, rules)
    return list(tallies.values())
