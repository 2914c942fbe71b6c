"""登记并退回: a return with errors is still logged — the unit sent its file on time and it was
sent back. The return is recorded (file, received date, signature) with status 退回, the
reasons, and the annotated error workbook attached; the unit's next upload for the same stage
is a new version of the same return (:func:`return_versions`)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.attachments import add_attachment, attachments_of
from controllers.audit.trail import record
from controllers.errors import ValidationError
from controllers.permissions import Permission, require
from controllers.returns.check import ReturnCheck, file_digest
from controllers.returns.error_report import build_error_report
from controllers.returns.records import _clean_details, get_return, mark_reviewed
from models import CountyReturn
from models.codes import AttachmentKind, ReturnStatus

logger = logging.getLogger(__name__)

#: errors quoted in the reasons; the workbook has all of them
QUOTED_ERRORS = 5


@dataclass(frozen=True)
class SentBack:
    """A return logged as 退回: its id, version among the unit's returns for the stage, the
    reasons, and the attached error workbook (to save and send to the unit)."""

    return_id: int
    version_no: int
    reasons: str
    report_attachment_id: int
    report_name: str
    report: bytes

    def message(self) -> str:
        return (f"已登记并退回（上报编号 {self.return_id}，第 {self.version_no} 版），"
                f"错误报告“{self.report_name}”已随上报保存，请发给报送单位改正后重新上报。")  # fmt: skip


def error_reasons(check: ReturnCheck) -> str:
    """The reasons of a send-back written from the check: the count and the first errors."""
    bad_rows = len({(e.sheet, e.row) for e in check.errors})
    lines = [f"上报文件有 {len(check.errors):,} 处错误（涉及 {bad_rows:,} 行），"
             "详见随附的错误报告，请逐项改正后重新上报："]  # fmt: skip
    lines += [f"{i}. {e.text()}" for i, e in enumerate(check.errors[:QUOTED_ERRORS], start=1)]
    if len(check.errors) > QUOTED_ERRORS:
        lines.append(f"……另有 {len(check.errors) - QUOTED_ERRORS:,} 处，见错误报告。")
    return "\n".join(lines)


def report_name(check: ReturnCheck) -> str:
    return f"{Path(check.filename).stem}（错误报告）.xlsx"


def log_and_send_back(
    session: Session,
    actor: Actor,
    check: ReturnCheck,
    path: str | Path,
    *,
    reasons: str | None = None,
    received_on: dt.date | None = None,
    signer_name: str | None = None,
    signed_on: dt.date | None = None,
    published_url: str | None = None,
    published_on: dt.date | None = None,
) -> SentBack:
    """Record a checked return that has errors as 退回 with its file and error workbook.
    Flushes; the caller commits."""
    require(actor, Permission.SUBMIT_RETURNS, check.unit_id)
    require(actor, Permission.REVIEW_RETURNS, check.unit_id)
    if check.valid:
        raise ValidationError("该文件没有错误，请登记上报或审核通过，不需要退回。")
    sha, _size = file_digest(path)
    if sha != check.sha256:
        raise ValidationError("文件在核对之后被修改过，请重新核对后再登记。")
    details = _clean_details(
        {"signer_name": signer_name, "signed_on": signed_on, "published_url": published_url,
         "published_on": published_on}
    )  # fmt: skip
    text = (reasons or "").strip() or error_reasons(check)
    ret = CountyReturn(
        unit_id=check.unit_id,
        stage_id=check.stage_id,
        file_name=check.filename[:255],
        received_on=received_on or dt.date.today(),
        status=ReturnStatus.PENDING,
        rows_total=len(check.rows),
        **details,
    )
    session.add(ret)
    session.flush()
    add_attachment(session, actor, Path(path).read_bytes(), check.filename,
                   AttachmentKind.RETURN_FILE, return_id=ret.id)  # fmt: skip
    report = build_error_report(path, check)
    name = report_name(check)
    att = add_attachment(session, actor, report, name, AttachmentKind.ERROR_REPORT,
                         return_id=ret.id)  # fmt: skip
    record(session, actor, "import", "county_return", ret.id,
           detail={"unit": check.unit_name, "file": check.filename, "sha256": check.sha256,
                   "rows": len(check.rows), "errors": len(check.errors)})  # fmt: skip
    mark_reviewed(ret, actor, ReturnStatus.RETURNED, text)
    session.flush()
    record(session, actor, "return", "county_return", ret.id,
           detail={"reasons": text, "errors": len(check.errors), "error_report": att.id})  # fmt: skip
    version = version_of(session, ret)
    logger.info("return %s of %s logged and sent back (%d errors)", ret.id, check.unit_name,
                len(check.errors))  # fmt: skip
    return SentBack(ret.id, version, text, att.id, name, report)


def version_of(session: Session, ret: CountyReturn) -> int:
    """Which upload of the unit for the stage this return is (1 for the first)."""
    stmt = select(CountyReturn.id).where(CountyReturn.unit_id == ret.unit_id,
                                         CountyReturn.id <= ret.id)  # fmt: skip
    stmt = stmt.where(
        CountyReturn.stage_id == ret.stage_id
        if ret.stage_id is not None
        else CountyReturn.stage_id.is_(None)
    )
    return len(list(session.scalars(stmt)))


@dataclass(frozen=True)
class ReturnVersion:
    """One upload of a unit's return for a stage."""

    return_id: int
    version_no: int
    received_on: dt.date | None
    file_name: str
    status: ReturnStatus
    reasons: str


def return_versions(session: Session, actor: Actor, return_id: int) -> list[ReturnVersion]:
    """Every upload of the same return (unit and stage), the first one first."""
    ret = get_return(session, actor, return_id)
    stmt = select(CountyReturn).where(CountyReturn.unit_id == ret.unit_id)
    stmt = stmt.where(
        CountyReturn.stage_id == ret.stage_id
        if ret.stage_id is not None
        else CountyReturn.stage_id.is_(None)
    ).order_by(CountyReturn.id)
    return [
        ReturnVersion(r.id, n, r.received_on, r.file_name or "", ReturnStatus(r.status),
                      r.review_reasons or "")
        for n, r in enumerate(session.scalars(stmt), start=1)
    ]  # fmt: skip


def error_report_attachment(session: Session, return_id: int) -> int | None:
    """The id of the error workbook kept with a sent-back return, if any."""
    found = [a.id for a in attachments_of(session, return_id=return_id)
             if a.kind == AttachmentKind.ERROR_REPORT]  # fmt: skip
    return found[-1] if found else None
