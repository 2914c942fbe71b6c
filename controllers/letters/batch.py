"""The letters of all units (or a selection) in one step: one PDF per unit, one combined file."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.documents.fonts import FontSet
from controllers.errors import NotFoundError, UserError, ValidationError
from controllers.letters.compose import current_campaign
from controllers.letters.render import render_texts, safe_filename, texts_of_letters
from controllers.letters.templates import ensure_default_template
from controllers.permissions import Permission, require
from models import Letter, Unit
from models.codes import LetterStatus

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]


@dataclass
class BatchResult:
    """What a batch wrote."""

    folder: Path
    files: list[Path] = field(default_factory=list)  # one per unit, in unit order
    combined: Path | None = None
    units: list[str] = field(default_factory=list)
    created: int = 0  # letters drafted by this batch
    pages: int = 0  # pages of the combined file


def combined_name(count: int) -> str:
    """File name of the combined file."""
    return f"承诺书合订本（{count}份）.pdf"


def prepare_letters(
    session: Session,
    actor: Actor,
    unit_ids: Sequence[int] | None = None,
    letter_date: dt.date | None = None,
) -> tuple[list[Letter], int]:
    """The current campaign's letters of the units, drafting the missing ones; flushes.

    Drafts follow the newest template version (and take ``letter_date`` if given); a letter
    already issued keeps its template version and date, so a reprint is the same letter.
    Returns (letters in unit order, number drafted).
    """
    require(actor, Permission.MANAGE_LETTERS)
    template = ensure_default_template(session)
    campaign = current_campaign(session)
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.sort_order, Unit.id)
    if unit_ids is not None:
        wanted = list(dict.fromkeys(unit_ids))
        if not wanted:
            raise ValidationError("请至少选择一个责任单位。")
        query = query.where(Unit.id.in_(wanted))
    units = session.scalars(query).all()
    if unit_ids is not None and len(units) != len(set(unit_ids)):
        raise NotFoundError("所选的责任单位有的已不存在或已停用，请刷新后重试。")
    existing = {
        letter.unit_id: letter
        for letter in session.scalars(
            select(Letter)
            .options(selectinload(Letter.unit), selectinload(Letter.template))
            .where(
                Letter.campaign_id.is_(None)
                if campaign is None
                else Letter.campaign_id == campaign.id
            )
        )
    }
    letters, created = [], 0
    day = letter_date or dt.date.today()
    for unit in units:
        letter = existing.get(unit.id)
        if letter is None:
            letter = Letter(
                unit=unit,
                campaign_id=campaign.id if campaign else None,
                template=template,
                status=LetterStatus.DRAFT,
                letter_date=day,
            )
            session.add(letter)
            created += 1
        elif letter.status == LetterStatus.DRAFT:
            if letter.template_id != template.id:
                letter.template = template
            if letter_date is not None or letter.letter_date is None:
                letter.letter_date = day
        letters.append(letter)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise UserError("其他用户正在同时生成这些承诺书，请稍后刷新再试。") from exc
    return letters, created


def _write_atomically(folder: Path, name: str, write: Callable[[Path], object]) -> Path:
    target = folder / name
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=folder)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; letters are ordinary files
        os.replace(tmp, target)
    except PermissionError as exc:
        raise UserError(f"无法写入“{target}”：文件可能正被其他程序（如 PDF 阅读器）打开，请关闭后重试。") from exc  # fmt: skip
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def generate_letters(
    session: Session,
    actor: Actor,
    folder: str | Path,
    *,
    unit_ids: Sequence[int] | None = None,
    letter_date: dt.date | None = None,
    combined: bool = True,
    progress: Progress | None = None,
    fonts: FontSet | None = None,
) -> BatchResult:
    """Write the letters of the units (all active units if ``unit_ids`` is None) to
    ``folder``: ``<unit name>.pdf`` each and one combined file for printing on both sides.

    Missing letters are drafted (status 起草). Audited as ``letters_generate``.
    """
    report = progress or (lambda _pct, _msg: None)
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"无法创建文件夹“{out}”：{exc.strerror or exc}") from exc
    report(1, "准备承诺书")
    letters, created = prepare_letters(session, actor, unit_ids, letter_date)
    texts = texts_of_letters(session, letters)
    result = BatchResult(folder=out, created=created)
    total = len(letters) + (1 if combined else 0)
    for n, (letter, text) in enumerate(zip(letters, texts, strict=True)):
        name = letter.unit.name
        report(2 + int(95 * n / total), f"正在生成：{name}（{n + 1}/{len(letters)}）")
        path = _write_atomically(
            out, f"{safe_filename(name)}.pdf",
            lambda p, t=text, u=name: render_texts([t], p, fonts=fonts, title=f"{u}承诺书"),
        )  # fmt: skip
        result.files.append(path)
        result.units.append(name)
    if combined and letters:
        report(2 + int(95 * len(letters) / total), "正在生成合订本")
        holder: dict[str, int] = {}

        def write_combined(p: Path) -> None:
            holder["pages"] = render_texts(texts, p, fonts=fonts, duplex=True,
                                           title="承诺书合订本").pages  # fmt: skip

        result.combined = _write_atomically(out, combined_name(len(letters)), write_combined)
        result.pages = holder["pages"]
    record(
        session, actor, "letters_generate", "letter", None,
        detail={"folder": str(out), "units": result.units, "created": created},
    )  # fmt: skip
    report(100, "完成")
    logger.info("generated %d letters into %s", len(letters), out)
    return result
