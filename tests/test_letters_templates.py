"""Letter templates: versions in the database, validation, placeholders."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.errors import ValidationError
from controllers.letters.compose import expand_paragraphs
from controllers.letters.templates import (
    PLACEHOLDERS,
    current_template,
    default_content,
    ensure_default_template,
    fill,
    save_template_version,
    template_content,
    template_versions,
)
from controllers.permissions import PermissionDenied
from models import AuditEntry, LetterTemplate
from models.codes import Role

CLERK = Actor(user_id=None, username="li", role=Role.CITY_CLERK, display_name="李")


def test_default_template_has_placeholders_signatures_and_defaults():
    content = default_content()
    assert content.title == "“散乱污”企业持续整治工作承诺书"
    used = content.placeholders_used()
    for name in ("unit_name", "head_name", "year", "self_check_deadline", "requirements"):
        assert name in used
    assert used <= set(PLACEHOLDERS)
    assert [s.party for s in content.signatures] == ["甲方", "乙方"]
    assert content.signatures[0].dated
    assert not content.signatures[1].dated
    assert len(content.defaults["requirements"].splitlines()) == 4  # the four requirements


def test_versions_are_saved_never_edited(database):
    with database.session() as s:
        v1 = ensure_default_template(s)
        assert ensure_default_template(s).id == v1.id  # idempotent
        content = template_content(v1)
        content.paragraphs.append("新增的一段：{unit_name}。")
        v2 = save_template_version(s, CLERK, content, based_on_version=1)
        s.commit()
        assert v2.version_no == 2
        assert current_template(s).id == v2.id
        assert template_content(s.get(LetterTemplate, v1.id)) == default_content()
        assert [v.version_no for v in template_versions(s)] == [2, 1]
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "template_save")).one()
        assert audit.object_id == str(v2.id)
        assert json.loads(audit.detail)["version_no"] == 2


def test_a_stale_or_unchanged_save_is_refused(sqlite_db):
    with sqlite_db.session() as s:
        content = template_content(ensure_default_template(s))
        with pytest.raises(ValidationError, match="没有改动"):
            save_template_version(s, CLERK, content, based_on_version=1)
        changed = dataclasses.replace(content, title="新标题")
        save_template_version(s, CLERK, changed, based_on_version=1)
        s.commit()
        other = dataclasses.replace(content, title="另一位业务员的标题")
        with pytest.raises(ValidationError, match="已被其他用户保存为第 2 版"):
            save_template_version(s, CLERK, other, based_on_version=1)
        assert s.query(LetterTemplate).count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": " "}, "请填写承诺书标题"),
        ({"paragraphs": ["", "  "]}, "正文不能为空"),
        ({"paragraphs": ["{unit_nmae}承诺"]}, r"未知的占位符：\{unit_nmae\}"),
        ({"paragraphs": ["由{unit_name承诺"]}, "花括号不成对"),
        ({"issuer_name": ""}, "请填写发文单位"),
        ({"defaults": {"unit_name": "x"}}, "不能为“unit_name”设置默认值"),
    ],
)
def test_bad_templates_are_refused_with_a_clear_message(sqlite_db, change, message):
    with sqlite_db.session() as s:
        content = template_content(ensure_default_template(s))
        with pytest.raises(ValidationError, match=message):
            save_template_version(s, CLERK, dataclasses.replace(content, **change), 1)


def test_only_letter_managers_save_templates(sqlite_db):
    county = Actor(user_id=None, username="x", role=Role.COUNTY_CLERK, unit_id=1)
    leader = Actor(user_id=None, username="y", role=Role.LEADER)
    with sqlite_db.session() as s:
        content = dataclasses.replace(template_content(ensure_default_template(s)), title="新")
        for actor in (county, leader):
            with pytest.raises(PermissionDenied, match="无权管理承诺书"):
                save_template_version(s, actor, content, 1)
        save_template_version(s, SYSTEM, content, 1)


def test_the_first_storage_format_still_reads():
    tpl = LetterTemplate(name="旧", title="旧标题", issuer_name="局", body='["第一段", "第二段"]')
    content = template_content(tpl)
    assert content.paragraphs == ["第一段", "第二段"]
    assert [s.party for s in content.signatures] == ["甲方", "乙方"]


def test_values_are_inserted_literally_and_requirements_expand():
    values = {"unit_name": "高新区{year}<&>", "year": "2026",
              "requirements": "全面开展“回头看”\n持续排查整治。"}  # fmt: skip
    assert fill("{unit_name}承诺", values) == "高新区{year}<&>承诺"
    assert fill("{unknown}", values) == "{unknown}"
    out = expand_paragraphs(["一、工作要求", "{requirements}", "要求：{requirements}"], values)
    assert out == [
        "一、工作要求",
        "（一）全面开展“回头看”。",
        "（二）持续排查整治。",
        "要求：全面开展“回头看”；持续排查整治",
    ]
