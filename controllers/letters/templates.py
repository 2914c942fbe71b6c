"""Commitment letter templates: the bundled default and its versions in the database.

A template has a title, body paragraphs with placeholders such as ``{unit_name}``, the
signature blocks of both parties and default values for placeholders the campaign may not
supply. Versions are never edited: saving makes a new version, and each letter keeps the
version it was made from.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import NotFoundError, ValidationError
from controllers.listings import unit_names_by_id
from controllers.permissions import Permission, require
from models import Letter, LetterTemplate, User
from resources import resource_path

DEFAULT_KEY = "commitment"

#: placeholder → what it is filled with (shown in the template editor)
PLACEHOLDERS: dict[str, str] = {
    "unit_name": "责任单位名称（如：灵寿县）",
    "unit_short_name": "责任单位简称（如：灵寿）",
    "unit_org": "承诺单位（乙方，如：石家庄市生态环境局灵寿县分局；园区为园区生态环境局）",
    "head_name": "责任单位主要负责同志姓名",
    "head_title": "主要负责同志职务（如：县长）",
    "city_name": "本市名称（系统设置）",
    "issuer_name": "发文单位（市生态环境局）",
    "year": "专项行动年度（如：2026）",
    "campaign_name": "专项行动名称",
    "plan_title": "专项行动方案名称（含书名号）",
    "list_years": "以往年度清单（如：2024、2025年）",
    "mobilise_deadline": "动员部署阶段截止日期",
    "self_check_deadline": "全面自查阶段截止日期（如：2026年5月25日）",
    "accountability_deadline": "排查问责阶段截止日期",
    "requirements": "专项行动的四项要求（单独成段时逐条编为（一）（二）……）",
    "letter_date": "承诺书落款日期",
    "due_date": "签署件应返回日期",
}
#: placeholders that may take a default value in the template
DEFAULTABLE = (
    "plan_title",
    "list_years",
    "mobilise_deadline",
    "self_check_deadline",
    "accountability_deadline",
    "requirements",
    "year",
    "campaign_name",
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_PARAGRAPHS = 200


@dataclass
class SignatureSpec:
    """A signing party of the template: its label, organisation and signer line."""

    party: str = ""
    org: str = ""
    signer: str = ""
    dated: bool = False  # the letter date is printed under it (else a blank date to fill in)


@dataclass
class TemplateContent:
    """The editable content of a template version."""

    name: str
    title: str
    issuer_name: str
    paragraphs: list[str]
    signatures: list[SignatureSpec] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)

    def body_json(self) -> str:
        """The ``body`` column: paragraphs, signature blocks and defaults as JSON."""
        data = {
            "paragraphs": self.paragraphs,
            "signatures": [asdict(s) for s in self.signatures],
            "defaults": self.defaults,
        }
        return json.dumps(data, ensure_ascii=False)

    def placeholders_used(self) -> set[str]:
        texts = [self.title, self.issuer_name, *self.paragraphs, *self.defaults.values()]
        texts += [t for s in self.signatures for t in (s.party, s.org, s.signer)]
        return {m.group(1) for t in texts for m in _PLACEHOLDER.finditer(t)}


@dataclass(frozen=True)
class TemplateVersion:
    """One saved version, for the version list."""

    id: int
    version_no: int
    name: str
    created_at: Any
    created_by: str
    letters: int  # letters made from this version


def load_default_template() -> dict:
    """The bundled default template (resources/templates/commitment_letter.json)."""
    with resource_path("templates", "commitment_letter.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def _content_from(
    name: str, title: str, issuer: str, body: Any, fallback_signatures: bool = True
) -> TemplateContent:
    if isinstance(body, str):
        body = json.loads(body)
    if isinstance(body, list):  # the first format: a list of paragraphs
        body = {"paragraphs": body}
    signatures = [SignatureSpec(**s) for s in body.get("signatures", [])]
    if not signatures and fallback_signatures:
        signatures = [SignatureSpec(**s) for s in load_default_template()["body"]["signatures"]]
    return TemplateContent(
        name=name,
        title=title,
        issuer_name=issuer,
        paragraphs=[str(p) for p in body.get("paragraphs", [])],
        signatures=signatures,
        defaults={str(k): str(v) for k, v in body.get("defaults", {}).items()},
    )


def default_content() -> TemplateContent:
    """The bundled default as editable content."""
    data = load_default_template()
    return _content_from(data["name"], data["title"], data["issuer_name"], data["body"])


def template_content(tpl: LetterTemplate) -> TemplateContent:
    """The content of a stored version (either storage format)."""
    return _content_from(tpl.name, tpl.title, tpl.issuer_name, tpl.body)


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
    content = default_content()
    count = session.scalar(select(func.count()).select_from(LetterTemplate)) or 0
    tpl = LetterTemplate(
        key=data.get("key", DEFAULT_KEY),
        version_no=count + 1,
        name=content.name,
        title=content.title,
        body=content.body_json(),
        issuer_name=content.issuer_name,
    )
    session.add(tpl)
    session.flush()
    return tpl


def editor_state(
    session: Session, actor: Actor
) -> tuple[TemplateContent, int, list[TemplateVersion], list[tuple[int, str]]]:
    """(newest version's content, its number, every version, the units ``actor`` may read as
    (id, name)) for the template editor; version 1 is created from the bundled default if
    there is none yet. A county clerk previews only their own unit's letter."""
    tpl = ensure_default_template(session)
    units = unit_names_by_id(session)
    if actor.is_unit_scoped:
        units = [(i, n) for i, n in units if i == actor.unit_id]
    return template_content(tpl), tpl.version_no, template_versions(session), units


