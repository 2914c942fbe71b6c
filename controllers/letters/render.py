"""PDFs of commitment letters in the official document layout (GB/T 9704-2012)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.documents.fonts import FontSet
from controllers.documents.official import (
    Block,
    BuildResult,
    OfficialDocument,
    Paragraph,
    SignatureBlock,
    Signatures,
    Title,
)
from controllers.errors import NotFoundError
from controllers.letters.compose import (
    LetterText,
    current_campaign,
    letter_text,
    letter_values,
    shared_values,
)
from controllers.letters.templates import (
    TemplateContent,
    ensure_default_template,
    template_content,
)
from controllers.permissions import Permission, require, unit_scope
from models import Campaign, Letter, Unit

AUTHOR = "市生态环境局"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_FULL_WIDTH = {"\\": "＼", "/": "／", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜",
               ">": "＞", "|": "｜"}  # fmt: skip


def safe_filename(name: str) -> str:
    """A file name from a unit name: characters Windows forbids become full-width ones."""
    out = _UNSAFE.sub(lambda m: _FULL_WIDTH.get(m.group(), ""), name).strip(" .")
    return out or "未命名"


def letter_blocks(text: LetterText) -> list[Block]:
    """Title, body paragraphs and both parties' signature blocks."""
    signatures = [
        SignatureBlock(org=org, signer=signer or None, date=date, party=party or None)
        for party, org, signer, date in text.signatures
    ]
    blocks: list[Block] = [Title(text.title), *(Paragraph(p) for p in text.paragraphs)]
    if signatures:
        blocks.append(Signatures(signatures))
    return blocks


def render_texts(
    texts: Sequence[LetterText],
    target: str | Path | BinaryIO,
    *,
    fonts: FontSet | None = None,
    duplex: bool = False,
    title: str = "承诺书",
) -> BuildResult:
    """Write letters to one PDF, each numbered from page 1 (duplex: each on a new sheet)."""
    doc = OfficialDocument(fonts, title=title, author=AUTHOR, subject="承诺书")
    return doc.build([letter_blocks(t) for t in texts], target, duplex=duplex)


def texts_of_letters(session: Session, letters: Sequence[Letter]) -> list[LetterText]:
    """The printed text of stored letters, each from the template version it remembers."""
    shared: dict[tuple[int | None, int], tuple[TemplateContent, dict[str, str]]] = {}
    out = []
    for letter in letters:
        key = (letter.campaign_id, letter.template_id)
        if key not in shared:
            content = template_content(letter.template)
            campaign = session.get(Campaign, letter.campaign_id) if letter.campaign_id else None
            shared[key] = content, shared_values(session, campaign, content)
        content, common = shared[key]
        values = letter_values(common, letter.unit, letter.letter_date, letter.due_on)
        out.append(letter_text(content, values, letter.letter_date))
    return out


def letter_pdf(
    session: Session, actor: Actor, letter_id: int, fonts: FontSet | None = None
) -> tuple[str, bytes]:
    """(file name, PDF bytes) of one stored letter; a county clerk only sees their own unit's."""
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise NotFoundError("该承诺书不存在（可能已被删除）。")
    require(actor, Permission.VIEW, letter.unit_id)
    buf = io.BytesIO()
    render_texts(texts_of_letters(session, [letter]), buf, fonts=fonts,
                 title=f"{letter.unit.name}承诺书")  # fmt: skip
    return f"{safe_filename(letter.unit.name)}.pdf", buf.getvalue()


def letters_pdf(
    session: Session, actor: Actor, letter_ids: Sequence[int], fonts: FontSet | None = None
) -> tuple[str, bytes]:
    """(file name, PDF bytes) of several letters in unit order, for printing on both sides."""
    letters = session.scalars(
        select(Letter).join(Unit).where(Letter.id.in_(list(letter_ids))).order_by(Unit.sort_order)
    ).all()
    if len(letters) != len(set(letter_ids)):
        raise NotFoundError("所选的承诺书有的已不存在，请刷新后重试。")
    for letter in letters:
        require(actor, Permission.VIEW, letter.unit_id)
    buf = io.BytesIO()
    render_texts(texts_of_letters(session, letters), buf, fonts=fonts, duplex=True, title="承诺书")
    return f"承诺书（{len(letters)}份）.pdf", buf.getvalue()


def preview_pdf(
    session: Session,
    content: TemplateContent,
    unit_id: int | None = None,
    letter_date: dt.date | None = None,
    fonts: FontSet | None = None,
    *,
    actor: Actor | None = None,
) -> bytes:
    """A letter made from unsaved template content for one unit (the editor's live preview).

    With ``actor``, only a unit whose data the actor may read (a county clerk: their own).
    """
    if actor is not None and unit_id is None:
        unit_id = unit_scope(actor)
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        unit = session.scalar(select(Unit).order_by(Unit.sort_order).limit(1))
    if unit is None:
        raise NotFoundError("没有责任单位，无法预览。")
    if actor is not None:
        require(actor, Permission.VIEW, unit.id)
    day = letter_date or dt.date.today()
    values = letter_values(shared_values(session, current_campaign(session), content), unit, day)
    buf = io.BytesIO()
    render_texts([letter_text(content, values, day)], buf, fonts=fonts, title="承诺书预览")
    return buf.getvalue()


def default_preview_content(session: Session) -> TemplateContent:
    """The current template's content (creating version 1 if the database has none)."""
    return template_content(ensure_default_template(session))
