"""The life of a letter: 起草 → 已印发 (date) → 已签署 (signer, date) → 已归档 (scanned copy).

Each step checks the clerk's permission, the letter's current status and the version the
clerk saw (another clerk's change is never overwritten), and is audited in the same
transaction. A step taken by mistake is undone with :func:`step_back`, which keeps the record
(and any scan) and notes the reason.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.attachments import (
    MAX_ATTACHMENT_BYTES,
    add_attachment,
    attachment_content,
    attachments_of,
)
from controllers.audit.trail import record
from controllers.editing import apply_edit
from controllers.errors import NotFoundError, ValidationError, WorkflowError
from controllers.permissions import Permission, require
from models import Attachment, Letter
from models.codes import AttachmentKind, LetterStatus

#: days a unit has to return the signed letter, unless the clerk sets a date
DEFAULT_DUE_DAYS = 7
NEXT = {
    LetterStatus.DRAFT: LetterStatus.ISSUED,
    LetterStatus.ISSUED: LetterStatus.SIGNED,
    LetterStatus.SIGNED: LetterStatus.ARCHIVED,
}
PREVIOUS = {after: before for before, after in NEXT.items()}
SCAN_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")


def _letter(session: Session, letter_id: int) -> Letter:
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFoundError("该承诺书不存在（可能已被删除）。")
    return letter


def _expect(letter: Letter, status: LetterStatus, action: str) -> None:
    if letter.status != status:
        raise WorkflowError(
            f"“{letter.unit.name}”的承诺书当前为“{letter.status.label}”，不能{action}："
            f"只有“{status.label}”的承诺书可以{action}。"
        )


def _check_date(day: dt.date | None, what: str, today: dt.date | None) -> dt.date:
    if day is None:
        raise ValidationError(f"请填写{what}。")
    if day > (today or dt.date.today()):
        raise ValidationError(f"{what}（{day:%Y-%m-%d}）不能晚于今天。")
    return day


def issue_letters(
    session: Session,
    actor: Actor,
    versions: dict[int, int],
    issued_on: dt.date,
    due_on: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> list[Letter]:
    """Issue drafted letters (起草 → 已印发): ``versions`` maps letter id → version seen.

    All or nothing: one letter that cannot be issued leaves every letter as it was.
    ``due_on`` (default ``issued_on`` + 7 days) is when the signed copy is expected back.
    """
    require(actor, Permission.MANAGE_LETTERS)
    if not versions:
        raise ValidationError("请先选择要印发的承诺书。")
    _check_date(issued_on, "印发日期", today)
    due = due_on or issued_on + dt.timedelta(days=DEFAULT_DUE_DAYS)
    if due < issued_on:
        raise ValidationError(
            f"返回期限（{due:%Y-%m-%d}）不能早于印发日期（{issued_on:%Y-%m-%d}）。"
        )
    letters = [_letter(session, letter_id) for letter_id in versions]
    for letter in letters:
        _expect(letter, LetterStatus.DRAFT, "印发")
    for letter in letters:
        changes = {"status": LetterStatus.ISSUED, "issued_on": issued_on, "due_on": due}
        if letter.letter_date is None:
            changes["letter_date"] = issued_on
        apply_edit(session, letter, versions[letter.id], changes)
        record(session, actor, "letter_issue", "letter", letter.id,
               detail={"unit": letter.unit.name, "issued_on": issued_on, "due_on": due})  # fmt: skip
    return letters


def record_signature(
    session: Session,
    actor: Actor,
    letter_id: int,
    version: int,
    signer_name: str,
    signed_on: dt.date,
    *,
    today: dt.date | None = None,
) -> Letter:
    """Record that the unit signed (已印发 → 已签署): who signed and when."""
    require(actor, Permission.MANAGE_LETTERS)
    letter = _letter(session, letter_id)
    _expect(letter, LetterStatus.ISSUED, "登记签署")
    name = (signer_name or "").strip()
    if not name:
        raise ValidationError("请填写签署人姓名。", "signer_name")
    if len(name) > 40:
        raise ValidationError("签署人姓名不能超过 40 个字。", "signer_name")
    _check_date(signed_on, "签署日期", today)
    if letter.issued_on and signed_on < letter.issued_on:
        raise ValidationError(
            f"签署日期（{signed_on:%Y-%m-%d}）不能早于印发日期（{letter.issued_on:%Y-%m-%d}）。",
            "signed_on",
        )
    apply_edit(session, letter, version,
               {"status": LetterStatus.SIGNED, "signer_name": name, "signed_on": signed_on})  # fmt: skip
    record(session, actor, "letter_sign", "letter", letter.id,
           detail={"unit": letter.unit.name, "signer": name, "signed_on": signed_on})  # fmt: skip
    return letter


def archive_letter(
    session: Session,
    actor: Actor,
    letter_id: int,
    version: int,
    scan: bytes,
    filename: str,
    archived_on: dt.date,
    *,
    today: dt.date | None = None,
) -> Letter:
    """Archive the scanned signed copy (已签署 → 已归档); the scan is attached to the letter."""
    require(actor, Permission.MANAGE_LETTERS)
    letter = _letter(session, letter_id)
    _expect(letter, LetterStatus.SIGNED, "归档")
    if not filename.lower().endswith(SCAN_SUFFIXES):
        raise ValidationError(
            f"“{filename}”不是扫描件：请选择 PDF 或图片（{'、'.join(SCAN_SUFFIXES)}）。", "scan"
        )
    _check_date(archived_on, "归档日期", today)
    if letter.signed_on and archived_on < letter.signed_on:
        raise ValidationError(
            f"归档日期（{archived_on:%Y-%m-%d}）不能早于签署日期（{letter.signed_on:%Y-%m-%d}）。",
            "archived_on",
        )
    apply_edit(session, letter, version,
               {"status": LetterStatus.ARCHIVED, "archived_on": archived_on})  # fmt: skip
    att = add_attachment(session, actor, scan, filename, AttachmentKind.SIGNED_LETTER,
                         note=f"{letter.unit.name}签署承诺书", letter_id=letter.id)  # fmt: skip
    record(session, actor, "letter_archive", "letter", letter.id,
           detail={"unit": letter.unit.name, "attachment_id": att.id, "archived_on": archived_on})  # fmt: skip
    return letter


def read_scan(path: str | Path) -> tuple[bytes, str]:
    """The bytes and file name of a scan on disk (size checked before reading)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ValidationError(f"无法读取“{p}”：{exc.strerror or exc}", "scan") from exc
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"文件“{p.name}”有 {size / 1048576:.1f} MB，超过附件上限 "
            f"{MAX_ATTACHMENT_BYTES // 1048576} MB。",
            "scan",
        )
    return p.read_bytes(), p.name


