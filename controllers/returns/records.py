"""The return record: a unit's file for a stage, stored, with its signature, publication and
review. Submitting needs a checked file without errors; nothing is stored otherwise.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from controllers.actor import Actor
from controllers.attachments import add_attachment, attachment_content, attachments_of
from controllers.audit.trail import record
from controllers.auth.display_names import display_names
from controllers.editing import apply_edit
from controllers.errors import NotFoundError, ValidationError
from controllers.listings import Listing
from controllers.permissions import Permission, can, require, scope_to_unit
from controllers.returns.check import ReturnCheck, file_digest
from models import Attachment, AuditEntry, Campaign, CampaignStage, CountyReturn, Unit
from models.base import now
from models.codes import AttachmentKind, ReturnStatus
from models.textnorm import clean_text

URL_LENGTH = CountyReturn.__table__.c.published_url.type.length
NAME_LENGTH = CountyReturn.__table__.c.signer_name.type.length


def get_return(session: Session, actor: Actor, return_id: int) -> CountyReturn:
    """A return the actor may see; :class:`NotFoundError` otherwise."""
    ret = session.get(CountyReturn, return_id)
    if ret is None or not can(actor, Permission.VIEW, ret.unit_id):
        raise NotFoundError("该上报记录不存在（可能已被删除）。")
    return ret


def return_file_attachment(session: Session, return_id: int) -> Attachment | None:
    """The stored workbook of a return (the newest, if several)."""
    files = [
        a
        for a in attachments_of(session, return_id=return_id)
        if a.kind == AttachmentKind.RETURN_FILE
    ]
    return files[-1] if files else None


def submit_return(
    session: Session,
    actor: Actor,
    check: ReturnCheck,
    path: str | Path,
    *,
    received_on: dt.date | None = None,
    signer_name: str | None = None,
    signed_on: dt.date | None = None,
    published_url: str | None = None,
    published_on: dt.date | None = None,
) -> CountyReturn:
    """Record a checked return (待审核) and store its file; the runner commits."""
    require(actor, Permission.SUBMIT_RETURNS, check.unit_id)
    if not check.valid:
        raise ValidationError(
            f"上报文件还有 {len(check.errors):,} 处错误，不能提交。请导出错误报告发回报送单位改正。"
        )
    sha, _size = file_digest(path)
    if sha != check.sha256:
        raise ValidationError("文件在核对之后被修改过，请重新核对后再提交。")
    details = _clean_details(
        {"signer_name": signer_name, "signed_on": signed_on, "published_url": published_url,
         "published_on": published_on}
    )  # fmt: skip
    diff = check.diff.counts() if check.diff else {}
    ret = CountyReturn(
        unit_id=check.unit_id,
        stage_id=check.stage_id,
        file_name=check.filename[:255],
        received_on=received_on or dt.date.today(),
        status=ReturnStatus.PENDING,
        rows_total=len(check.rows),
        rows_new=diff.get("new"),
        rows_changed=diff.get("changed"),
        rows_missing=diff.get("missing"),
        **details,
    )
    session.add(ret)
    session.flush()
    add_attachment(
        session, actor, Path(path).read_bytes(), check.filename, AttachmentKind.RETURN_FILE,
        return_id=ret.id,
    )  # fmt: skip
    record(session, actor, "import", "county_return", ret.id,
           detail={"unit": check.unit_name, "file": check.filename, "sha256": check.sha256,
                   "rows": len(check.rows), **diff})  # fmt: skip
    return ret


def _clean_details(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("signer_name", "published_url"):
            value = clean_text(value)
        out[key] = value
    url = out.get("published_url")
    if url is not None:
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(
                "公示网址应以 http:// 或 https:// 开头，例如 http://www.lingshou.gov.cn/…",
                field="published_url",
            )
        if len(url) > URL_LENGTH:
            raise ValidationError(
                f"公示网址过长（最多 {URL_LENGTH} 个字符）。", field="published_url"
            )
    name = out.get("signer_name")
    if name is not None and len(name) > NAME_LENGTH:
        raise ValidationError(f"签字人姓名过长（最多 {NAME_LENGTH} 个字）。", field="signer_name")
    for key, label in (("signed_on", "签字日期"), ("published_on", "公示日期")):
        day = out.get(key)
        if day is not None and day > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError(f"{label}不能晚于今天。", field=key)
    return out


DETAIL_FIELDS = ("received_on", "signer_name", "signed_on", "published_url", "published_on")


def update_return_details(
    session: Session, actor: Actor, return_id: int, expected_version: int, changes: dict[str, Any]
) -> CountyReturn:
    """Change the received date, signature or publication of a return (optimistic lock)."""
    ret = get_return(session, actor, return_id)
    require(actor, Permission.SUBMIT_RETURNS, ret.unit_id)
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = _clean_details(changes)
    if "received_on" in values and values["received_on"] is None:
        raise ValidationError("请填写收到日期。", field="received_on")
    diffs = apply_edit(session, ret, expected_version, values)
    if diffs:
        record(session, actor, "update", "county_return", ret.id,
               detail={k: [str(o) if o is not None else None, str(n) if n is not None else None]
                       for k, (o, n) in diffs.items()})  # fmt: skip
    return ret


def attach_signature_page(
    session: Session, actor: Actor, return_id: int, content: bytes, filename: str
) -> Attachment:
    """Store the scanned page signed by the unit's principal head."""
    ret = get_return(session, actor, return_id)
    require(actor, Permission.SUBMIT_RETURNS, ret.unit_id)
    return add_attachment(
        session, actor, content, filename, AttachmentKind.SIGNATURE_PAGE, return_id=ret.id
    )


