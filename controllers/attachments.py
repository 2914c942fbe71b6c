"""Attachments kept in the database (photos, scanned PDFs, workbooks), with their checksum,
so every clerk of a shared database sees them."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM, Actor
from controllers.audit.trail import record
from controllers.errors import NotFoundError, ValidationError
from controllers.permissions import Permission, require
from models import (
    AccountabilityRecord,
    Attachment,
    AttachmentBlob,
    Case,
    CountyReturn,
    Letter,
    SpotCheck,
)
from models.codes import AttachmentKind

#: the largest file a clerk may attach (a scanned multi-page PDF fits comfortably)
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

#: owner keyword → Attachment column
OWNER_COLUMNS = ("case_id", "return_id", "letter_id", "spot_check_id", "accountability_record_id")

#: owner column → (owning model, permission to attach to it)
_OWNERS = {
    "case_id": (Case, Permission.EDIT_CASES),
    "return_id": (CountyReturn, Permission.SUBMIT_RETURNS),
    "letter_id": (Letter, Permission.MANAGE_LETTERS),
    "spot_check_id": (SpotCheck, Permission.EDIT_SPOT_CHECKS),
    "accountability_record_id": (AccountabilityRecord, Permission.EDIT_ACCOUNTABILITY),
}


def _owner_unit(session: Session, column: str, owner_id: int | None) -> int | None:
    model, _ = _OWNERS[column]
    row = session.get(model, owner_id) if owner_id is not None else None
    if row is None:
        raise NotFoundError("附件所属的记录不存在（可能已被删除）。")
    return row.unit_id


def _check_owner(session: Session, actor: Actor, permission: Permission | None,
                 owner: dict) -> None:  # fmt: skip
    """The actor may act on the owner record (its role, and its unit for a county clerk)."""
    for column, owner_id in owner.items():
        if owner_id is None:
            continue
        unit_id = _owner_unit(session, column, owner_id)
        require(actor, permission or _OWNERS[column][1], unit_id)


def add_attachment(
    session: Session,
    actor: Actor,
    content: bytes,
    filename: str,
    kind: AttachmentKind = AttachmentKind.OTHER,
    *,
    note: str | None = None,
    **owner: int,
) -> Attachment:
    """Store ``content`` (once per checksum) and attach it to one owner, e.g. ``case_id=5``.

    Raises :class:`ValidationError` for an empty or oversized file. The runner commits.
    """
    if set(owner) - set(OWNER_COLUMNS) or len(owner) != 1:
        raise ValueError(f"exactly one owner of {OWNER_COLUMNS} expected, got {sorted(owner)}")
    _check_owner(session, actor, None, owner)
    if not content:
        raise ValidationError(f"文件“{filename}”是空的，未添加。")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"文件“{filename}”有 {len(content) / 1048576:.1f} MB，超过附件上限 "
            f"{MAX_ATTACHMENT_BYTES // 1048576} MB。请压缩图片或拆分扫描件后再添加。"
        )
    digest = hashlib.sha256(content).hexdigest()
    if session.get(AttachmentBlob, digest) is None:
        _store_blob(session, digest, content)
    mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    att = Attachment(
        sha256=digest,
        filename=Path(filename).name,
        mime=mime,
        size=len(content),
        kind=kind,
        note=note,
        created_by_id=actor.user_id,
        **owner,
    )
    session.add(att)
    session.flush()
    record(session, actor, "attach", "attachment", att.id,
           detail={"filename": att.filename, "size": att.size, "sha256": digest, **owner})  # fmt: skip
    return att


def _store_blob(session: Session, digest: str, content: bytes) -> None:
    """Insert the content unless a row with its checksum exists — possibly one this clerk
    cannot see (row-level security hides other units' files); identical bytes, so keep it."""
    table = AttachmentBlob.__table__
    values = {"sha256": digest, "size": len(content), "content": content}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        if session.scalar(text("SELECT to_regprocedure('rectify_store_blob(text, bytea)')")):
            # row-level security is installed: store through the owner's checked function
            session.execute(
                text("SELECT rectify_store_blob(:sha, :content)"),
                {"sha": digest, "content": content},
            )
            return
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table).values(values).on_conflict_do_nothing(index_elements=["sha256"])
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table).values(values).on_conflict_do_nothing(index_elements=["sha256"])
    else:  # MariaDB / MySQL
        stmt = insert(table).values(values).prefix_with("IGNORE")
    session.execute(stmt)


def add_attachment_file(
    session: Session, actor: Actor, path: str | Path, kind: AttachmentKind = AttachmentKind.OTHER,
    **owner: int,
) -> Attachment:  # fmt: skip
    """Read a file from disk (size checked before reading) and attach it."""
    p = Path(path)
    size = p.stat().st_size
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"文件“{p.name}”有 {size / 1048576:.1f} MB，超过附件上限 {MAX_ATTACHMENT_BYTES // 1048576} MB。"
        )
    return add_attachment(session, actor, p.read_bytes(), p.name, kind, **owner)


def attachment_content(
    session: Session, attachment_id: int, actor: Actor = SYSTEM
) -> tuple[Attachment, bytes]:
    """The attachment row and its bytes, checked against the stored checksum."""
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFoundError("附件不存在（可能已被删除）。")
    _check_owner(session, actor, Permission.VIEW,
                 {c: getattr(att, c) for c in OWNER_COLUMNS if getattr(att, c) is not None})  # fmt: skip
    content = session.scalar(
        select(AttachmentBlob.content).where(AttachmentBlob.sha256 == att.sha256)
    )
    if content is None or hashlib.sha256(content).hexdigest() != att.sha256:
        raise NotFoundError(f"附件“{att.filename}”的内容已损坏（校验和不符）。")
    return att, content


def attachments_of(session: Session, actor: Actor = SYSTEM, **owner: int) -> list[Attachment]:
    """Attachments of one owner, oldest first (without their content)."""
    _check_owner(session, actor, Permission.VIEW, owner)
    ((column, value),) = owner.items()
    return list(
        session.scalars(
            select(Attachment).where(getattr(Attachment, column) == value).order_by(Attachment.id)
        )
    )