_CLEARED = {
    LetterStatus.ISSUED: {"issued_on": None, "due_on": None},
    LetterStatus.SIGNED: {"signer_name": None, "signed_on": None},
    LetterStatus.ARCHIVED: {"archived_on": None},
}


def step_back(session: Session, actor: Actor, letter_id: int, version: int, reason: str) -> Letter:
    """Undo the last step of a letter (e.g. a signature recorded on the wrong letter).

    The letter returns to the previous status; the step's dates are cleared, an archived
    scan stays attached, and the reason is audited and noted on the letter.
    """
    require(actor, Permission.MANAGE_LETTERS)
    letter = _letter(session, letter_id)
    text = (reason or "").strip()
    if not text:
        raise ValidationError("请填写撤回的原因。", "reason")
    previous = PREVIOUS.get(letter.status)
    if previous is None:
        raise WorkflowError(f"“{letter.unit.name}”的承诺书还是“起草”状态，没有可撤回的步骤。")
    note = f"{dt.date.today():%Y-%m-%d} 由“{letter.status.label}”撤回：{text}"
    changes = {"status": previous, **_CLEARED[letter.status]}
    changes["note"] = f"{letter.note}\n{note}" if letter.note else note
    old = letter.status
    apply_edit(session, letter, version, changes)
    record(session, actor, "letter_step_back", "letter", letter.id,
           detail={"unit": letter.unit.name, "from": old, "to": previous, "reason": text})  # fmt: skip
    return letter


def signed_scan(session: Session, actor: Actor, letter_id: int) -> tuple[Attachment, bytes]:
    """The newest scanned signed copy of a letter and its bytes (checksum verified)."""
    letter = _letter(session, letter_id)
    require(actor, Permission.VIEW, letter.unit_id)
    scans = [a for a in attachments_of(session, letter_id=letter_id)
             if a.kind == AttachmentKind.SIGNED_LETTER]  # fmt: skip
    if not scans:
        raise NotFoundError(f"“{letter.unit.name}”的承诺书还没有扫描件。")
    return attachment_content(session, scans[-1].id)
