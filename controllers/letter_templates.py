"""Commitment letter templates: the bundled default and its versions in the database."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import LetterTemplate
from resources import resource_path

DEFAULT_KEY = "commitment"


def load_default_template() -> dict:
    """The bundled default template (resources/templates/commitment_letter.json)."""
    with resource_path("templates", "commitment_letter.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def current_template(session: Session, key: str = DEFAULT_KEY) -> LetterTemplate | None:
    """The newest version of a template."""
    return session.scalar(
        select(LetterTemplate)
        .where(LetterTemplate.key == key)
        .order_by(LetterTemplate.version_no.desc())
        .limit(1)
    )


def ensure_default_template(session: Session) -> LetterTemplate:
    """The current commitment template, creating version 1 from the bundled default if none."""
    existing = current_template(session)
    if existing is not None:
        return existing
    data = load_default_template()
    count = session.scalar(select(func.count()).select_from(LetterTemplate)) or 0
    tpl = LetterTemplate(
        key=data.get("key", DEFAULT_KEY),
        version_no=count + 1,
        name=data["name"],
        title=data["title"],
        body=json.dumps(data["body"], ensure_ascii=False),
        issuer_name=data["issuer_name"],
    )
    session.add(tpl)
    session.flush()
    return tpl
