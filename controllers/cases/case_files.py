"""Attachments of a case (photos, scanned PDFs): add, read for preview, save a copy —
with the clerk's permission and unit checked, history and audit written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.attachments import add_attachment, attachment_content
from controllers.audit.trail import record
from controllers.cases.case_edit import get_case
from controllers.cases.history import record_changes
from controllers.errors import NotFoundError
from controllers.permissions import Permission, require
from models import Attachment
from models.codes import AttachmentKind


def attach_to_case(
    session: Session,
    actor: Actor,
    case_id: int,
    filename: str,
    content: bytes,
    kind: AttachmentKind = AttachmentKind.PHOTO,
    note: str | None = None,
) -> int:
    """Store a file on a case (checksum, size limit). Returns the attachment id."""
    try:
        case = get_case(session, case_id)
        require(actor, Permission.EDIT_CASES, case.unit_id)
        att = add_attachment(session, actor, content, filename, kind, note=note, case_id=case.id)
        record_changes(session, case, actor, {"attachment": (None, att.filename)},
                       note=AttachmentKind(kind).label)  # fmt: skip
        return att.id
    except Exception:
        session.rollback()
        raise


def _case_attachment(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    att = session.get(Attachment, attachment_id)
    if att is None or att.case_id is None:
        raise NotFoundError("附件不存在（可能已被删除）。")
    require(actor, Permission.VIEW, get_case(session, att.case_id).unit_id)
    return att


def read_case_attachment(
    session: Session, actor: Actor, attachment_id: int
) -> tuple[str, str, bytes]:
    """(file name, MIME type, content) of a case's attachment, checksum verified."""
    att = _case_attachment(session, actor, attachment_id)
    att, content = attachment_content(session, att.id)
    return att.filename, att.mime, content


def save_attachment_copy(
    session: Session, actor: Actor, attachment_id: int, destination: str | Path
) -> Path:
    """Write a copy of an attachment to ``destination`` (whole or not at all); audited."""
    att = _case_attachment(session, actor, attachment_id)
    att, content = attachment_content(session, att.id)
    dest = Path(destination)
    fd, tmp = tempfile.mkstemp(prefix=".rectify-", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    record(session, actor, "save_copy", "attachment", att.id,
           detail={"filename": att.filename, "to": str(dest), "case_id": att.case_id})  # fmt: skip
    return dest
