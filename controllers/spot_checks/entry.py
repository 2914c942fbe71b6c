"""Recording a check: the group, its members, the sites checked and what was found there.

:func:`save_check` is one use case for a new check and for an edit. The check of a group on
a day in a unit is found again by (day, group, unit), so saving the same check twice writes
nothing the second time. Findings act on the register in the same transaction, through the
register's own controllers: a new unlisted site becomes a case (source 督导抽查, 待整治);
a problem at a closed case writes a look-back on it (a relapse reopens it). A finding that
already acted is never applied again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from controllers.actor import Actor
from controllers.attachments import add_attachment
from controllers.audit.trail import record
from controllers.campaigns import campaign_on
from controllers.cases.case_edit import EvidenceFile, create_case
from controllers.cases.history import record_changes
from controllers.cases.lookbacks import record_lookback
from controllers.editing import apply_edit
from controllers.errors import NotFoundError, ValidationError, WorkflowError
from controllers.permissions import Permission, require
from models import (
    Attachment,
    Batch,
    Case,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    Unit,
)
from models.codes import (
    AttachmentKind,
    BatchKind,
    CaseStatus,
    Classification,
    FindingKind,
    LookbackResult,
    SiteResult,
    Source,
)

#: what a finding at a closed case writes as its look-back result
LOOKBACK_OF: dict[FindingKind, LookbackResult] = {
    FindingKind.RELAPSE: LookbackResult.RELAPSE,
    FindingKind.RELOCATED: LookbackResult.RELOCATED,
    FindingKind.FAKE: LookbackResult.FAKE,
    FindingKind.SUBSTANDARD: LookbackResult.SUBSTANDARD,
}
#: outcomes that need an existing case
ON_A_CASE = frozenset(LOOKBACK_OF)


@dataclass(frozen=True)
class MemberInput:
    name: str
    post: str | None = None
    is_leader: bool = False


@dataclass(frozen=True)
class NewSite:
    """What the clerk knows of a new unlisted site (it becomes a case)."""

    owner: str | None = None
    phone: str | None = None
    township_id: int | None = None
    industry_id: int | None = None
    classification: Classification = Classification.SHUTDOWN


@dataclass(frozen=True)
class SiteInput:
    """A site checked: an existing case (``case_id``) or a site typed with its address."""

    site_name: str = ""
    address: str | None = None
    case_id: int | None = None
    outcome: FindingKind | None = None  # None: 正常
    note: str | None = None
    photos: tuple[EvidenceFile, ...] = ()
    new_site: NewSite | None = None


@dataclass(frozen=True)
class CheckInput:
    checked_on: dt.date
    group_name: str
    unit_id: int
    members: tuple[MemberInput, ...]
    sites: tuple[SiteInput, ...] = ()
    leader: str | None = None
    note: str | None = None
    campaign_id: int | None = None


@dataclass
class SaveResult:
    check_id: int
    version: int
    created: bool
    changed: bool
    cases_created: list[int] = field(default_factory=list)
    lookbacks: list[int] = field(default_factory=list)


def _clean(text: str | None) -> str | None:
    text = " ".join((text or "").split())
    return text or None


def _members(data: CheckInput) -> list[MemberInput]:
    """Members once each (by name), the leader first and marked."""
    leader = _clean(data.leader)
    out: dict[str, MemberInput] = {}
    if leader:
        post = next((m.post for m in data.members if _clean(m.name) == leader), None)
        out[leader] = MemberInput(leader, _clean(post) or "带队", True)
    for m in data.members:
        name = _clean(m.name)
        if name and name not in out:
            out[name] = MemberInput(name, _clean(m.post), m.is_leader and not leader)
    return list(out.values())


def validate(session: Session, data: CheckInput, today: dt.date) -> None:
    """Raise :class:`ValidationError` for the first problem of the input."""
    if data.checked_on is None:
        raise ValidationError("请填写检查日期。", field="checked_on")
    if data.checked_on > today:
        raise ValidationError("检查日期不能晚于今天。", field="checked_on")
    if not _clean(data.group_name):
        raise ValidationError("请填写检查组（如“第1执法检查组”）。", field="group_name")
    if session.get(Unit, data.unit_id) is None:
        raise ValidationError("请选择被检查的县（市、区）。", field="unit_id")
    if not _members(data):
        raise ValidationError("请填写带队领导和检查人员（至少一人）。", field="members")
    seen: set[tuple[Any, ...]] = set()
    for i, site in enumerate(data.sites, 1):
        where = f"第{i}个检查点位"
        if site.case_id is not None:
            case = session.get(Case, site.case_id)
            if case is None:
                raise ValidationError(f"{where}：编号 {site.case_id} 的企业不存在。", field="sites")
            if case.unit_id != data.unit_id:
                raise ValidationError(
                    f"{where}：“{case.display_name}”不属于被检查单位。", field="sites"
                )
            if site.outcome == FindingKind.NEW_CASE:
                raise ValidationError(
                    f"{where}：“{case.display_name}”已在清单中，不能记为新增企业。", field="sites"
                )
        else:
            if not _clean(site.site_name) and not _clean(site.address):
                raise ValidationError(f"{where}：请填写点位名称或地址。", field="sites")
            if site.outcome in ON_A_CASE:
                raise ValidationError(
                    f"{where}：“{FindingKind.label_of(site.outcome)}”须针对清单中的企业，"
                    "请从清单中选择该企业。",
                    field="sites",
                )
            if site.outcome == FindingKind.NEW_CASE and not _clean(site.address):
                raise ValidationError(f"{where}：新增企业须填写地址。", field="sites")
        key = _site_key(site)
        if key in seen:
            raise ValidationError(f"{where}与前面的点位重复。", field="sites")
        seen.add(key)


def _site_key(site: SiteInput) -> tuple[Any, ...]:
    if site.case_id is not None:
        return ("case", site.case_id)
    return ("site", _clean(site.site_name) or "", _clean(site.address) or "")


def _stored_keys(row: SpotCheckSite) -> set[tuple[Any, ...]]:
    """A stored site answers to its typed name and address and, once linked, to its case."""
    keys = {("site", _clean(row.site_name) or "", _clean(row.address) or "")}
    if row.case_id is not None:
        keys.add(("case", row.case_id))
    return keys


def _by_key(check: SpotCheck) -> dict[tuple[Any, ...], SpotCheckSite]:
    return {key: row for row in check.sites for key in _stored_keys(row)}


def find_check(session: Session, day: dt.date, group_name: str, unit_id: int) -> SpotCheck | None:
    """The check of this group in this unit on this day, if recorded."""
    return session.scalar(
        select(SpotCheck).where(
            SpotCheck.checked_on == day,
            SpotCheck.group_name == _clean(group_name),
            SpotCheck.unit_id == unit_id,
        )
    )


def save_check(
    session: Session,
    actor: Actor,
    data: CheckInput,
    *,
    check_id: int | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> SaveResult:
    """Add or change a check and act on the register for its findings (never commits)."""
    today = today or dt.date.today()
    require(actor, Permission.EDIT_SPOT_CHECKS, data.unit_id)
    validate(session, data, today)
    if check_id is not None:
        check = session.get(SpotCheck, check_id)
        if check is None:
            raise NotFoundError("该抽查记录已不存在（可能已被删除）。")
        require(actor, Permission.EDIT_SPOT_CHECKS, check.unit_id)
    else:
        check = find_check(session, data.checked_on, data.group_name, data.unit_id)
    header = {
        "checked_on": data.checked_on,
        "group_name": _clean(data.group_name),
        "unit_id": data.unit_id,
        "leader": _clean(data.leader) or next((m.name for m in _members(data)), None),
        "note": _clean(data.note),
    }
    if data.campaign_id is not None:
        header["campaign_id"] = data.campaign_id
    created = check is None
    if created and data.campaign_id is None:  # the campaign in force on the check's day
        header["campaign_id"] = campaign_on(session, data.checked_on)
    diffs: dict[str, Any] = {}
    if created:
        check = SpotCheck(**header)
        session.add(check)
        session.flush()
    else:
        moved = (header["checked_on"], header["group_name"], header["unit_id"]) != (
            check.checked_on, check.group_name, check.unit_id)  # fmt: skip
        if moved:
            other = find_check(session, data.checked_on, data.group_name, data.unit_id)
            if other is not None and other.id != check.id:
                raise ValidationError(
                    f"{data.checked_on.isoformat()} 该检查组在该单位的抽查已有记录。",
                    field="group_name",
                )
        version = check.version if expected_version is None else expected_version
        diffs.update(apply_edit(session, check, version, header))
    result = SaveResult(check.id, check.version, created, created)
    if _sync_members(check, _members(data)):
        diffs["members"] = True
    site_rows = _sync_sites(session, check, data.sites)
    if site_rows is None:
        diffs["sites"] = True
        site_rows = _by_key(check)
    session.flush()
    _apply_findings(session, actor, check, data, site_rows, result, diffs)
    _attach_photos(session, actor, check, data, diffs)
    check = session.get(SpotCheck, result.check_id)
    if diffs and not created:
        flag_modified(check, "updated_at")  # a change of members or sites moves the version
    session.flush()
    result.version = check.version
    result.changed = created or bool(diffs)
    if result.changed:
        record(session, actor, "create" if created else "update", "spot_check", check.id, detail={
            "checked_on": check.checked_on.isoformat(), "group": check.group_name,
            "unit_id": check.unit_id, "members": len(check.members), "sites": len(check.sites),
            "cases_created": result.cases_created, "lookbacks": result.lookbacks,
            "changed": sorted(diffs),
        })  # fmt: skip
    return result


def _sync_members(check: SpotCheck, members: list[MemberInput]) -> bool:
    now = [(m.name, m.post, m.is_leader) for m in check.members]
    want = [(m.name, m.post, m.is_leader) for m in members]
    if now == want:
        return False
    check.members.clear()
    for name, post, lead in want:
        check.members.append(SpotCheckMember(name=name, post=post, is_leader=lead))
    return True


def _sync_sites(
    session: Session, check: SpotCheck, sites: tuple[SiteInput, ...]
) -> dict[tuple[Any, ...], SpotCheckSite] | None:
    """Match the input's sites to the stored ones; None when anything changed."""
    changed = False
    wanted = {_site_key(s) for s in sites}
    for row in list(check.sites):
        if _stored_keys(row) & wanted:
            continue
        if any(_acted(f) for f in findings_at(check, row)):
            raise WorkflowError(
                f"点位“{row.site_name}”的发现已写入企业清单（新增企业或回头看），不能从抽查记录中删除。"
            )
        for f in findings_at(check, row):
            check.findings.remove(f)
        check.sites.remove(row)
        changed = True
    existing = _by_key(check)
    for site in sites:
        key = _site_key(site)
        result = SiteResult.OK if site.outcome is None else SiteResult.PROBLEM
        name = _clean(site.site_name)
        if site.case_id is not None and not name:
            case = session.get(Case, site.case_id)
            name = case.display_name if case else ""
        row = existing.get(key)
        if row is None:
            row = SpotCheckSite(
                case_id=site.case_id, site_name=name or _clean(site.address) or "",
                address=_clean(site.address), result=result, note=_clean(site.note),
            )  # fmt: skip
            check.sites.append(row)
            existing[key] = row
            changed = True
        elif (row.result, row.note) != (result, _clean(site.note)):
            row.result, row.note = result, _clean(site.note)
            changed = True
    return None if changed else existing


