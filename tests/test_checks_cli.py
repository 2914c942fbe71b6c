"""``checks`` and ``accountability`` on the command line, on a copy of the demo database."""

from __future__ import annotations

import json

import openpyxl
import pdfplumber
import pytest
from sqlalchemy import func, select

from cli.main import run
from controllers.demo.accounts import DEMO_PASSWORD
from models import AccountabilityRecord, Case, SpotCheck
from models.codes import AccountabilityStatus, Source

PERIOD = ["--from", "2026-05-07", "--to", "2026-05-25"]


@pytest.fixture
def cli(demo_url, monkeypatch, capsys):
    monkeypatch.setenv("RECTIFY_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("RECTIFY_SYSTEM_FONTS", "0")

    def call(*args: str) -> tuple[int, str, str]:
        code = run(["--db", demo_url, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def _count(demo_db, model, *where):
    with demo_db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_totals_json_are_the_reports(cli):
    code, out, _ = cli("checks", "totals", *PERIOD, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"groups", "person_times", "sites", "new_found", "by_kind"}
    assert (data["groups"], data["person_times"], data["sites"], data["new_found"]) == (
        33, 127, 199, 4)  # fmt: skip
    assert data["by_kind"]["new_case"] == 4
    code, out, _ = cli("checks", "totals", "--unit", "灵寿县", "--json")
    assert code == 0
    assert json.loads(out)["groups"] < 33
    code, _, err = cli("checks", "totals", "--unit", "火星县", "--json")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "火星县" in err


def test_add_a_check_from_json_twice_and_refusals(cli, demo_db, tmp_path):
    with demo_db.session() as s:
        case = s.scalars(select(Case).join(Case.unit).where(Case.unit.has(name="灵寿县"))
                         .order_by(Case.id)).first()  # fmt: skip
        case_name, case_id = case.name, case.id
    (tmp_path / "现场.jpg").write_bytes(b"\xff\xd8\xff" + b"2" * 100)
    file = tmp_path / "check.json"
    file.write_text(json.dumps({
        "date": "2026-06-02", "group": "第9执法检查组", "unit": "灵寿", "leader": "王强",
        "members": ["李明", {"name": "赵刚", "post": "执法大队"}],
        "sites": [{"case_id": case_id},
                  {"name": "无名蛭石加工点", "address": "灵寿镇北关村12号", "result": "新增散乱污企业",
                   "owner": "孙某", "photos": ["现场.jpg"]}],
    }, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    checks_before = _count(demo_db, SpotCheck)
    found_before = _count(demo_db, Case, Case.source == Source.SPOT_CHECK)
    code, out, err = cli("--user", "city", "checks", "add", str(file), "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["created"]
    assert len(res["cases_created"]) == 1
    code, out, _ = cli("--user", "city", "checks", "add", str(file))
    assert code == 0
    assert "未重复写入" in out
    assert _count(demo_db, SpotCheck) == checks_before + 1
    assert _count(demo_db, Case, Case.remark.contains("第9执法检查组")) == 1
    assert case_name  # the register's case was picked by id
    # a bad file, an unknown unit, a county clerk: one line, exit 1 or 2, nothing written
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, _, err = cli("--user", "city", "checks", "add", str(bad))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"date": "2026-06-03", "group": "第1执法检查组", "unit": "火星县",
                                 "members": ["甲"]}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    code, _, err = cli("--user", "city", "checks", "add", str(other))
    assert code == 1
    assert "火星县" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("--user", "lingshou", "checks", "add", str(file))
    assert code == 1
    assert "无权" in err
    assert _count(demo_db, SpotCheck) == checks_before + 1
    assert _count(demo_db, Case, Case.source == Source.SPOT_CHECK) == found_before + 1


def test_export_and_circular(cli, tmp_path):
    out = tmp_path / "抽查.xlsx"
    code, _, err = cli("--user", "city", "checks", "export", str(out), *PERIOD)
    assert code == 0, err
    book = openpyxl.load_workbook(out, read_only=True)  # read-only keeps the file open
    try:
        rows = list(book.active.iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[2][:3] == ("序号", "检查日期", "检查组")
    assert len(rows) - 3 == 199  # one row per site
    assert "33 个" in rows[1][0]
    assert "127 人次" in rows[1][0]
    assert sum(1 for r in rows[3:] if r[10] == "新增散乱污企业") == 4
    pdf = tmp_path / "通报.pdf"
    code, _, err = cli("--user", "city", "checks", "circular", str(pdf), *PERIOD)
    assert code == 0, err
    with pdfplumber.open(pdf) as doc:
        text = "".join(p.extract_text() for p in doc.pages).replace("\n", "")
    assert "共出动33个执法组" in text
    assert "127人次" in text
    assert "199个" in text


def test_accountability_tally_and_decide(cli, demo_db, tmp_path):
    code, out, _ = cli("accountability", "tally", *PERIOD, "--json")
    assert code == 0
    data = json.loads(out)
    assert len(data) == 25
    assert set(data[0]) == {"unit", "counters", "crossed", "proposed_level"}
    assert set(data[0]["counters"]) == {"referred_unfixed", "new_found"}
    with demo_db.session() as s:
        ids = {r.status: r.id for r in s.scalars(select(AccountabilityRecord))}
    proposed, decided = ids[AccountabilityStatus.PROPOSED], ids[AccountabilityStatus.DECIDED]
    code, _, err = cli("--user", "city", "accountability", "decide", str(decided),
                       "--doc-no", "改号", "--date", "2026-06-01")  # fmt: skip
    assert code == 1
    assert "只有拟问责" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = cli("--user", "lingshou", "accountability", "decide", str(proposed),
                       "--doc-no", "井陉县〔2026〕1号", "--date", "2026-06-01")  # fmt: skip
    assert code == 1
    assert "无权" in err
    code, _, err = cli("--user", "city", "accountability", "decide", str(proposed),
                       "--doc-no", "井陉县〔2026〕1号", "--date", "2026-06-01")  # fmt: skip
    assert code == 0, err
    with demo_db.session() as s:
        rec = s.get(AccountabilityRecord, proposed)
        assert rec.status == AccountabilityStatus.DECIDED
        assert rec.doc_no == "井陉县〔2026〕1号"
        assert s.get(AccountabilityRecord, decided).doc_no == "新乐市〔2025〕7号"
    # a decided record: neither deleted nor changed from the command line; amended instead
    code, _, err = cli("--user", "city", "accountability", "delete", str(decided))
    assert code == 1
    assert "追加更正" in err
    code, _, err = cli("--user", "city", "accountability", "amend", str(decided),
                       "--reason", "文号有误", "--doc-no", "新乐市〔2025〕8号")  # fmt: skip
    assert code == 0, err
    with demo_db.session() as s:
        rec = s.get(AccountabilityRecord, decided)
        assert rec.doc_no == "新乐市〔2025〕7号"
        assert [a.doc_no for a in rec.amendments] == ["新乐市〔2025〕8号"]
    pdf = tmp_path / "决定.pdf"
    code, _, err = cli("--user", "city", "accountability", "notice", str(proposed), str(pdf))
    assert code == 0, err
    with pdfplumber.open(pdf) as doc:
        text = "".join(p.extract_text() for p in doc.pages).replace("\n", "")
    assert "井陉县〔2026〕1号" in text
    assert "予以约谈" in text
    xlsx = tmp_path / "问责.xlsx"
    code, _, err = cli("--user", "city", "accountability", "export", str(xlsx))
    assert code == 0, err
    book = openpyxl.load_workbook(xlsx, read_only=True)
    try:
        rows = list(book.active.iter_rows(values_only=True))
    finally:
        book.close()
    assert len(rows) - 3 == 3
    assert {r[9] for r in rows[3:]} == {"已执行", "已决定"}
