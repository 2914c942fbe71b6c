"""The permit register (排污许可 / 排污登记): read a permit list, keep it, match it to closed cases.

A list has one row per permitted enterprise — 单位名称, 统一社会信用代码, 生产经营场所地址,
行业类别, 发证日期, 许可证编号 (header synonyms in :data:`PERMIT_COLUMNS`). The file is opened
by the county-return reader, so a damaged, encrypted, empty or oversized file gets the same
clear message as a county return or a power list; a row whose date cannot be read is reported
by sheet, row and column and nothing is imported. Each permit's unit is told from its address
as the power import does (a county clerk's import is their own unit's); its 行业类别 is filed
under the industry catalog as a county return's word is.

类散乱污 (issue 17): a permit dated after the close-out of a closed 关停取缔 case, at the same or
an adjacent address (same village, house numbers at most :data:`NEAR_NUMBERS` apart) and of the
same trade, raises a ``similar`` candidate naming the permit (``case_id`` is None).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.leads.address import AddressParser, fold, name_key
from controllers.leads.list_file import (
    HEADER_ROWS,
    ListFileError,
    ListHeader,
    ListRow,
    header_texts,
    read_list_file,
)
from controllers.leads.scoring import (
    CLOSE_BUSINESS_NAME,
    NEAR_NUMBERS,
    THRESHOLD,
    W_INDUSTRY,
    W_NAME,
    W_NEAR_ADDRESS,
    W_SAME_ADDRESS,
    Candidate,
    Site,
)
from controllers.permissions import Permission, require, scope_to_unit, unit_scope
from controllers.returns.industries import load_matcher
from controllers.returns.normalise import CellError, to_date, to_text
from models import Permit, Unit
from models.base import now
from models.codes import Classification

PERMIT_COLUMNS: dict[str, list[str]] = {
    "name": ["单位名称", "企业名称", "排污单位名称", "名称", "单位"],
    "credit_code": ["统一社会信用代码", "社会信用代码", "信用代码", "组织机构代码"],
    "address": ["生产经营场所地址", "经营场所地址", "生产地址", "注册地址", "地址", "单位地址"],
    "industry": ["行业类别", "行业", "所属行业", "行业分类"],
    "permit_date": ["发证日期", "登记日期", "发证时间", "许可日期", "颁发日期"],
    "permit_no": ["许可证编号", "排污许可证编号", "证书编号", "登记编号", "许可证号", "编号"],
}
FIELD_LABELS = {"name": "单位名称", "credit_code": "统一社会信用代码",
                "address": "生产经营场所地址", "industry": "行业类别",
                "permit_date": "发证日期", "permit_no": "许可证编号"}  # fmt: skip
_WANTED = {k: {fold(h) for h in v} for k, v in PERMIT_COLUMNS.items()}
#: weight of a permit issued after the close-out (required for a permit candidate)
W_PERMIT = 0.15
PERMIT_KIND_LABEL = "排污许可"


class PermitFileError(ListFileError):
    """Rows of a permit list cannot be used; ``problems`` says where (nothing was imported)."""


@dataclass
class PermitRow:
    name: str
    credit_code: str | None
    address: str | None
    industry: str | None
    permit_date: dt.date | None
    permit_no: str | None


@dataclass
class PermitFile:
    rows: list[PermitRow] = field(default_factory=list)


def _permit_header(row) -> ListHeader | None:
    """A permit list's header: the name, the address and at least one more field."""
    placed: dict[str, int] = {}
    for i, v in enumerate(row):
        t = fold(to_text(v) or "")
        for k, hs in _WANTED.items():
            if t in hs and k not in placed:
                placed[k] = i
                break
    if "name" in placed and "address" in placed and len(placed) >= 3:
        return ListHeader(placed, header_texts(row))
    return None