def findings_at(check: SpotCheck, row: SpotCheckSite) -> list[SpotCheckFinding]:
    """The findings recorded at a site (older records link them by case only)."""
    return [
        f for f in check.findings
        if f.site_id == row.id
        or (f.site_id is None and f.case_id is not None and f.case_id == row.case_id)
    ]  # fmt: skip


def _acted(finding: SpotCheckFinding) -> bool:
    """True when the finding wrote on the register (a new case or a look-back)."""
    return finding.lookback_id is not None or (
        finding.kind == FindingKind.NEW_CASE and finding.case_id is not None
    )


def _apply_findings(
    session: Session,
    actor: Actor,
    check: SpotCheck,
    data: CheckInput,
    site_rows: dict[tuple[Any, ...], SpotCheckSite],
    result: SaveResult,
    diffs: dict[str, Any],
) -> None:
    for site in data.sites:
        row = site_rows[_site_key(site)]
        mine = findings_at(check, row)
        if mine and mine[0].kind == site.outcome:
            if mine[0].description != _clean(site.note):
                mine[0].description = _clean(site.note)
                diffs["findings"] = True
            continue  # already recorded (and acted on): never twice
        for f in mine:
            if _acted(f):
                raise WorkflowError(
                    f"点位“{row.site_name}”的发现（{FindingKind.label_of(f.kind)}）已写入企业清单，"
                    "不能改为其他结果；如有错误请在企业清单中处理。"
                )
            check.findings.remove(f)
            diffs["findings"] = True
        if site.outcome is None:
            continue
        finding = SpotCheckFinding(
            site_id=row.id, kind=site.outcome, case_id=site.case_id,
            description=_clean(site.note),
        )  # fmt: skip
        is_new = site.outcome == FindingKind.NEW_CASE
        if is_new:
            case_id = _new_case(session, actor, check, site, data)
            finding.case_id = case_id
            row.case_id = case_id
            result.cases_created.append(case_id)
        elif site.outcome in LOOKBACK_OF:
            case = session.get(Case, site.case_id)
            if case is not None and case.status == CaseStatus.CLOSED:
                finding.lookback_id = record_lookback(
                    session, actor, case.id, check.checked_on,
                    LOOKBACK_OF[site.outcome], inspector=check.leader,
                    note=_lookback_note(check, site), campaign_id=check.campaign_id,
                    today=max(check.checked_on, dt.date.today()),
                )  # fmt: skip
                result.lookbacks.append(finding.lookback_id)
        if site.case_id is not None and finding.lookback_id is None and not is_new:
            # a case not (yet) closed has no look-back: the finding goes into its history
            case = session.get(Case, site.case_id)
            if case is not None:
                text = f"{check.checked_on.isoformat()} {FindingKind.label_of(site.outcome)}"
                record_changes(session, case, actor, {"spot_check": (None, text)},
                               note=_lookback_note(check, site))  # fmt: skip
        check.findings.append(finding)
        session.flush()
        diffs["findings"] = True


