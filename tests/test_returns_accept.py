"""Submitting, accepting and sending back returns — on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from controllers.attachments import attachment_content
from controllers.editing import EditConflict, apply_edit
from controllers.errors import ValidationError, WorkflowError
from controllers.permissions import PermissionDenied
from controllers.returns import check as check_module
from controllers.returns.check import check_return
from controllers.returns.importing import UncertainMatches, UncertainPolicy, import_return
from controllers.returns.overview import stage_overview
from controllers.returns.records import (
    attach_signature_page,
    return_detail,
    returns_listing,
    submit_return,
    update_return_details,
)
from controllers.returns.review import accept_return, send_back
from controllers.unit_of_work import call, run
from models import (
    Attachment,
    AuditEntry,
    Batch,
    Case,
    CaseChange,
    CountyReturn,
    Township,
)
from models.codes import (
    AttachmentKind,
    BatchKind,
    CaseStatus,
    Classification,
    ReturnStatus,
    Role,
    Source,
)
from tests.factories import make_case, unit
from tests.returns_fixtures import make_actor, make_stage, standard_row, write_xlsx


def counts(db) -> dict[str, int]:
    with db.session() as s:
        return {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Case, CaseChange, CountyReturn, Township, Batch, Attachment, AuditEntry)
        }


@pytest.fixture
def world(database):
    """The database with a stage, a city clerk, a county clerk of 灵寿县 and two register cases."""
    with database.session() as s:
        stage = make_stage(s)
        lingshou = unit(s)
        city = make_actor(s, Role.CITY_CLERK)
        county = make_actor(s, Role.COUNTY_CLERK, lingshou.id)
        changed = make_case(s, name="灵寿县东关村蛭石加工厂1", address="灵寿镇东关村1号",
                            owner="王建1", phone="13800000001", status=CaseStatus.PENDING)  # fmt: skip
        missing = make_case(s, name="台账中有上报中没有的厂", address="灵寿镇南关村9号")
        s.commit()
        return {"db": database, "stage": stage.id, "unit": lingshou.id, "city": city,
                "county": county, "changed": changed.id, "missing": missing.id}  # fmt: skip


def a_return(tmp_path, **first_overrides):
    rows = [
        standard_row(
            1, 整治完成情况="已断水断电", 发现来源=None, **first_overrides
        ),  # in the register
        standard_row(2, 发现来源=None),  # new, source by default 自查
        standard_row(
            3, 发现来源="网格巡查", **{"乡镇（街道）": "新设镇"}
        ),  # new, in a township nobody knew
    ]
    rows[0]["状态"] = "整治中"
    headers = [*rows[0].keys()]
    return write_xlsx(tmp_path / "灵寿县上报.xlsx", rows, headers)


def test_submit_then_accept_writes_everything_in_one_go(world, tmp_path):
    db = world["db"]
    path = a_return(tmp_path)
    with db.session() as s:
        check = check_return(s, world["county"], path, world["unit"], world["stage"])
        assert check.valid, [e.text() for e in check.errors]
        c = check.diff.counts()
        assert (c["new"], c["changed"], c["missing"], c["uncertain"]) == (2, 1, 1, 0)
        changes = {f.key: (f.old_text, f.new_text) for f in check.diff.changed[0].changes}
        assert changes == {
            "progress_note": ("", "已断水断电"), "status": ("待整治", "整治中"),
            "problem_types": ("散、污", "散、乱、污"), "pollution_types": ("废气、固废", "废气"),
        }  # fmt: skip
        assert [m.case_id for m in check.diff.missing] == [world["missing"]]
        ret = submit_return(s, world["county"], check, path, received_on=dt.date(2026, 5, 24),
                            signer_name="张县长", signed_on=dt.date(2026, 5, 23))  # fmt: skip
        s.commit()
        ret_id, version = ret.id, ret.version
    with db.session() as s:
        detail = return_detail(s, world["city"], ret_id)
        assert detail.status == ReturnStatus.PENDING
        assert detail.rows_total == 3
        assert detail.rows_new == 2
        assert detail.rows_changed == 1
        assert detail.rows_missing == 1
        att, content = attachment_content(s, detail.file_attachment_id)
        assert att.kind == AttachmentKind.RETURN_FILE
        assert content == path.read_bytes()
        assert not detail.late
        assert detail.signer_name == "张县长"
    before = counts(db)
    with db.session() as s:
        with pytest.raises(PermissionDenied, match="无权审核县区上报"):
            accept_return(s, world["county"], ret_id, version, check)
        result = accept_return(s, world["city"], ret_id, version, check)
        s.commit()
    assert (result.created, result.updated, result.missing) == (2, 1, 1)
    assert result.townships_created == ["新设镇"]
    assert result.batches_created == ["新增"]
    after = counts(db)
    assert after["Case"] == before["Case"] + 2
    assert after["Township"] == before["Township"] + 1
    assert after["Batch"] == before["Batch"] + 1
    with db.session() as s:
        new = {c.name: c for c in s.scalars(select(Case).where(Case.id.in_(result.new_case_ids)))}
        second, third = new["灵寿县东关村蛭石加工厂2"], new["灵寿县东关村蛭石加工厂3"]
        assert second.source == Source.SELF_CHECK
        assert third.source == Source.GRID_PATROL
        assert second.status == CaseStatus.PENDING
        assert second.batch.name == "新增"
        assert second.batch.kind == BatchKind.ADDED
        assert second.classification == Classification.SHUTDOWN
        assert second.problem_types == "scattered,disorderly,polluting"
        assert second.deadline == dt.date(2026, 6, 30)
        assert second.version == 1
        assert second.township.name == "灵寿镇"
        assert third.township.name == "新设镇"
        assert third.township.unit_id == world["unit"]
        assert second.created_by_id == world["city"].user_id
        changed = s.get(Case, world["changed"])
        assert changed.status == CaseStatus.IN_PROGRESS
        assert changed.progress_note == "已断水断电"
        history = {(h.field, h.old_value, h.new_value)
                   for h in s.scalars(select(CaseChange).where(CaseChange.case_id == changed.id))}  # fmt: skip
        assert history == {
            ("status", "pending", "in_progress"), ("progress_note", "", "已断水断电"),
            ("problem_types", "scattered,polluting", "scattered,disorderly,polluting"),
            ("pollution_types", "air,solid", "air"),
        }  # fmt: skip
        created = s.scalars(select(CaseChange).where(CaseChange.case_id == second.id)).one()
        assert (created.field, created.old_value, created.new_value) == ("status", None, "pending")
        assert created.note.startswith("县区上报导入：灵寿县")
        ret = s.get(CountyReturn, ret_id)
        assert ret.status == ReturnStatus.APPROVED
        assert ret.reviewer_id == world["city"].user_id
        assert ret.reviewed_at is not None
        assert ret.rows_new == 2
        actions = list(s.scalars(select(AuditEntry.action).where(
            AuditEntry.object_type == "county_return", AuditEntry.object_id == str(ret_id))))  # fmt: skip
        assert actions == ["import", "accept"]
        assert return_detail(s, world["city"], ret_id).reviewer == world["city"].display_name
        # an accepted return cannot be accepted or sent back again
        with pytest.raises(WorkflowError, match="已通过"):
            send_back(s, world["city"], ret_id, ret.version, "重复")


@pytest.mark.parametrize("uncertain", [False, True])
def test_the_register_read_during_the_parse_compares_as_read_after(
    world, tmp_path, monkeypatch, uncertain
):
    """A small register is read and indexed while calamine parses the file; a large one after
    the rows: both give the same comparison and fingerprint."""
    db = world["db"]
    path = a_return(tmp_path, 地址="灵寿镇东关村一号院") if uncertain else a_return(tmp_path)
    with db.session() as s:
        ahead = check_return(s, world["city"], path, world["unit"], world["stage"])
    monkeypatch.setattr(check_module, "READ_AHEAD_CASES", 0)
    with db.session() as s:
        after = check_return(s, world["city"], path, world["unit"], world["stage"])
    assert ahead.diff is not None
    assert after.diff is not None
    assert ahead.diff.counts() == after.diff.counts()
    assert sum(ahead.diff.counts().values()) >= 3
    assert ahead.diff == after.diff
    assert ahead.register_state == after.register_state is not None
    assert ahead.errors == after.errors


def test_a_register_change_after_the_check_leaves_everything_as_it_was(world, tmp_path):
    db = world["db"]
    path = a_return(tmp_path)
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        ret = submit_return(s, world["city"], check, path)
        s.commit()
        ret_id, version = ret.id, ret.version
    with db.session() as other:  # another clerk edits the matched case meanwhile
        case = other.get(Case, world["changed"])
        apply_edit(other, case, case.version, {"owner": "另一位业主"})
        other.commit()
    before = counts(db)
    with db.session() as s:
        with pytest.raises(WorkflowError, match="其他业务员修改过"):
            accept_return(s, world["city"], ret_id, version, check)
        s.rollback()
    assert counts(db) == before
    with db.session() as s:
        assert s.get(CountyReturn, ret_id).status == ReturnStatus.PENDING
        assert s.get(Case, world["changed"]).owner == "另一位业主"


def test_a_new_enterprise_added_meanwhile_is_not_duplicated(world, tmp_path):
    db = world["db"]
    path = a_return(tmp_path)
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        ret = submit_return(s, world["city"], check, path)
        s.commit()
        ret_id, version = ret.id, ret.version
    with db.session() as s:  # the same enterprise typed into the register by hand
        make_case(s, name="灵寿县东关村蛭石加工厂2", address="灵寿镇东关村2号")
        s.commit()
    before = counts(db)
    with db.session() as s:
        with pytest.raises(WorkflowError, match="重新核对"):
            accept_return(s, world["city"], ret_id, version, check)
        s.rollback()
    assert counts(db) == before


def test_send_back_records_the_reasons(world, tmp_path):
    db = world["db"]
    path = a_return(tmp_path)
    with db.session() as s:
        check = check_return(s, world["county"], path, world["unit"], world["stage"])
        ret = submit_return(s, world["county"], check, path)
        s.commit()
        ret_id, version = ret.id, ret.version
    with db.session() as s:
        with pytest.raises(ValidationError, match="请填写退回原因"):
            send_back(s, world["city"], ret_id, version, "  ")
        with pytest.raises(PermissionDenied):
            send_back(s, world["county"], ret_id, version, "原因")
        send_back(s, world["city"], ret_id, version, "未经主要负责同志签字；未在政府网站公示")
        s.commit()
    with db.session() as s:
        detail = return_detail(s, world["county"], ret_id)
        assert detail.status == ReturnStatus.RETURNED
        assert detail.review_reasons == "未经主要负责同志签字；未在政府网站公示"
        assert detail.reviewer
        assert detail.reviewed_at is not None
        with pytest.raises(EditConflict):
            accept_return(s, world["city"], ret_id, version, check)
        with pytest.raises(WorkflowError, match="退回"):
            accept_return(s, world["city"], ret_id, detail.version, check)
        assert (
            s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "return")).count("公示")
            == 1
        )


def test_uncertain_matches_wait_for_the_clerk(world, tmp_path):
    db = world["db"]
    # same name, another address: maybe the same enterprise
    path = a_return(tmp_path, 地址="灵寿镇东关村一号院")
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        assert check.diff.counts()["uncertain"] == 1
        m = check.diff.uncertain[0]
        assert m.case_id == world["changed"]
        assert m.reason == "名称相同，地址不同"
        ret = submit_return(s, world["city"], check, path)
        s.commit()
        ret_id, version = ret.id, ret.version
    with db.session() as s:
        with pytest.raises(WorkflowError, match="匹配不确定"):
            accept_return(s, world["city"], ret_id, version, check)
        s.rollback()
    with db.session() as s:
        result = accept_return(s, world["city"], ret_id, version, check, {m.row: world["changed"]})
        s.commit()
    assert (result.created, result.updated) == (2, 1)
    with db.session() as s:
        assert s.get(Case, world["changed"]).address == "灵寿镇东关村一号院"


def test_county_clerk_submits_only_their_unit_and_edits_the_details(world, tmp_path):
    db = world["db"]
    path = a_return(tmp_path)
    with db.session() as s:
        xinle = unit(s, "新乐市").id
        other = make_actor(s, Role.COUNTY_CLERK, xinle)
        s.commit()
        with pytest.raises(PermissionDenied):
            check_return(s, other, path, world["unit"], world["stage"])
        check = check_return(s, world["county"], path, world["unit"], world["stage"])
        with pytest.raises(PermissionDenied):
            submit_return(s, other, check, path)
        ret = submit_return(s, world["county"], check, path, received_on=dt.date(2026, 5, 27))
        s.commit()
        ret_id, version = ret.id, ret.version
    with db.session() as s:
        with pytest.raises(ValidationError, match="http"):
            update_return_details(
                s, world["county"], ret_id, version, {"published_url": "www.x.cn"}
            )
        update_return_details(s, world["county"], ret_id, version, {
            "signer_name": "张县长", "signed_on": dt.date(2026, 5, 26),
            "published_url": "http://www.lingshou.gov.cn/zwgk/2026/slw.html",
            "published_on": dt.date(2026, 5, 27)})  # fmt: skip
        attach_signature_page(s, world["county"], ret_id, b"%PDF-1.4 signed page", "签字页.pdf")
        s.commit()
    with db.session() as s:
        with pytest.raises(EditConflict):  # opened at the old version
            update_return_details(s, world["county"], ret_id, version, {"signer_name": "李"})
        s.rollback()
        detail = return_detail(s, world["city"], ret_id)
        assert detail.signer_name == "张县长"
        assert detail.late
        assert [name for _id, name in detail.signature_pages] == ["签字页.pdf"]
        overview = stage_overview(s, world["city"], world["stage"], today=dt.date(2026, 5, 28))
        row = next(r for r in overview.rows if r.unit_id == world["unit"])
        assert row.returned
        assert row.late
        assert row.days_late == 2
        assert row.signed
        assert row.signature_page
        assert row.published
        assert row.status == ReturnStatus.PENDING
        assert row.return_id == ret_id
        assert overview.counts()["returned"] == 1
        assert overview.counts()["not_returned"] == 24
        assert overview.counts()["late"] == 25  # the others have not returned by the deadline
        mine = stage_overview(s, world["county"], world["stage"], today=dt.date(2026, 5, 20))
        assert [r.unit_id for r in mine.rows] == [world["unit"]]
        assert mine.rows[0].late is not False
        listing = returns_listing(s, world["county"], world["stage"])
        assert [r[0] for r in listing.rows] == [ret_id]
        assert returns_listing(s, other_actor(s, xinle)).rows == []


def other_actor(s, unit_id):
    return make_actor(s, Role.COUNTY_CLERK, unit_id, name="xinle2")


def test_an_invalid_file_cannot_be_submitted(world, tmp_path):
    db = world["db"]
    path = write_xlsx(tmp_path / "bad.xlsx", [standard_row(1, 整治类型="拆除")])
    before = counts(db)
    with db.session() as s:
        check = check_return(s, world["city"], path, world["unit"], world["stage"])
        with pytest.raises(ValidationError, match="1 处错误"):
            submit_return(s, world["city"], check, path)
        s.rollback()
    assert counts(db) == before


def test_importing_a_return_is_one_use_case_with_the_uncertain_policy(world, tmp_path):
    """check → record → accept, as the import dialog and ``import-return --accept`` run it."""
    db = world["db"]
    path = a_return(tmp_path, 地址="灵寿镇东关村一号院")  # one uncertain match
    check = call(db, check_return, world["city"], path, world["unit"], world["stage"]).value
    diff, errors = check.diff, list(check.errors)
    before = counts(db)
    with pytest.raises(UncertainMatches, match="有 1 行与台账的匹配不确定"):
        run(db, world["city"], import_return, path, world["unit"], world["stage"],
            accept=True, check=check)  # fmt: skip
    assert counts(db) == before  # refused: nothing recorded
    imported = run(db, world["city"], import_return, path, world["unit"], world["stage"],
                   accept=True, uncertain=UncertainPolicy.MATCH, check=check).value  # fmt: skip
    assert (imported.accepted.created, imported.accepted.updated) == (2, 1)
    assert imported.message() == imported.accepted.message()
    # the clerk's check is left as it was (it may be on screen, read by another thread)
    assert check.diff is diff
    assert check.errors == errors
    assert imported.accepted.check is not check
    with db.session() as s:
        assert s.get(Case, world["changed"]).address == "灵寿镇东关村一号院"
        assert s.get(CountyReturn, imported.return_id).status == ReturnStatus.APPROVED
