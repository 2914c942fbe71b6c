"""登记并退回 and versions, the accept confirmation and the kept record of what an accept
merged, industry words filed once — on SQLite, PostgreSQL and MariaDB; the command line."""

from __future__ import annotations

import json

import openpyxl
import pytest
from sqlalchemy import func, select

from controllers.attachments import attachment_content
from controllers.cases.case_edit import delete_case
from controllers.errors import WorkflowError
from controllers.returns.check import check_return
from controllers.returns.industries import file_industry_word
from controllers.returns.merge_record import accept_preview, merge_record
from controllers.returns.records import return_detail, returns_listing, submit_return
from controllers.returns.review import accept_return
from controllers.returns.send_back import (
    error_report_attachment,
    log_and_send_back,
    return_versions,
)
from controllers.unit_of_work import run
from models import AuditEntry, Case, Industry, IndustryAlias, ReturnMergeItem
from models.codes import ReturnStatus, Role
from tests.factories import make_case, unit
from tests.returns_fixtures import make_actor, make_stage, standard_row, write_xlsx


@pytest.fixture
def world(database):
    with database.session() as s:
        stage = make_stage(s)
        lingshou = unit(s)
        city = make_actor(s, Role.CITY_CLERK)
        registered = make_case(s, name="灵寿县东关村蛭石加工厂1", address="灵寿镇东关村1号",
                               owner="王建1", phone="13800000001")  # fmt: skip
        alike = make_case(s, name="老名字石材厂", address="灵寿镇北关村8号", owner="孙老板",
                          phone="13911112222")  # fmt: skip
        s.commit()
        return {"db": database, "stage": stage.id, "unit": lingshou.id, "city": city,
                "registered": registered.id, "alike": alike.id}  # fmt: skip


def checked(world, path):
    with world["db"].session() as s:
        return check_return(s, world["city"], path, world["unit"], world["stage"])


def test_a_return_with_errors_is_logged_and_sent_back_then_versioned(world, tmp_path):
    db, city = world["db"], world["city"]
    bad = write_xlsx(tmp_path / "灵寿县清单.xlsx",
                     [standard_row(2), standard_row(3, 整治类型="拆除")])  # fmt: skip
    check = checked(world, bad)
    assert not check.valid
    sent = run(db, city, log_and_send_back, check, bad, signer_name="刘县长").value
    assert sent.version_no == 1
    assert "第 5 行“整治类型”列" in sent.reasons
    with db.session() as s:
        detail = return_detail(s, city, sent.return_id)
        assert detail.status == ReturnStatus.RETURNED
        assert detail.signer_name == "刘县长"
        assert detail.file_attachment_id is not None
        assert detail.review_reasons == sent.reasons
        att_id = error_report_attachment(s, sent.return_id)
        att, content = attachment_content(s, att_id)
        assert att.filename == "灵寿县清单（错误报告）.xlsx"
        actions = list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "county_return",
            AuditEntry.object_id == str(sent.return_id))))  # fmt: skip
        assert actions == ["import", "return"]
    report = tmp_path / "report.xlsx"
    report.write_bytes(content)
    wb = openpyxl.load_workbook(report)
    assert wb["清单"]["M5"].comment is not None
    # the unit corrects its file: the next upload is the second version of the same return
    good = write_xlsx(tmp_path / "灵寿县清单（改）.xlsx", [standard_row(2), standard_row(3)])
    check2 = checked(world, good)
    assert check2.valid
    ret2 = run(db, city, submit_return, check2, good).value.id
    with db.session() as s:
        versions = return_versions(s, city, ret2)
        assert [(v.version_no, v.status) for v in versions] == [
            (1, ReturnStatus.RETURNED),
            (2, ReturnStatus.PENDING),
        ]
        listing = returns_listing(s, city, world["stage"])
        by_id = {r[0]: r for r in listing.rows}
        assert listing.headers[-1] == "版本"
        assert by_id[sent.return_id][-1] == "第 1 版（共 2 版）"
        assert by_id[ret2][-1] == "第 2 版（共 2 版）"


