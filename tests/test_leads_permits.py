"""The permit register (排污许可 / 登记) on SQLite, PostgreSQL and MariaDB: the import (header
synonyms, unit from the address, industry filed, audit), bad files reported like a county return,
the 类散乱污 candidates a permit raises (and the look-alikes it does not), their confirmation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import Actor
from controllers.leads.decisions import confirm_lead, links_of
from controllers.leads.permits import PermitFileError, read_permit_file
from controllers.leads.scanning import import_permits, scan_leads
from controllers.leads.store import list_leads
from controllers.permissions import PermissionDenied
from controllers.returns.reader import UnreadableFile
from models import AuditEntry, Case, Lead, Permit
from models.codes import CaseStatus, Role
from models.leads import LeadKind, LeadStatus
from tests.factories import make_case, unit

CITY = Actor(user_id=None, username="city_t", role=Role.CITY_CLERK, display_name="市级")
VIEWER = Actor(user_id=None, username="leader_t", role=Role.LEADER, display_name="领导")


def _workbook(path, rows, headers=None) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "许可名单"
    sheet.append(["排污许可证发放名单（2026年）"])
    sheet.append(headers or ["单位名称", "统一社会信用代码", "生产经营场所地址", "行业类别",
                             "发证日期", "许可证编号"])  # fmt: skip
    for row in rows:
        sheet.append(row)
    book.save(path)
    book.close()


@pytest.fixture
def closed(database):
    """Closed 关停取缔 cases of 灵寿县 (蛭石), closed out 2025-06-30."""
    with database.session() as s:
        done = dict(status=CaseStatus.CLOSED, discovered_on=dt.date(2025, 3, 1),
                    completed_on=dt.date(2025, 6, 1), accepted_on=dt.date(2025, 6, 20),
                    closed_on=dt.date(2025, 6, 30))  # fmt: skip
        ids = {
            "old": make_case(s, owner="孙甲旺", phone="13911110001", village="东关村",
                             address="灵寿镇东关村12号", **done).id,
            "other": make_case(s, owner="孙乙旺", phone="13911110002", village="西关村",
                               address="灵寿镇西关村40号", **done).id,
        }  # fmt: skip
        s.commit()
    return ids


ROWS = [
    # the old address, a year after the close-out, the same trade: 类散乱污
    ["灵寿县东关村新型建材有限公司", "91130126MA0000001X", "灵寿县灵寿镇东关村12号",
     "蛭石制品制造", dt.date(2026, 3, 15), "91130126MA0000001X001V"],
    # a door away from the second old site: 类散乱污 too
    ["灵寿县西关村保温材料厂", None, "灵寿县灵寿镇西关村委会41号", "蛭石加工",
     "2026年4月2日", "91130126MA0000002X001Q"],
    # look-alikes: the old address but another trade; the same trade before the close-out;
    # the same trade far down the village
    ["灵寿县东关村豆制品厂", None, "灵寿县灵寿镇东关村12号", "豆制品加工",
     dt.date(2026, 5, 1), "91130126MA0000003X001P"],
    ["灵寿县东关村老厂", None, "灵寿县灵寿镇东关村13号", "蛭石", dt.date(2025, 1, 10),
     "91130126MA0000004X001P"],
    ["灵寿县东关村远处建材厂", None, "灵寿县灵寿镇东关村60号", "蛭石", dt.date(2026, 1, 10),
     "91130126MA0000005X001P"],
]  # fmt: skip


def test_import_keeps_the_permits_and_raises_their_quasi_candidates(database, closed, tmp_path):
    path = tmp_path / "排污许可名单.xlsx"
    _workbook(path, ROWS)
    outcome = unit_of_work.run(database, CITY, import_permits, path)
    imported, synced = outcome.value
    assert (imported.rows, imported.unplaced) == (5, 0)
    assert "leads" in outcome.topics
    found = {c.other_case_id: c for c in synced.open}
    assert set(found) == {closed["old"], closed["other"]}
    assert all(c.kind == "similar" and c.case_id is None and c.permit_id for c in synced.open)
    same = {e["field"]: e for e in found[closed["old"]].evidence}
    assert same["address"]["how"] == "同一门牌"
    assert "91130126MA0000001X001V" in same["permit"]["this"]
    assert "2026-03-15" in same["permit"]["this"]
    assert same["permit"]["other"] == "销号 2025-06-30"
    near = {e["field"]: e for e in found[closed["other"]].evidence}
    assert near["address"]["how"] == "同村相距 1 个门牌号"
    with database.session() as s:
        permits = s.scalars(select(Permit).order_by(Permit.id)).all()
        lingshou = unit(s, "灵寿县").id
        assert {p.unit_id for p in permits} == {lingshou}
        assert permits[0].credit_code == "91130126MA0000001X"
        assert permits[1].permit_date == dt.date(2026, 4, 2)
        assert permits[0].source_file == "排污许可名单.xlsx"
        assert permits[0].industry_id == s.get(Case, closed["old"]).industry_id
        assert permits[2].industry_id != permits[0].industry_id  # 豆制品 is another trade
        entry = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "permit_list")).one()
        assert (entry.action, json.loads(entry.detail)["rows"]) == ("import", 5)
        rows = list_leads(s, CITY)
        assert {r.permit_id for r in rows} == {c.permit_id for c in synced.open}
        assert rows[0].this_side["classification"] == "排污许可"
    # the register scan keeps them (no duplicate); a second import of the same list updates
    again = unit_of_work.run(database, CITY, scan_leads).value
    assert again.new == 0
    assert {c.other_case_id for c in again.open if c.permit_id} == set(found)
    unit_of_work.run(database, CITY, import_permits, path)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Permit)) == 10
        assert s.scalar(select(func.count()).select_from(Lead)) == 2


def test_confirming_a_permit_candidate_flags_the_old_case(database, closed, tmp_path):
    path = tmp_path / "许可.xlsx"
    _workbook(path, ROWS[:1])
    _imp, synced = unit_of_work.run(database, CITY, import_permits, path).value
    [cand] = synced.open
    with database.session() as s:
        lead_id = s.scalar(select(Lead.id).where(Lead.permit_id == cand.permit_id))
    unit_of_work.run(database, CITY, confirm_lead, lead_id, note="现场核实")
    with database.session() as s:
        lead = s.get(Lead, lead_id)
        assert (lead.status, lead.kind) == (LeadStatus.CONFIRMED, LeadKind.SIMILAR)
        old = s.get(Case, closed["old"])
        assert old.is_quasi
        assert old.status == CaseStatus.CLOSED  # no look-back: the site is flagged, not reopened
        assert links_of(s, old.id) == []  # the permit is not a case: no link row
        confirm = s.scalars(select(AuditEntry).where(AuditEntry.action == "confirm")).one()
        assert json.loads(confirm.detail)["permit_id"] == cand.permit_id
        flagged = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "update", AuditEntry.object_type == "case"
            )
        ).one()
        assert json.loads(flagged.detail)["is_quasi"] is True


def test_header_synonyms_csv_and_bad_rows(database, closed, tmp_path):
    csv = tmp_path / "登记名单.csv"
    csv.write_text(
        "企业名称,社会信用代码,经营场所地址,所属行业,登记日期,登记编号\n"
        "灵寿县东关村新型建材厂,,灵寿县灵寿镇东关村12号,蛭石,2026-02-01,DJ-0001\n",
        encoding="gb18030",
    )
    data = read_permit_file(csv)
    assert [(r.name, r.permit_date, r.permit_no) for r in data.rows] == [
        ("灵寿县东关村新型建材厂", dt.date(2026, 2, 1), "DJ-0001")
    ]
    bad = tmp_path / "坏日期.csv"
    bad.write_text(
        "单位名称,生产经营场所地址,行业类别,发证日期,许可证编号\n"
        "甲厂,灵寿镇东关村1号,蛭石,明年春天,X1\n"
        ",灵寿镇东关村2号,蛭石,2026-01-01,X2\n",
        encoding="utf-8",
    )
    with pytest.raises(PermitFileError) as err:
        unit_of_work.run(database, CITY, import_permits, bad)
    assert "有 2 处问题，未导入" in str(err.value)
    assert "第 2 行“发证日期”列" in str(err.value)
    assert [p.row for p in err.value.problems] == [2, 3]
    no_header = tmp_path / "无表头.csv"
    no_header.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="找不到排污许可名单的表头"):
        read_permit_file(no_header)
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="是空的"):
        read_permit_file(empty)
    with database.session() as s:  # nothing was kept of the refused files
        assert s.scalar(select(func.count()).select_from(Permit)) == 0
    with pytest.raises(PermissionDenied):
        unit_of_work.run(database, VIEWER, import_permits, csv)


def test_a_county_clerks_import_is_their_units(database, closed, tmp_path):
    with database.session() as s:
        xinle = unit(s, "新乐市").id
        lingshou = unit(s, "灵寿县").id
    path = tmp_path / "许可.xlsx"
    _workbook(path, ROWS[:2])
    clerk = Actor(user_id=None, username="county_t", role=Role.COUNTY_CLERK, unit_id=xinle)
    imported, synced = unit_of_work.run(database, clerk, import_permits, path).value
    assert imported.rows == 2
    assert synced.open == []  # 新乐市's permits never meet 灵寿县's closed cases
    with database.session() as s:
        assert set(s.scalars(select(Permit.unit_id))) == {xinle}
    mine = Actor(user_id=None, username="county_l", role=Role.COUNTY_CLERK, unit_id=lingshou)
    _imp, synced = unit_of_work.run(database, mine, import_permits, path).value
    assert {c.other_case_id for c in synced.open} == {closed["old"], closed["other"]}