def _lookback_note(check: SpotCheck, site: SiteInput) -> str:
    note = f"市级督导抽查（{check.group_name}）发现：{FindingKind.label_of(site.outcome)}"
    return f"{note}；{_clean(site.note)}" if _clean(site.note) else note


def _new_case(
    session: Session, actor: Actor, check: SpotCheck, site: SiteInput, data: CheckInput
) -> int:
    details = site.new_site or NewSite()
    batch_id = session.scalar(
        select(Batch.id).where(Batch.kind == BatchKind.ADDED).order_by(Batch.id.desc()).limit(1)
    )
    values: dict[str, Any] = {
        "unit_id": check.unit_id,
        "name": _clean(site.site_name),
        "address": _clean(site.address),
        "owner": _clean(details.owner),
        "phone": _clean(details.phone),
        "township_id": details.township_id,
        "industry_id": details.industry_id,
        "classification": details.classification,
        "source": Source.SPOT_CHECK,
        "discovered_on": check.checked_on,
        "batch_id": batch_id,
        "remark": f"市级督导抽查（{check.checked_on.isoformat()} {check.group_name}）发现"
        + (f"：{_clean(site.note)}" if _clean(site.note) else ""),
    }
    return create_case(session, actor, values, today=max(check.checked_on, dt.date.today()))


