"""The province's quantified rules as versioned data (like the letter templates).

A rule set holds: a weight per problem kind, the counters (which problem kinds each sums),
the threshold ladder (counter, threshold, level, clause) and the measures proposed per level.
Saving makes a new version; records remember the version they were proposed under.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import NotFoundError, ValidationError
from controllers.permissions import Permission, require
from models import AccountabilityRuleSet
from models.codes import AccountabilityLevel, Measure, ProblemKind, RuleCounter

LEVEL_ORDER = {lv: i for i, lv in enumerate(AccountabilityLevel)}


@dataclass(frozen=True)
class Rung:
    """One threshold: ``counter`` reaching ``threshold`` calls for accountability at ``level``."""

    counter: str
    threshold: int
    level: str
    clause: str = ""

    @property
    def label(self) -> str:
        return (
            f"{RuleCounter.label_of(self.counter)}达{self.threshold}个 → "
            f"{AccountabilityLevel.label_of(self.level)}"
        )


@dataclass
class RuleSet:
    basis: str
    weights: dict[str, int]
    counters: dict[str, list[str]]
    ladder: list[Rung]
    measures: dict[str, list[str]] = field(default_factory=dict)
    id: int | None = None
    version_no: int = 0

    def content(self) -> dict:
        return {
            "basis": self.basis,
            "weights": dict(self.weights),
            "counters": {k: list(v) for k, v in self.counters.items()},
            "ladder": [asdict(r) for r in self.ladder],
            "measures": {k: list(v) for k, v in self.measures.items()},
        }

    def rungs_of(self, counter: str) -> list[Rung]:
        return sorted((r for r in self.ladder if r.counter == counter), key=lambda r: r.threshold)


def parse_rules(content: dict, *, id: int | None = None, version_no: int = 0) -> RuleSet:  # noqa: A002
    return RuleSet(
        basis=str(content.get("basis") or ""),
        weights={str(k): int(v) for k, v in (content.get("weights") or {}).items()},
        counters={str(k): [str(x) for x in v] for k, v in (content.get("counters") or {}).items()},
        ladder=[
            Rung(
                str(r["counter"]), int(r["threshold"]), str(r["level"]), str(r.get("clause") or "")
            )
            for r in content.get("ladder") or []
        ],
        measures={str(k): [str(x) for x in v] for k, v in (content.get("measures") or {}).items()},
        id=id,
        version_no=version_no,
    )


def current_rules(session: Session) -> RuleSet:
    """The newest version of the rules."""
    row = session.scalar(
        select(AccountabilityRuleSet).order_by(AccountabilityRuleSet.version_no.desc()).limit(1)
    )
    if row is None:
        raise NotFoundError("尚未设置问责规则。")
    return _of(row)


def rules_version(session: Session, rule_set_id: int) -> RuleSet:
    row = session.get(AccountabilityRuleSet, rule_set_id)
    if row is None:
        raise NotFoundError("该版本的问责规则不存在。")
    return _of(row)


def _of(row: AccountabilityRuleSet) -> RuleSet:
    return parse_rules(json.loads(row.content), id=row.id, version_no=row.version_no)


def rule_history(session: Session) -> list[tuple[int, int, str, str]]:
    """(id, version, saved at, note) of every version, newest first."""
    rows = session.execute(
        select(AccountabilityRuleSet.id, AccountabilityRuleSet.version_no,
               AccountabilityRuleSet.created_at, AccountabilityRuleSet.note)
        .order_by(AccountabilityRuleSet.version_no.desc())
    )  # fmt: skip
    return [(i, v, at.isoformat(sep=" ") if at else "", note or "") for i, v, at, note in rows]


def validate_rules(rules: RuleSet) -> None:
    """Raise :class:`ValidationError` for the first problem of a rule set."""
    if not rules.basis.strip():
        raise ValidationError("请填写问责依据（如《省“散乱污”量化问责管理办法》）。", field="basis")
    kinds = {k.value for k in ProblemKind}
    for kind, weight in rules.weights.items():
        if kind not in kinds:
            raise ValidationError(f"未知的问题类型“{kind}”。", field="weights")
        if weight < 0 or weight > 100:
            raise ValidationError(
                f"“{ProblemKind.label_of(kind)}”的权重应为 0–100 的整数。", field="weights"
            )
    counters = {c.value for c in RuleCounter}
    for counter, members in rules.counters.items():
        if counter not in counters:
            raise ValidationError(f"未知的计数项“{counter}”。", field="counters")
        unknown = [k for k in members if k not in kinds]
        if unknown:
            raise ValidationError(
                f"计数项中有未知的问题类型：{'、'.join(unknown)}。", field="counters"
            )
    if not rules.ladder:
        raise ValidationError("请至少设置一级问责阈值。", field="ladder")
    levels = {lv.value for lv in AccountabilityLevel}
    for r in rules.ladder:
        if r.counter not in rules.counters:
            raise ValidationError(f"阈值所用的计数项“{r.counter}”未设置。", field="ladder")
        if r.level not in levels:
            raise ValidationError(f"未知的问责层级“{r.level}”。", field="ladder")
        if r.threshold <= 0:
            raise ValidationError("阈值应为正整数。", field="ladder")
    for counter in rules.counters:
        rungs = rules.rungs_of(counter)
        for a, b in itertools.pairwise(rungs):
            if (
                a.threshold == b.threshold
                or LEVEL_ORDER[AccountabilityLevel(b.level)]
                <= LEVEL_ORDER[AccountabilityLevel(a.level)]
            ):
                raise ValidationError(
                    f"“{RuleCounter.label_of(counter)}”的阈值须逐级递增、层级逐级升高"
                    f"（{a.threshold} → {b.threshold}）。",
                    field="ladder",
                )
    measures = {m.value for m in Measure}
    for level, ms in rules.measures.items():
        if level not in levels or any(m not in measures for m in ms):
            raise ValidationError("问责措施设置中有无法识别的层级或措施。", field="measures")


def save_rules(
    session: Session,
    actor: Actor,
    rules: RuleSet,
    note: str | None = None,
    *,
    based_on: int | None = None,
) -> int:
    """Save the rules as a new version (never commits). Returns the new version number.

    ``based_on`` is the newest version the clerk saw when starting to edit (the editor passes
    it); if another clerk saved a newer one meanwhile, nothing is written and the clerk is told.
    """
    require(actor, Permission.EDIT_ACCOUNTABILITY)
    validate_rules(rules)
    newest = session.scalar(select(func.max(AccountabilityRuleSet.version_no))) or 0
    if based_on is not None and newest != based_on:
        raise ValidationError(
            f"问责规则已被其他用户保存为第 {newest} 版（您编辑的是第 {based_on} 版），未保存。"
            "请重新打开问责规则，在最新版本上修改。"
        )
    content = rules.content()
    if newest:
        current = current_rules(session)
        if current.content() == content:
            return current.version_no  # nothing changed: no new version
    row = AccountabilityRuleSet(
        version_no=newest + 1,
        basis=rules.basis.strip(),
        content=json.dumps(content, ensure_ascii=False, sort_keys=True),
        note=(note or "").strip()[:200] or None,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    record(session, actor, "update", "accountability_rules", row.version_no,
           detail={"version": row.version_no, "note": row.note, "rules": content})  # fmt: skip
    return row.version_no