def _permit_row(line: ListRow) -> PermitRow | None:
    unit_name = line.text("name")
    if not unit_name:
        line.problem(line.header.columns["name"], "单位名称为空。")
        return None
    try:
        issued = to_date(line.raw("permit_date"), None)
    except CellError as exc:
        line.problem(line.header.columns["permit_date"], str(exc))
        return None
    return PermitRow(unit_name, line.text("credit_code"), line.text("address"),
                     line.text("industry"), issued, line.text("permit_no"))  # fmt: skip


def read_permit_file(path: str | Path, filename: str | None = None) -> PermitFile:
    """Rows of a permit list; raises UnreadableFile or PermitFileError with the reasons."""
    labels = "、".join(FIELD_LABELS.values())
    rows = read_list_file(
        path, filename, find_header=_permit_header, name_field="name", read_row=_permit_row,
        error=PermitFileError,
        no_header=f"文件“{{name}}”中找不到排污许可名单的表头：前 {HEADER_ROWS} 行内应有{labels}等列"
        "（至少要有单位名称和地址）。",
        no_rows="文件“{name}”的表头下没有任何单位。",
    )  # fmt: skip
    return PermitFile(rows)


@dataclass
class PermitImportResult:
    rows: int
    unplaced: int  # permits whose unit could not be told from the address
    filename: str
    permit_ids: list[int] = field(default_factory=list)


def store_permit_file(session: Session, actor: Actor, path: str | Path,
                      filename: str | None = None) -> PermitImportResult:  # fmt: skip
    """Read a permit list and keep its enterprises (no commit; audited)."""
    require(actor, Permission.EDIT_CASES)
    name = filename or Path(path).name
    data = read_permit_file(path, name)
    from controllers.leads.scan import parser_for

    parser = parser_for(session)
    matcher = load_matcher(session)
    units = [(u.id, u.name, u.short_name) for u in session.scalars(select(Unit))]
    own = unit_scope(actor)
    stamp = now()
    permits = []
    unplaced = 0
    for row in data.rows:
        unit_id = own or parser.unit_of(row.address or "", units)
        unplaced += unit_id is None
        permits.append(
            Permit(unit_id=unit_id, name=row.name[:200],
                   credit_code=(row.credit_code or "")[:40] or None,
                   address=(row.address or "")[:300] or None,
                   industry=(row.industry or "")[:60] or None,
                   industry_id=filed_industry_id(matcher, row.industry), permit_date=row.permit_date,
                   permit_no=(row.permit_no or "")[:80] or None, source_file=name[:255],
                   imported_at=stamp, imported_by_id=actor.user_id)
        )  # fmt: skip
    session.add_all(permits)
    session.flush()
    record(session, actor, "import", "permit_list", None, detail={
        "file": name, "rows": len(permits), "unplaced": unplaced})  # fmt: skip
    return PermitImportResult(len(permits), unplaced, name, [p.id for p in permits])


def filed_industry_id(matcher, text: str | None) -> int | None:
    """The catalog industry of a permit's 行业类别: a known word or a synonym, never 其他."""
    if not text:
        return None
    found = matcher.resolve(text)
    if isinstance(found, int):
        return found
    return found.industry_id if found.how == "synonym" else None


def permit_key(rec: Permit) -> str:
    """One permit across lists: its number, else the credit code, else name and address."""
    if rec.permit_no:
        return "n" + fold(rec.permit_no)
    if rec.credit_code:
        return "c" + fold(rec.credit_code)
    digest = hashlib.sha256(f"{name_key(rec.name)}|{fold(rec.address)}".encode()).hexdigest()
    return "h" + digest[:24]