def template_versions(session: Session, key: str = DEFAULT_KEY) -> list[TemplateVersion]:
    """Every saved version, newest first, with how many letters each made."""
    used = dict(
        session.execute(select(Letter.template_id, func.count()).group_by(Letter.template_id)).all()
    )
    rows = session.execute(
        select(LetterTemplate, User.display_name, User.username)
        .outerjoin(User, User.id == LetterTemplate.created_by_id)
        .where(LetterTemplate.key == key)
        .order_by(LetterTemplate.version_no.desc())
    ).all()
    return [
        TemplateVersion(
            t.id, t.version_no, t.name, t.created_at, dn or un or "系统", used.get(t.id, 0)
        )
        for t, dn, un in rows
    ]


def get_template(session: Session, template_id: int) -> LetterTemplate:
    tpl = session.get(LetterTemplate, template_id)
    if tpl is None:
        raise NotFoundError("该模板版本不存在。")
    return tpl


def validate_content(content: TemplateContent) -> None:
    """Raise :class:`ValidationError` naming the first problem of the content, in Chinese."""
    if not content.name.strip():
        raise ValidationError("请填写模板名称。", "name")
    if len(content.name) > 120:
        raise ValidationError("模板名称不能超过 120 个字。", "name")
    if not content.title.strip():
        raise ValidationError("请填写承诺书标题。", "title")
    if len(content.title) > 200:
        raise ValidationError("标题不能超过 200 个字。", "title")
    if not content.issuer_name.strip():
        raise ValidationError("请填写发文单位。", "issuer_name")
    if len(content.issuer_name) > 120:
        raise ValidationError("发文单位不能超过 120 个字。", "issuer_name")
    paragraphs = [p for p in content.paragraphs if p.strip()]
    if not paragraphs:
        raise ValidationError("正文不能为空：至少写一段。", "paragraphs")
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise ValidationError(f"正文最多 {MAX_PARAGRAPHS} 段。", "paragraphs")
    unknown = sorted(content.placeholders_used() - set(PLACEHOLDERS))
    if unknown:
        names = "、".join("{" + u + "}" for u in unknown)
        raise ValidationError(
            f"模板中有未知的占位符：{names}。可用的占位符见编辑器右侧列表。", "paragraphs"
        )
    for where, text in _texts(content):
        if _PLACEHOLDER.sub("", text).count("{") or _PLACEHOLDER.sub("", text).count("}"):
            raise ValidationError(
                f"{where}中的花括号不成对：占位符应写成 {{unit_name}} 这样。", "paragraphs"
            )
    bad_defaults = sorted(set(content.defaults) - set(DEFAULTABLE))
    if bad_defaults:
        raise ValidationError(f"不能为“{'、'.join(bad_defaults)}”设置默认值。", "defaults")
    for s in content.signatures:
        if not s.org.strip():
            raise ValidationError("签署栏的单位不能为空。", "signatures")


def _texts(content: TemplateContent) -> list[tuple[str, str]]:
    out = [("标题", content.title), ("发文单位", content.issuer_name)]
    out += [(f"正文第 {i} 段", p) for i, p in enumerate(content.paragraphs, start=1)]
    out += [(f"默认值“{k}”", v) for k, v in content.defaults.items()]
    return out


def save_template_version(
    session: Session,
    actor: Actor,
    content: TemplateContent,
    based_on_version: int | None,
    key: str = DEFAULT_KEY,
) -> LetterTemplate:
    """Save ``content`` as a new version (versions are never edited); flushes, audits.

    ``based_on_version`` is the newest version number the clerk saw when starting to edit;
    if another clerk saved a newer one meanwhile, nothing is written and the clerk is told.
    """
    require(actor, Permission.MANAGE_LETTERS)
    content = TemplateContent(
        name=content.name.strip(),
        title=content.title.strip(),
        issuer_name=content.issuer_name.strip(),
        paragraphs=[p.strip() for p in content.paragraphs if p.strip()],
        signatures=list(content.signatures),
        defaults={k: v for k, v in content.defaults.items() if v.strip()},
    )
    validate_content(content)
    latest = current_template(session, key)
    latest_no = latest.version_no if latest else None
    if latest_no != based_on_version:
        raise ValidationError(
            f"模板已被其他用户保存为第 {latest_no} 版（您编辑的是第 {based_on_version} 版），"
            "未保存。请重新打开模板，在最新版本上修改。"
        )
    if latest is not None and template_content(latest) == content:
        raise ValidationError("模板没有改动，无需保存新版本。")
    max_no = session.scalar(
        select(func.max(LetterTemplate.version_no)).where(LetterTemplate.key == key)
    )
    tpl = LetterTemplate(
        key=key,
        version_no=(max_no or 0) + 1,
        name=content.name,
        title=content.title,
        body=content.body_json(),
        issuer_name=content.issuer_name,
        created_by_id=actor.user_id,
    )
    session.add(tpl)
    session.flush()
    record(session, actor, "template_save", "letter_template", tpl.id,
           detail={"key": key, "version_no": tpl.version_no})  # fmt: skip
    return tpl


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{placeholder}`` with its value; the values are inserted literally."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
