"""The power company's list (电力数据研判): read it, keep it, match it to closed cases.

A list has one row per premises — 户名, 户号, 用电地址, 行业 — and one column per month of
consumption (``2026-03``, ``2026年3月``, ``202603``, a date cell…). Which headers name which
field, and from how many kWh a month counts as "consumption resumed", are settings
(:data:`COLUMNS_SETTING`, :data:`THRESHOLD_SETTING`). The file is opened by the county-return
reader, so a damaged, encrypted, empty or oversized file gets the same clear message; a row
whose consumption is not a number is reported by sheet, row and column and nothing is imported.

A premises is matched to a closed 关停取缔 / 整合搬迁 case by address (same village, the same or a
nearby house number) and by name (户名 = the owner or the enterprise's name); a candidate is
raised when some month after the close-out reaches the threshold.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.errors import UserError
from controllers.leads.address import Address, AddressParser, fold, name_key
from controllers.leads.list_file import (
    HEADER_ROWS,
    ListFileError,
    ListHeader,
    ListRow,
    header_texts,
    read_list_file,
)
from controllers.leads.scoring import (
    NEAR_NUMBERS,
    OLD_CLASSIFICATIONS,
    THRESHOLD,
    W_NEAR_ADDRESS,
    W_OWNER,
    W_SAME_ADDRESS,
    Candidate,
    Site,
    rarity,
)
from controllers.permissions import Permission, require, scope_to_unit, unit_scope
from controllers.returns.normalise import to_text
from controllers.settings import get_setting, set_setting
from models import PowerImport, PowerRecord, Unit

COLUMNS_SETTING = "leads.power_columns"
THRESHOLD_SETTING = "leads.power_threshold_kwh"
DEFAULT_COLUMNS: dict[str, list[str]] = {
    "holder": ["户名", "用户名称", "客户名称", "用电户名"],
    "account_no": ["户号", "用户编号", "客户编号", "电表户号"],
    "address": ["用电地址", "地址", "用户地址", "装表地址"],
    "industry": ["行业", "行业分类", "用电行业", "行业类别"],
}
FIELD_LABELS = {"holder": "户名", "account_no": "户号", "address": "用电地址", "industry": "行业"}
DEFAULT_THRESHOLD = 100.0
#: weight of consumption resumed after the close-out (required for a power candidate)
W_POWER = 0.2
W_BUSINESS_NAME = 0.25

_MONTH = re.compile(
    r"^(20\d{2})\s*[年\-./]?\s*(\d{1,2})\s*月?(?:份)?(?:用电量|电量|用电)?(?:\(kWh\)|（kWh）|\(千瓦时\)|（千瓦时）)?$"
)


class PowerFileError(ListFileError):
    """Rows of a power list cannot be used; ``problems`` says where (nothing was imported)."""


def power_settings(session: Session) -> tuple[dict[str, list[str]], float]:
    """The column mapping (field → header texts) and the threshold (kWh a month)."""
    columns = {**DEFAULT_COLUMNS, **(get_setting(session, COLUMNS_SETTING) or {})}
    threshold = float(get_setting(session, THRESHOLD_SETTING) or DEFAULT_THRESHOLD)
    return columns, threshold


def save_power_settings(
    session: Session, actor: Actor, columns: dict[str, list[str]], threshold: float
) -> None:
    """Change the column mapping and the threshold (administrator's settings; no commit)."""
    require(actor, Permission.MANAGE_SETTINGS)
    if threshold <= 0:
        raise UserError("用电量阈值应大于 0 千瓦时。")
    clean = {k: [fold(h) for h in v if fold(h)] for k, v in columns.items() if k in DEFAULT_COLUMNS}
    for key, headers in clean.items():
        if not headers:
            raise UserError(f"“{FIELD_LABELS[key]}”至少要对应一个表头。")
    set_setting(session, COLUMNS_SETTING, clean)
    set_setting(session, THRESHOLD_SETTING, float(threshold))
    record(session, actor, "update", "setting", COLUMNS_SETTING,
           detail={"columns": clean, "threshold": threshold})  # fmt: skip


def month_of(header: Any) -> str | None:
    """``2026-03`` for a month column's header, else None."""
    if isinstance(header, dt.datetime | dt.date):
        return f"{header.year:04d}-{header.month:02d}"
    text = fold(to_text(header) or "")
    if re.fullmatch(r"20\d{2}(0[1-9]|1[0-2])", text):
        return f"{text[:4]}-{text[4:]}"
    m = _MONTH.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


@dataclass
class PowerRow:
    holder: str | None
    account_no: str | None
    address: str | None
    industry: str | None
    readings: dict[str, float]


@dataclass
class PowerFile:
    rows: list[PowerRow] = field(default_factory=list)
    months: list[str] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = fold(str(value)).replace(",", "").removesuffix("kWh").removesuffix("千瓦时")
    if text in ("", "-", "—", "/"):
        return 0.0
    try:
        return float(text)
    except ValueError:
        return None


def _power_header(wanted: dict[str, set[str]]):
    """A power list's header: at least two known fields (the address or the holder among them)
    and month columns."""

    def find(row) -> ListHeader | None:
        cells = [fold(to_text(v) or "") for v in row]
        placed = {k: i for i, t in enumerate(cells) for k, hs in wanted.items() if t in hs}
        months = {i: m for i, v in enumerate(row) if (m := month_of(v))}
        if len(placed) >= 2 and months and ("address" in placed or "holder" in placed):
            return ListHeader(placed, header_texts(row), months)
        return None

    return find


def _power_row(line: ListRow) -> PowerRow:
    readings: dict[str, float] = {}
    for col, month in line.header.extra.items():
        raw = line.values[col] if col < len(line.values) else None
        kwh = _number(raw)
        if kwh is None or kwh < 0:
            line.problem(col, f"用电量“{raw}”不是有效的千瓦时数。")
            continue
        readings[month] = kwh
    return PowerRow(line.text("holder"), line.text("account_no"), line.text("address"),
                    line.text("industry"), readings)  # fmt: skip


def read_power_file(path: str | Path, columns: dict[str, list[str]],
                    filename: str | None = None) -> PowerFile:  # fmt: skip
    """Rows of a power list; raises UnreadableFile or PowerFileError with the reasons."""
    wanted = {k: {fold(h) for h in v} for k, v in columns.items()}
    labels = "、".join(FIELD_LABELS[k] for k in DEFAULT_COLUMNS)
    rows = read_list_file(
        path, filename, find_header=_power_header(wanted), name_field="holder",
        read_row=_power_row, error=PowerFileError,
        no_header=f"文件“{{name}}”中找不到用电数据的表头：前 {HEADER_ROWS} 行内应有{labels}等列"
        "和按月的用电量列（如“2026-03”或“2026年3月”）。表头名称不同时，请在“线索 → 导入设置”中添加对应关系。",
        no_rows="文件“{name}”的表头下没有任何用电户。",
    )  # fmt: skip
    # every row read holds a reading for each month column of its sheet
    return PowerFile(rows, sorted({m for row in rows for m in row.readings}))


@dataclass
class PowerImportResult:
    import_id: int
    rows: int
    months: list[str]
    unplaced: int  # premises whose unit could not be told from the address


def store_power_file(session: Session, actor: Actor, path: str | Path,
                     filename: str | None = None) -> PowerImportResult:  # fmt: skip
    """Read a power list and keep its premises (no commit; audited)."""
    require(actor, Permission.EDIT_CASES)
    columns, _threshold = power_settings(session)
    name = filename or Path(path).name
    data = read_power_file(path, columns, name)
    from controllers.leads.scan import parser_for

    parser = parser_for(session)
    units = [(u.id, u.name, u.short_name) for u in session.scalars(select(Unit))]
    own = unit_scope(actor)
    imp = PowerImport(filename=name[:255], unit_id=own, rows=len(data.rows),
                      imported_by_id=actor.user_id)  # fmt: skip
    session.add(imp)
    session.flush()
    unplaced = 0
    records = []
    for row in data.rows:
        unit_id = own or parser.unit_of(row.address or "", units)
        unplaced += unit_id is None
        records.append(
            PowerRecord(import_id=imp.id, unit_id=unit_id, account_no=(row.account_no or "")[:60] or None,
                        holder=(row.holder or "")[:200] or None, address=(row.address or "")[:300] or None,
                        industry=(row.industry or "")[:60] or None,
                        readings=json.dumps(row.readings, ensure_ascii=False))
        )  # fmt: skip
    session.add_all(records)
    session.flush()
    record(session, actor, "import", "power_list", imp.id, detail={
        "file": name, "rows": len(data.rows), "months": data.months, "unplaced": unplaced})  # fmt: skip
    return PowerImportResult(imp.id, len(data.rows), data.months, unplaced)


def premises_key(rec: PowerRecord) -> str:
    """One premises across lists: its 户号, else its name and address."""
    if rec.account_no:
        return fold(rec.account_no)
    digest = hashlib.sha256(f"{name_key(rec.holder)}|{fold(rec.address)}".encode()).hexdigest()
    return "h" + digest[:24]


def _month_after(month: str, day: dt.date) -> bool:
    """The whole month lies after ``day`` (consumption in the close-out month may be the last)."""
    year, mon = int(month[:4]), int(month[5:7])
    return (year, mon) > (day.year, day.month)


def power_candidates(session: Session, actor: Actor, sites: list[Site],
                     parser: AddressParser) -> tuple[list[Candidate], dict[int, dict]]:  # fmt: skip
    """Candidates of the stored power lists against the closed cases; and the premises' sides."""
    _columns, threshold = power_settings(session)
    units = [(u.id, u.name, u.short_name) for u in session.scalars(select(Unit))]
    stmt = scope_to_unit(select(PowerRecord), actor, PowerRecord.unit_id).order_by(PowerRecord.id)
    latest: dict[str, PowerRecord] = {}
    for rec in session.scalars(stmt):  # a newer list replaces a premises' older readings
        latest[premises_key(rec)] = rec
    if not latest:
        return [], {}
    # the premises first (a few hundred), then one pass over the register for the closed
    # cases in their villages or with their holders' names
    premises_at: dict[str, tuple[int | None, Address, str]] = {}
    for premises, rec in latest.items():
        unit_id = rec.unit_id or parser.unit_of(rec.address or "", units)
        premises_at[premises] = (unit_id, parser.parse(rec.address, unit_id), name_key(rec.holder))
    villages = {
        (unit_id, where.township, where.village)
        for unit_id, where, _holder in premises_at.values()
        if unit_id is not None and where.village and where.number is not None
    }
    village_names = {v for _u, _t, v in villages}
    holders = {holder for _u, _w, holder in premises_at.values() if holder}
    olds: list[Site] = []
    by_village: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    by_name: dict[str, list[int]] = defaultdict(list)
    owner_counts: Counter = Counter()
    old_classes = OLD_CLASSIFICATIONS
    for s in sites:
        if s.owner in holders:
            owner_counts[s.owner] += 1
        if s.status != "closed" or s.classification not in old_classes:
            continue
        in_village = s.village in village_names and s.number is not None
        named = s.owner in holders or s.name in holders
        if not (in_village or named):
            continue
        i = len(olds)
        olds.append(s)
        if in_village and (key := (s.unit_id, s.township, s.village)) in villages:
            by_village[key].append((s.number, i))
        for key in {s.owner, s.name}:
            if key in holders:
                by_name[key].append(i)
    for v in by_village.values():
        v.sort()
    found: list[Candidate] = []
    sides: dict[int, dict] = {}
    for premises, rec in latest.items():
        readings = json.loads(rec.readings or "{}")
        unit_id, where, holder = premises_at[premises]
        near: set[int] = set()
        if unit_id is not None and where.village and where.number is not None:
            numbers = by_village.get((unit_id, where.township, where.village), [])
            keys = [n for n, _ in numbers]
            lo = bisect.bisect_left(keys, where.number - NEAR_NUMBERS)
            hi = bisect.bisect_right(keys, where.number + NEAR_NUMBERS)
            near.update(i for _n, i in numbers[lo:hi])
        named = set(by_name.get(holder, ())) if holder else set()
        for i in near | named:
            old = olds[i]
            if unit_id is not None and old.unit_id != unit_id:
                continue
            resumed = [
                (m, kwh) for m, kwh in sorted(readings.items())
                if kwh >= threshold and old.closed_on and _month_after(m, old.closed_on)
            ]  # fmt: skip
            if not resumed:
                continue
            score, evidence = W_POWER, []
            if i in near:
                gap = abs(where.number - old.number)
                score += W_SAME_ADDRESS if gap == 0 else W_NEAR_ADDRESS
                how = "同一门牌" if gap == 0 else f"同村相距 {gap} 个门牌号"
                evidence.append({"field": "address", "this": rec.address or "",
                                 "other": old.address_text, "how": how})  # fmt: skip
            if holder and holder == old.owner:
                shared = owner_counts.get(holder, 1)
                score += W_OWNER * rarity(shared)
                evidence.append({"field": "owner", "this": rec.holder or "",
                                 "other": old.owner_text, "how": "户名与业主相同"})  # fmt: skip
            elif holder and old.name and (sim := fuzz.token_set_ratio(holder, old.name)) >= 80:
                score += W_BUSINESS_NAME * sim / 100
                evidence.append({"field": "name", "this": rec.holder or "",
                                 "other": old.name_text, "how": f"户名与企业名称相似 {sim:.0f}%"})  # fmt: skip
            if not evidence:
                continue
            months = "；".join(f"{m} {kwh:,.0f} 千瓦时" for m, kwh in resumed)
            evidence.append({"field": "power", "this": months,
                             "other": f"销号 {old.closed_on.isoformat()}",
                             "how": f"销号后用电恢复（≥ {threshold:,.0f} 千瓦时/月）"})  # fmt: skip
            score = min(score, 1.0)
            if score < THRESHOLD:
                continue
            found.append(Candidate("relapse", None, old.case_id, score, evidence,
                                   old.unit_id, old.unit_id, power_record_id=rec.id,
                                   extra={"premises": premises}))  # fmt: skip
            sides[rec.id] = {
                "case_id": "", "unit": "", "name": rec.holder or "", "owner": rec.holder or "",
                "phone": "", "address": rec.address or "", "industry": rec.industry or "",
                "products": "", "classification": "电力用户", "status": f"户号 {rec.account_no or ''}",
                "seen_on": "", "closed_on": "",
                "readings": "；".join(f"{m}: {k:,.0f}" for m, k in sorted(readings.items())),
            }  # fmt: skip
    return found, sides