def export_attachment(
    session: Session, actor: Actor, attachment_id: int, target: str | Path
) -> Path:
    """Save a return's stored file or signature page to disk (audited as an export)."""
    att, content = attachment_content(session, attachment_id)
    if att.return_id is None:
        raise NotFoundError("该附件不属于县区上报。")
    ret = get_return(session, actor, att.return_id)
    require(actor, Permission.EXPORT, ret.unit_id)
    path = Path(target)
    path.write_bytes(content)
    record(session, actor, "export", "attachment", att.id,
           detail={"filename": att.filename, "return_id": ret.id, "to": path.name})  # fmt: skip
    return path


@contextmanager
def stored_file(session: Session, actor: Actor, return_id: int) -> Iterator[tuple[Path, str]]:
    """The return's stored workbook as a temporary file: ``with stored_file(...) as (path, name)``."""
    ret = get_return(session, actor, return_id)
    att = return_file_attachment(session, ret.id)
    if att is None:
        raise NotFoundError("该上报记录没有保存上报文件（可能是系统导入的历史记录）。")
    att, content = attachment_content(session, att.id)
    with tempfile.TemporaryDirectory(prefix="rectify-return-") as folder:
        path = Path(folder) / f"return{Path(att.filename).suffix.lower() or '.xlsx'}"
        path.write_bytes(content)
        yield path, att.filename


@dataclass
class ReturnDetail:
    """Everything the return dialog shows."""

    id: int
    version: int
    unit_id: int
    unit_name: str
    stage_id: int | None
    stage_label: str
    stage_deadline: dt.date | None
    file_name: str
    received_on: dt.date | None
    signer_name: str
    signed_on: dt.date | None
    published_url: str
    published_on: dt.date | None
    status: ReturnStatus
    review_reasons: str
    reviewer: str
    reviewed_at: dt.datetime | None
    rows_total: int | None
    rows_new: int | None
    rows_changed: int | None
    rows_missing: int | None
    file_attachment_id: int | None
    signature_pages: list[tuple[int, str]]  # (attachment id, file name)
    head_name: str  # the unit's principal head, for the signature

    @property
    def late(self) -> bool:
        return bool(
            self.stage_deadline and self.received_on and self.received_on > self.stage_deadline
        )


def _reviewer_name(session: Session, ret: CountyReturn) -> str:
    """Who reviewed a return: the account, else the name the audit log recorded."""
    if ret.reviewed_at is None:
        return ""
    if ret.reviewer_id is not None:
        name = display_names(session, [ret.reviewer_id]).get(ret.reviewer_id)
        if name:
            return name
    return session.scalar(
        select(AuditEntry.username)
        .where(AuditEntry.object_type == "county_return", AuditEntry.object_id == str(ret.id),
               AuditEntry.action.in_(("accept", "return")))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ) or ""  # fmt: skip


