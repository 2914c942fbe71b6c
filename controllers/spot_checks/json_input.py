"""A check described in a JSON file (``checks add FILE.json``)::

    {"date": "2026-05-07", "group": "第1执法检查组", "unit": "灵寿县", "leader": "王强",
     "members": ["李明", {"name": "赵刚", "post": "执法大队"}],
     "sites": [
       {"case_id": 12},
       {"case": "灵寿县东关村蛭石加工厂", "result": "死灰复燃", "note": "原址恢复生产"},
       {"name": "无名加工点", "address": "灵寿镇北关村12号", "result": "new_case",
        "owner": "孙某", "phone": "13900000000", "classification": "关停取缔",
        "photos": ["现场1.jpg"]}
     ]}

``result`` is a code or label of :class:`models.codes.FindingKind`, or 正常 / ok / omitted.
Photo paths are relative to the JSON file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.attachments import MAX_ATTACHMENT_BYTES
from controllers.cases.case_edit import EvidenceFile
from controllers.errors import UserError, ValidationError
from controllers.spot_checks.entry import CheckInput, MemberInput, NewSite, SiteInput
from controllers.units import unit_ids_by_names
from models import Case
from models.codes import Classification, FindingKind

MAX_FILE_BYTES = 2 * 1024 * 1024
OK_WORDS = {"", "ok", "正常", "无问题", "none"}


class UnreadableFile(UserError):
    """The file is not a JSON description of a check."""


def read_check_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile(f"文件“{p.name}”超过 2 MB，不是一份抽查记录。")
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UnreadableFile(f"找不到文件：{p}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(f"文件“{p.name}”不是有效的 JSON（UTF-8）：{exc}") from None
    if not isinstance(data, dict):
        raise UnreadableFile(f"文件“{p.name}”应为一个 JSON 对象（一次检查）。")
    return data


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"日期应写成 2026-05-07：{value}", field="date") from None


def parse_check(session: Session, data: dict[str, Any], base: Path | None = None) -> CheckInput:
    """The check a JSON object describes; unknown units, cases or results are errors."""
    for key in ("date", "group", "unit"):
        if not data.get(key):
            raise ValidationError(f"缺少“{key}”。", field=key)
    unit_id = unit_ids_by_names(session, [str(data["unit"])])[0]
    members = []
    for m in data.get("members") or []:
        if isinstance(m, str):
            members.append(MemberInput(m))
        elif isinstance(m, dict) and m.get("name"):
            members.append(MemberInput(str(m["name"]), m.get("post"), bool(m.get("leader"))))
        else:
            raise ValidationError(f"无法识别的检查人员：{m}", field="members")
    sites = [_site(session, s, unit_id, base, i) for i, s in enumerate(data.get("sites") or [], 1)]
    return CheckInput(
        checked_on=_date(data["date"]), group_name=str(data["group"]), unit_id=unit_id,
        members=tuple(members), sites=tuple(sites), leader=data.get("leader"),
        note=data.get("note"),
    )  # fmt: skip


def _site(session: Session, s: Any, unit_id: int, base: Path | None, i: int) -> SiteInput:
    where = f"第{i}个点位"
    if not isinstance(s, dict):
        raise ValidationError(f"{where}应为一个对象。", field="sites")
    result = str(s.get("result") or "").strip()
    outcome = None
    if result.lower() not in OK_WORDS:
        outcome = FindingKind.parse(result)
        if outcome is None:
            labels = "、".join(k.label for k in FindingKind)
            raise ValidationError(f"{where}的检查结果“{result}”无法识别（可用：正常、{labels}）。")
    case_id = s.get("case_id")
    if case_id is None and s.get("case"):
        ids = session.scalars(
            select(Case.id).where(Case.unit_id == unit_id, Case.name == str(s["case"]).strip())
        ).all()
        if len(ids) != 1:
            found = "找不到" if not ids else f"有 {len(ids)} 家同名企业，请改用 case_id"
            raise ValidationError(f"{where}：清单中{found}“{s['case']}”。", field="sites")
        case_id = ids[0]
    photos = tuple(_photo(base, p) for p in s.get("photos") or [])
    new_site = None
    if outcome == FindingKind.NEW_CASE:
        classification = Classification.parse(s.get("classification") or "关停取缔")
        if classification is None:
            raise ValidationError(f"{where}的整治类型“{s.get('classification')}”无法识别。")
        new_site = NewSite(owner=s.get("owner"), phone=s.get("phone"),
                           classification=classification)  # fmt: skip
    return SiteInput(
        site_name=str(s.get("name") or ""), address=s.get("address"),
        case_id=int(case_id) if case_id is not None else None, outcome=outcome,
        note=s.get("note"), photos=photos, new_site=new_site,
    )  # fmt: skip


def _photo(base: Path | None, name: str) -> EvidenceFile:
    p = Path(name)
    if not p.is_absolute() and base is not None:
        p = base / p
    if not p.is_file():
        raise ValidationError(f"找不到照片：{p}", field="photos")
    if p.stat().st_size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(f"照片“{p.name}”超过附件上限。", field="photos")
    return EvidenceFile(p.name, p.read_bytes())