def _attach_photos(
    session: Session, actor: Actor, check: SpotCheck, data: CheckInput, diffs: dict[str, Any]
) -> None:
    have = {
        (a.sha256, a.filename)
        for a in session.scalars(select(Attachment).where(Attachment.spot_check_id == check.id))
    }
    for site in data.sites:
        for photo in site.photos:
            key = (hashlib.sha256(photo.content).hexdigest(), photo.filename)
            if key in have:
                continue
            add_attachment(session, actor, photo.content, photo.filename, AttachmentKind.PHOTO,
                           note=_clean(site.site_name) or _clean(site.address),
                           spot_check_id=check.id)  # fmt: skip
            have.add(key)
            diffs["photos"] = True


def delete_check(session: Session, actor: Actor, check_id: int, expected_version: int) -> None:
    """Delete a check entered by mistake, unless a finding of it already wrote on the register."""
    check = session.get(SpotCheck, check_id)
    if check is None:
        raise NotFoundError("该抽查记录已不存在（可能已被删除）。")
    require(actor, Permission.EDIT_SPOT_CHECKS, check.unit_id)
    if any(_acted(f) for f in check.findings):
        raise WorkflowError("该抽查的发现已写入企业清单（新增企业或回头看），抽查记录不能删除。")
    apply_edit(session, check, expected_version, {})
    for att in session.scalars(select(Attachment).where(Attachment.spot_check_id == check.id)):
        session.delete(att)
    detail = {"checked_on": check.checked_on.isoformat(), "group": check.group_name}
    session.delete(check)
    session.flush()
    record(session, actor, "delete", "spot_check", check_id, detail=detail)