def test_accept_confirmation_and_the_kept_record_of_what_it_merged(world, tmp_path):
    db, city = world["db"], world["city"]
    rows = [
        # the register's values but 整治措施 and 备注: 2 fields change
        standard_row(
            1,
            整治措施="断水断电，清除设备",
            备注="已约谈",
            问题类型="散、污",
            污染类型="废气、固废",
        ),
        standard_row(2, 企业名称="新石材厂", 地址="灵寿镇北关村8号", 业主="孙老板"),
        standard_row(3),  # new
    ]
    rows[1]["业主/法人"] = "孙老板"
    rows[1]["联系电话"] = "13911112222"
    path = write_xlsx(tmp_path / "r.xlsx", rows)
    check = checked(world, path)
    assert check.valid
    (uncertain,) = check.diff.uncertain
    assert uncertain.case_id == world["alike"]
    preview = accept_preview(check)
    assert preview.summary() == "新增 1 家、变更 1 家（2 个字段）、待确认 1 家"
    decisions = {uncertain.row: uncertain.case_id}
    preview = accept_preview(check, decisions)
    assert preview.undecided == 0
    assert preview.confirmed == 1
    assert "确定审核通过吗？" in preview.confirmation("灵寿县")

    def accept(session, actor):
        ret = submit_return(session, actor, check, path)
        return accept_return(session, actor, ret.id, ret.version, check, decisions)

    result = run(db, city, accept).value
    with db.session() as s:
        kept = merge_record(s, city, result.return_id)
    assert [c.case_id for c in kept.created] == result.new_case_ids
    assert kept.created[0].sheet_row == 6
    by_case = {c.case_id: c for c in kept.changed}
    assert sorted(by_case[world["registered"]].changes) == [
        ("备注", "测试", "已约谈"),
        ("整治措施", "断水断电，清除原料、产品和设备", "断水断电，清除设备"),
    ]
    assert [c.case_id for c in kept.confirmed] == [world["alike"]]
    assert kept.confirmed[0].sheet_row == 5
    assert ("企业名称", "老名字石材厂", "新石材厂") in by_case[world["alike"]].changes
    assert kept.confirmed[0].label == "新石材厂"  # the case as it is now
    # a case the accept created stays in its record: deleting it is refused in words
    with db.session() as s:
        created = s.get(Case, result.new_case_ids[0])
        items = s.scalar(select(func.count()).select_from(ReturnMergeItem))
        with pytest.raises(WorkflowError, match="并入清单"):
            delete_case(s, city, created.id, created.version, "重复录入")
    with db.session() as s:
        assert s.get(Case, result.new_case_ids[0]) is not None
        assert s.scalar(select(func.count()).select_from(ReturnMergeItem)) == items
    assert kept.summary().startswith("新增 1 家、变更 ")


def test_an_industry_word_is_a_warning_until_filed_once(world, tmp_path):
    db, city = world["db"], world["city"]
    rows = [standard_row(5, 行业="家具喷漆"), standard_row(6, 行业="废旧物资回收"),
            standard_row(7, 行业="废旧物资回收"), standard_row(8, 行业="蛭石加工")]  # fmt: skip
    path = write_xlsx(tmp_path / "ind.xlsx", rows)
    check = checked(world, path)
    assert check.valid
    assert check.industry_words() == ["家具喷漆", "废旧物资回收"]
    first = check.warnings[0].message
    assert "归入“家具制造”" in first
    assert "喷涂" in first
    assert "暂归入“其他”" in check.warnings[1].message
    with db.session() as s:
        names = {i.id: i.name for i in s.scalars(select(Industry))}
    assert [names[r.get("industry")] for r in check.rows] == ["家具制造", "其他", "其他", "蛭石"]
    run(db, city, file_industry_word, "废旧物资回收", new_industry="废旧物资回收")
    with db.session() as s:
        spraying = s.scalar(select(Industry.id).where(Industry.name == "喷涂"))
    run(db, city, file_industry_word, "家具喷漆", spraying)
    again = checked(world, path)
    assert again.warnings == []
    with db.session() as s:
        names = {i.id: i.name for i in s.scalars(select(Industry))}
        assert s.scalar(select(IndustryAlias.word).where(IndustryAlias.word_key == "家具喷漆"))
    assert [names[r.get("industry")] for r in again.rows] == ["喷涂", "废旧物资回收",
                                                              "废旧物资回收", "蛭石"]  # fmt: skip


def test_a_guessed_industry_keeps_the_countys_word_and_never_overwrites(world, tmp_path):
    db, city = world["db"], world["city"]
    rows = [standard_row(1, 行业="航天制造"), standard_row(9, 行业="废旧物资回收")]
    path = write_xlsx(tmp_path / "g.xlsx", rows)
    check = checked(world, path)
    (m,) = check.diff.changed
    assert m.case_id == world["registered"]
    assert "industry" not in {c.key for c in m.changes}

    def accept(session, actor):
        ret = submit_return(session, actor, check, path)
        return accept_return(session, actor, ret.id, ret.version, check)

    result = run(db, city, accept).value
    with db.session() as s:
        (new,) = [s.get(Case, i) for i in result.new_case_ids]
        assert new.remark == "上报行业：废旧物资回收"
        assert new.industry.name == "其他"
        assert s.get(Case, world["registered"]).industry.name == "蛭石"


@pytest.fixture
def cli_url(sqlite_url):
    from models.database import Database, make_engine

    db = Database.from_engine(make_engine(sqlite_url))
    with db.session() as s:
        make_stage(s)
        s.commit()
    db.dispose()
    return sqlite_url


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_cli_send_back_and_warnings(cli_url, tmp_path):
    from tests.test_cli import run as cli

    path = write_xlsx(tmp_path / "bad.xlsx", [standard_row(1, 行业="家具喷漆"),
                                              standard_row(2, 整治类型="拆除")])  # fmt: skip
    out = tmp_path / "退回.xlsx"
    proc = cli("--db", cli_url, "import-return", str(path), "--unit", "灵寿", "--stage", "全面自查",
               "--json", "--send-back", "--errors-out", str(out))  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["sent_back"] is True
    assert data["version"] == 1
    assert [w["word"] for w in data["warnings"]] == ["家具喷漆"]
    assert data["warnings"][0]["row"] == 4
    assert len(data["errors"]) == 1
    assert openpyxl.load_workbook(out)["错误清单"]["A1"].value.startswith("灵寿县")
    summary = json.loads(cli("--db", cli_url, "summary", "--json").stdout)
    assert summary["returns"]["by_status"]["returned"] == 1
    plain = cli("--db", cli_url, "import-return", str(path), "--unit", "灵寿")
    assert "警告：工作表“清单”第 4 行“行业”列" in plain.stdout