def permit_candidates(session: Session, actor: Actor, sites: list[Site],
                      parser: AddressParser) -> tuple[list[Candidate], dict[int, dict]]:  # fmt: skip
    """类散乱污 candidates of the stored permits against the closed 关停取缔 cases; and the
    permits' sides for the comparison."""
    unit_rows = list(session.execute(select(Unit.id, Unit.name, Unit.short_name)))
    units = [tuple(r) for r in unit_rows]
    unit_names = {r[0]: r[1] for r in unit_rows}
    stmt = scope_to_unit(select(Permit), actor, Permit.unit_id).order_by(Permit.id)
    latest: dict[str, Permit] = {}
    for rec in session.scalars(stmt):  # a newer list replaces a permit's older row
        latest[permit_key(rec)] = rec
    placed = []
    for key, rec in latest.items():
        if rec.permit_date is None or rec.industry_id is None:
            continue
        unit_id = rec.unit_id or parser.unit_of(rec.address or "", units)
        where = parser.parse(rec.address, unit_id)
        if unit_id is None or not where.village or where.number is None:
            continue
        placed.append((key, rec, unit_id, where))
    if not placed:
        return [], {}
    villages = {(u, w.township, w.village) for _k, _r, u, w in placed}
    by_village: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for i, s in enumerate(sites):
        if (
            s.status == "closed"
            and s.classification == Classification.SHUTDOWN.value
            and s.closed_on is not None
            and s.number is not None
            and (key := (s.unit_id, s.township, s.village)) in villages
        ):
            by_village[key].append((s.number, i))
    for v in by_village.values():
        v.sort()
    found: list[Candidate] = []
    sides: dict[int, dict] = {}
    for key, rec, unit_id, where in placed:
        numbers = by_village.get((unit_id, where.township, where.village), [])
        keys = [n for n, _ in numbers]
        lo = bisect.bisect_left(keys, where.number - NEAR_NUMBERS)
        hi = bisect.bisect_right(keys, where.number + NEAR_NUMBERS)
        for _n, i in numbers[lo:hi]:
            old = sites[i]
            if old.industry_id != rec.industry_id or not rec.permit_date > old.closed_on:
                continue
            gap = abs(where.number - old.number)
            how = "同一门牌" if gap == 0 else f"同村相距 {gap} 个门牌号"
            score = (W_SAME_ADDRESS if gap == 0 else W_NEAR_ADDRESS) + W_INDUSTRY + W_PERMIT
            evidence = [
                {"field": "address", "this": rec.address or "", "other": old.address_text,
                 "how": how},
                {"field": "industry", "this": rec.industry or "", "other": old.industry_text,
                 "how": "同一行业"},
            ]  # fmt: skip
            permit_name = name_key(rec.name)
            if permit_name and old.name:
                similarity = fuzz.ratio(permit_name, old.name)
                if similarity >= CLOSE_BUSINESS_NAME:
                    score += W_NAME * similarity / 100
                    evidence.append({"field": "name", "this": rec.name, "other": old.name_text,
                                     "how": f"相似 {similarity:.0f}%"})  # fmt: skip
            evidence.append({
                "field": "permit",
                "this": f"{rec.name}（许可证编号 {rec.permit_no or '无'}，发证 {rec.permit_date.isoformat()}）",
                "other": f"销号 {old.closed_on.isoformat()}",
                "how": "销号后在原址或附近取得排污许可",
            })  # fmt: skip
            score = min(score, 1.0)
            if score < THRESHOLD:
                continue
            found.append(Candidate("similar", None, old.case_id, score, evidence, old.unit_id,
                                   old.unit_id, permit_id=rec.id,
                                   extra={"permit": key}))  # fmt: skip
            sides[rec.id] = {
                "case_id": "", "unit": unit_names.get(unit_id, ""), "name": rec.name,
                "owner": "", "phone": "", "address": rec.address or "",
                "industry": rec.industry or "", "products": "",
                "classification": PERMIT_KIND_LABEL,
                "status": f"许可证编号 {rec.permit_no or ''}",
                "seen_on": rec.permit_date.isoformat(), "closed_on": "",
                "credit_code": rec.credit_code or "",
            }  # fmt: skip
    return found, sides