def return_detail(session: Session, actor: Actor, return_id: int) -> ReturnDetail:
    ret = get_return(session, actor, return_id)
    stage = ret.stage
    stage_label = ""
    if stage is not None:
        stage_label = f"{stage.campaign.year}年 · {stage.name}"
    reviewer = _reviewer_name(session, ret)
    atts = attachments_of(session, return_id=ret.id)
    files = [a for a in atts if a.kind == AttachmentKind.RETURN_FILE]
    pages = [(a.id, a.filename) for a in atts if a.kind == AttachmentKind.SIGNATURE_PAGE]
    return ReturnDetail(
        id=ret.id, version=ret.version, unit_id=ret.unit_id, unit_name=ret.unit.name,
        stage_id=ret.stage_id, stage_label=stage_label,
        stage_deadline=stage.deadline if stage else None, file_name=ret.file_name or "",
        received_on=ret.received_on, signer_name=ret.signer_name or "", signed_on=ret.signed_on,
        published_url=ret.published_url or "", published_on=ret.published_on,
        status=ReturnStatus(ret.status), review_reasons=ret.review_reasons or "",
        reviewer=reviewer, reviewed_at=ret.reviewed_at,
        rows_total=ret.rows_total, rows_new=ret.rows_new, rows_changed=ret.rows_changed,
        rows_missing=ret.rows_missing, file_attachment_id=files[-1].id if files else None,
        signature_pages=pages, head_name=ret.unit.head_name or "",
    )  # fmt: skip


#: columns of :func:`returns_listing`; the first value of each row is the return id
LISTING_HEADERS = ["编号", "责任单位", "阶段", "文件", "收到日期", "行数", "新增", "变更", "缺失",
                   "签字人", "签字日期", "公示日期", "审核状态", "审核时间", "版本"]  # fmt: skip


def returns_listing(
    session: Session, actor: Actor, stage_id: int | None = None, unit_id: int | None = None
) -> Listing:
    """Every return the actor may see (newest first), optionally of one stage or unit."""
    require(actor, Permission.VIEW)
    stage = aliased(CampaignStage)
    stmt = (
        select(CountyReturn.id, Unit.name, Campaign.year, stage.name, CountyReturn.file_name,
               CountyReturn.received_on, CountyReturn.rows_total, CountyReturn.rows_new,
               CountyReturn.rows_changed, CountyReturn.rows_missing, CountyReturn.signer_name,
               CountyReturn.signed_on, CountyReturn.published_on, CountyReturn.status,
               CountyReturn.reviewed_at, CountyReturn.unit_id, CountyReturn.stage_id)
        .join(Unit, Unit.id == CountyReturn.unit_id)
        .outerjoin(stage, stage.id == CountyReturn.stage_id)
        .outerjoin(Campaign, Campaign.id == stage.campaign_id)
        .order_by(CountyReturn.received_on.desc(), CountyReturn.id.desc())
    )  # fmt: skip
    stmt = scope_to_unit(stmt, actor, CountyReturn.unit_id)
    if stage_id is not None:
        stmt = stmt.where(CountyReturn.stage_id == stage_id)
    if unit_id is not None:
        stmt = stmt.where(CountyReturn.unit_id == unit_id)
    fetched = list(session.execute(stmt))
    # the unit's uploads for a stage are versions of one return: 第 1 版, 第 2 版 …
    version: dict[int, int] = {}
    seen: dict[tuple[int, int | None], int] = {}
    for r in sorted(fetched, key=lambda r: r[0]):
        key = (r[15], r[16])
        seen[key] = seen.get(key, 0) + 1
        version[r[0]] = seen[key]
    rows = []
    for r in fetched:
        stage_text = f"{r[2]}年 · {r[3]}" if r[3] else ""
        of = seen[(r[15], r[16])]
        version_text = f"第 {version[r[0]]} 版" + (f"（共 {of} 版）" if of > 1 else "")
        rows.append((r[0], r[1], stage_text, r[4] or "", r[5], r[6], r[7], r[8], r[9],
                     r[10] or "", r[11], r[12], ReturnStatus.label_of(r[13]), r[14],
                     version_text))  # fmt: skip
    return Listing(list(LISTING_HEADERS), rows)


def latest_return_id(
    session: Session, actor: Actor, unit_id: int, stage_id: int | None
) -> int | None:
    """The newest return of a unit for a stage (None when it has not returned)."""
    stmt = select(func.max(CountyReturn.id)).where(CountyReturn.unit_id == unit_id)
    stmt = stmt.where(
        CountyReturn.stage_id == stage_id
        if stage_id is not None
        else CountyReturn.stage_id.is_(None)
    )
    stmt = scope_to_unit(stmt, actor, CountyReturn.unit_id)
    return session.scalar(stmt)


def mark_reviewed(
    ret: CountyReturn, actor: Actor, status: ReturnStatus, reasons: str | None
) -> None:
    """Set the review fields of a return."""
    ret.status = status
    ret.review_reasons = reasons
    ret.reviewer_id = actor.user_id
    ret.reviewed_at = now()
