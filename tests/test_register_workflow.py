"""Case editing, the status workflow, look-backs, bulk work, attachments and saved views —
on SQLite, PostgreSQL and MariaDB."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from controllers.actor import Actor
from controllers.cases.bulk import bulk_move, bulk_set_responsible, plan_bulk_move
from controllers.cases.case_detail import form_choices, load_case
from controllers.cases.case_edit import (
    CheckEdit,
    EvidenceFile,
    create_case,
    delete_case,
    save_case,
)
from controllers.cases.case_files import attach_to_case, read_case_attachment, save_attachment_copy
from controllers.cases.lookbacks import record_lookback
from controllers.cases.saved_views import delete_view, list_views, save_view
from controllers.cases.validation import phone_problem, validate_case
from controllers.cases.workflow import move_case, moves_from
from controllers.dates import parse_date
from controllers.editing import EditConflict
from controllers.errors import ValidationError, WorkflowError
from controllers.permissions import PermissionDenied
from models import AuditEntry, Case, CaseChange, CaseCheck, CaseLookback, Township
from models.codes import CaseStatus, CheckItem, Classification, LookbackResult, Role
from tests.factories import make_case, unit

TODAY = dt.date(2026, 7, 1)
CITY = Actor(None, "city", Role.CITY_CLERK, display_name="市级业务员")
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _history(s, case_id, field=None):
    stmt = select(CaseChange).where(CaseChange.case_id == case_id).order_by(CaseChange.id)
    if field:
        stmt = stmt.where(CaseChange.field == field)
    return list(s.scalars(stmt))


def _audit(s, action):
    return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def case_id(database):
    with database.session() as s:
        cid = make_case(s).id
        s.commit()
    return cid


def _version(database, cid):
    with database.session() as s:
        return s.get(Case, cid).version


# -- field rules ---------------------------------------------------------------------------
def test_dates_and_phones_are_checked_with_chinese_messages():
    assert parse_date("2026-05-25") == dt.date(2026, 5, 25)
    assert parse_date("2026年5月25日") == dt.date(2026, 5, 25)
    assert parse_date("２０２６.５.２５") == dt.date(2026, 5, 25)
    assert parse_date("20260525") == dt.date(2026, 5, 25)
    assert parse_date("  ") is None
    with pytest.raises(ValueError, match="不是有效日期"):
        parse_date("2026-02-30")
    with pytest.raises(ValueError, match="不是日期"):
        parse_date("五月")
    assert phone_problem("13800000000") is None
    assert phone_problem("0311-86001234、13912345678") is None
    assert phone_problem("+86 13800000000") is None
    assert "不是有效的电话号码" in phone_problem("1380000")
    errors = validate_case(
        {"unit_id": None, "classification": None, "source": "self_check", "name": None,
         "address": "", "owner": "张三", "discovered_on": dt.date(2026, 5, 1),
         "deadline": dt.date(2026, 4, 1), "status": "completed", "completed_on": None},
        today=TODAY,
    )  # fmt: skip
    assert errors["unit_id"] == "请选择县（市、区）"
    assert "整治类型" in errors["classification"]
    assert "地址" in errors["address"]
    assert errors["deadline"] == "完成时限不能早于发现日期"
    assert "必须填写完成日期" in errors["completed_on"]
    future = validate_case({"discovered_on": dt.date(2026, 7, 2)}, today=TODAY)
    assert "不能晚于今天" in future["discovered_on"]


# -- editing -------------------------------------------------------------------------------
def test_save_writes_history_and_audit(database, case_id):
    with database.session() as s:
        version = s.get(Case, case_id).version
        new_version = save_case(s, CITY, case_id, version,
                                {"owner": " 赵六 ", "phone": "１３９００００００００",
                                 "deadline": dt.date(2026, 9, 30)}, today=TODAY)  # fmt: skip
        s.commit()
        assert new_version == version + 1
    with database.session() as s:
        case = s.get(Case, case_id)
        assert (case.owner, case.phone) == ("赵六", "13900000000")  # trimmed, width folded
        rows = {(h.field, h.old_value, h.new_value, h.username) for h in _history(s, case_id)}
        assert ("owner", "王建国", "赵六", "city") in rows
        assert ("deadline", "2026-06-30", "2026-09-30", "city") in rows
        entry = _audit(s, "update")[-1]
        assert entry.object_id == str(case_id)
        assert json.loads(entry.detail)["changes"]["owner"] == ["王建国", "赵六"]


def test_invalid_save_changes_nothing(database, case_id):
    version = _version(database, case_id)
    with database.session() as s:
        with pytest.raises(ValidationError) as err:
            save_case(s, CITY, case_id, version, {"phone": "12345", "name": None, "owner": None},
                      today=TODAY)  # fmt: skip
        assert "联系电话" in str(err.value)
        assert "业主/法人" in str(err.value)
    with database.session() as s:
        assert s.get(Case, case_id).phone == "13800000000"
        assert _history(s, case_id) == []
        assert _audit(s, "update") == []


def test_stale_save_raises_conflict_with_both_versions(database, case_id):
    opened = _version(database, case_id)
    with database.session() as s:
        save_case(s, CITY, case_id, opened, {"owner": "甲"}, today=TODAY)
        s.commit()
    with database.session() as s, pytest.raises(EditConflict) as err:
        save_case(s, CITY, case_id, opened, {"owner": "乙", "remark": "我的备注"}, today=TODAY)
    conflict = err.value
    assert {c.field: (c.mine, c.theirs) for c in conflict.conflicts} == {
        "owner": ("乙", "甲"), "remark": ("我的备注", "测试"),
    }  # fmt: skip
    with database.session() as s:
        assert s.get(Case, case_id).owner == "甲"  # their work is kept
        save_case(s, CITY, case_id, conflict.current_version, {"owner": "乙"}, today=TODAY)
        s.commit()
    with database.session() as s:
        assert s.get(Case, case_id).owner == "乙"


def test_county_clerk_edits_only_their_unit(database, case_id):
    with database.session() as s:
        other = unit(s, "新乐市").id
        own = s.get(Case, case_id).unit_id
    version = _version(database, case_id)
    with database.session() as s:
        with pytest.raises(PermissionDenied, match="只能处理本单位"):
            save_case(s, Actor(None, "xl", Role.COUNTY_CLERK, unit_id=other), case_id, version,
                      {"owner": "X"}, today=TODAY)  # fmt: skip
        with pytest.raises(PermissionDenied):
            save_case(s, Actor(None, "boss", Role.LEADER), case_id, version, {"owner": "X"})
        save_case(s, Actor(None, "ls", Role.COUNTY_CLERK, unit_id=own), case_id, version,
                  {"owner": "本单位"}, today=TODAY)  # fmt: skip
        s.commit()


def test_status_cannot_be_edited_directly(database, case_id):
    with database.session() as s, pytest.raises(WorkflowError, match="只能通过"):
        save_case(s, CITY, case_id, _version(database, case_id), {"status": "closed"})


def test_create_case_starts_pending(database):
    with database.session() as s:
        choices = form_choices(s, CITY)
        lingshou = unit(s, "灵寿县").id
        town = choices.townships[lingshou][0][0]
        new_id = create_case(s, CITY, {"unit_id": lingshou, "township_id": town, "name": "新发现点位",
                                       "owner": "张三", "classification": "关停取缔",
                                       "source": "grid_patrol", "discovered_on": dt.date(2026, 6, 1)},
                             today=TODAY)  # fmt: skip
        s.commit()
    with database.session() as s:
        case = s.get(Case, new_id)
        assert case.status == CaseStatus.PENDING
        assert case.classification == Classification.SHUTDOWN
        assert [(h.field, h.new_value, h.note) for h in _history(s, new_id)] == [
            ("status", "pending", "新建")
        ]
        assert _audit(s, "create")[0].object_id == str(new_id)
        xinle = unit(s, "新乐市")
        s.add(Township(unit_id=xinle.id, name="长寿街道"))
        s.flush()
        wrong_town = s.scalar(select(Township.id).where(Township.unit_id == xinle.id))
        with pytest.raises(ValidationError, match="不属于所选县"):
            create_case(s, CITY, {"unit_id": lingshou, "township_id": wrong_town, "name": "X",
                                  "classification": "shutdown", "source": "self_check"})  # fmt: skip
        assert s.scalar(select(func.count()).select_from(Case)) == 1


# -- the workflow --------------------------------------------------------------------------
def _close_ready(database, cid, *, with_checks=True, with_evidence=True):
    """Move a 关停取缔 case to 已验收 with everything close-out needs (or not)."""
    with database.session() as s:
        v = s.get(Case, cid).version
        v = move_case(s, CITY, cid, v, "in_progress", today=TODAY)
        s.commit()
        v = move_case(s, CITY, cid, v, "completed", today=TODAY,
                      changes={"completed_on": dt.date(2026, 6, 10)})  # fmt: skip
        s.commit()
        v = move_case(s, CITY, cid, v, "accepted", today=TODAY,
                      changes={"accepted_on": dt.date(2026, 6, 20),
                               "township_checked_on": dt.date(2026, 6, 15)})  # fmt: skip
        s.commit()
        checks = [
            CheckEdit(item, dt.date(2026, 6, 5), evidence=EvidenceFile(f"{item.value}.png", PNG + item.value.encode()))
            for item in CheckItem
        ] if with_checks else []  # fmt: skip
        v = save_case(s, CITY, cid, v, {"approved_by": "刘局长"}, checks, today=TODAY)
        s.commit()
        if with_evidence:
            attach_to_case(s, CITY, cid, "验收照片.jpg", b"\xff\xd8\xff" + b"1" * 100)
            s.commit()
        return s.get(Case, cid).version


def test_forward_moves_one_stage_at_a_time(database, case_id):
    with database.session() as s:
        v = s.get(Case, case_id).version
        with pytest.raises(WorkflowError, match="逐步推进"):
            move_case(s, CITY, case_id, v, "completed", today=TODAY)
        v2 = move_case(s, CITY, case_id, v, "in_progress", today=TODAY)
        s.commit()
        with pytest.raises(WorkflowError, match="缺少完成日期"):
            move_case(s, CITY, case_id, v2, "completed", today=TODAY)
        assert [m.target for m in moves_from("in_progress")] == [
            CaseStatus.COMPLETED, CaseStatus.PENDING,
        ]  # fmt: skip
        assert moves_from("closed") == []


def test_close_out_refused_without_evidence_then_allowed(database, case_id):
    v = _close_ready(database, case_id, with_checks=False, with_evidence=False)
    with database.session() as s:
        with pytest.raises(WorkflowError) as err:
            move_case(s, CITY, case_id, v, "closed", today=TODAY)
        text = str(err.value)
        assert "缺少佐证材料" in text
        assert "两断三清未全部完成：断水、断电、清除原料、清除产品、清除设备" in text
        assert s.get(Case, case_id).status == CaseStatus.ACCEPTED
        attach_to_case(s, CITY, case_id, "现场.jpg", b"\xff\xd8\xff" + b"2" * 10)
        s.commit()
        v = s.get(Case, case_id).version
        # four checks with evidence, one without: still refused
        checks = [CheckEdit(i, dt.date(2026, 6, 5), evidence=EvidenceFile(f"{i.value}.png", PNG))
                  for i in list(CheckItem)[:4]]  # fmt: skip
        checks.append(CheckEdit(CheckItem.EQUIPMENT_CLEARED, dt.date(2026, 6, 5)))
        with pytest.raises(WorkflowError, match="两断三清未全部完成：清除设备"):
            move_case(s, CITY, case_id, v, "closed", checks=checks, today=TODAY)
    with database.session() as s:  # the refused move saved nothing of its changes either
        assert s.scalar(select(func.count()).select_from(CaseCheck)) == 0
        checks[-1] = CheckEdit(CheckItem.EQUIPMENT_CLEARED, dt.date(2026, 6, 5),
                               evidence=EvidenceFile("设备.png", PNG + b"e"))  # fmt: skip
        v = save_case(s, CITY, case_id, s.get(Case, case_id).version, {}, checks, today=TODAY)
        s.commit()
        with pytest.raises(PermissionDenied, match="验收销号"):
            move_case(s, Actor(None, "c", Role.COUNTY_CLERK, unit_id=s.get(Case, case_id).unit_id),
                      case_id, v, "closed", today=TODAY)  # fmt: skip
        move_case(s, CITY, case_id, v, "closed", today=TODAY)
        s.commit()
    with database.session() as s:
        case = s.get(Case, case_id)
        assert (case.status, case.closed_on) == (CaseStatus.CLOSED, TODAY)
        statuses = [(h.old_value, h.new_value) for h in _history(s, case_id, "status")]
        assert statuses == [("pending", "in_progress"), ("in_progress", "completed"),
                            ("completed", "accepted"), ("accepted", "closed")]  # fmt: skip
        assert len(_audit(s, "status")) == 4
        with pytest.raises(WorkflowError, match="永久保留"):
            delete_case(s, CITY, case_id, case.version, "重复")
        record = load_case(s, CITY, case_id)
        assert all(record.checks[i].evidence_name for i in CheckItem)
        latest = {(h.label, h.old, h.new) for h in record.history[:2]}
        assert latest == {("状态", "已验收", "已销号"), ("销号日期", "（空）", TODAY.isoformat())}


def test_step_back_needs_a_reason_and_clears_the_stage(database, case_id):
    v = _close_ready(database, case_id)
    with database.session() as s:
        with pytest.raises(WorkflowError, match="须填写原因"):
            move_case(s, CITY, case_id, v, "completed", today=TODAY)
        v = move_case(s, CITY, case_id, v, "completed", reason="验收材料不全", today=TODAY)
        s.commit()
        case = s.get(Case, case_id)
        assert case.status == CaseStatus.COMPLETED
        assert case.accepted_on is None
        back = _history(s, case_id, "status")[-1]
        assert (back.new_value, back.note) == ("completed", "验收材料不全")
        assert _history(s, case_id, "accepted_on")[-1].old_value == "2026-06-20"


def test_lookback_normal_keeps_the_case_closed(database, case_id):
    v = _close_ready(database, case_id)
    with database.session() as s:
        move_case(s, CITY, case_id, v, "closed", today=TODAY)
        s.commit()
        record_lookback(s, CITY, case_id, TODAY, LookbackResult.NORMAL, inspector="检查员")
        s.commit()
        case = s.get(Case, case_id)
        assert case.status == CaseStatus.CLOSED
        assert not case.is_relapsed
        assert s.scalar(select(func.count()).select_from(CaseLookback)) == 1


def test_lookback_relapse_reopens_and_marks_relapsed(database, case_id):
    v = _close_ready(database, case_id)
    with database.session() as s:
        move_case(s, CITY, case_id, v, "closed", today=TODAY - dt.timedelta(days=5))
        s.commit()
    with database.session() as s:
        record_lookback(s, CITY, case_id, TODAY, "relapse", inspector="张", note="原址恢复生产",
                        new_deadline=dt.date(2026, 8, 31),
                        attachment=EvidenceFile("复产.jpg", b"\xff\xd8\xff3"), today=TODAY)  # fmt: skip
        s.commit()
    with database.session() as s:
        case = s.get(Case, case_id)
        assert case.status == CaseStatus.IN_PROGRESS
        assert case.is_relapsed
        assert case.relapse_count == 1
        assert case.closed_on is None
        assert case.accepted_on is None
        assert case.approved_by is None
        assert case.deadline == dt.date(2026, 8, 31)
        assert all(c.done_on is None and c.evidence_attachment_id is None for c in case.checks)
        last = _history(s, case_id, "status")[-1]
        assert (last.old_value, last.new_value, last.note) == (
            "closed",
            "in_progress",
            "回头看：死灰复燃",
        )
        assert _history(s, case_id, "relapse_count")[-1].new_value == "1"
        detail = json.loads(_audit(s, "lookback")[-1].detail)
        assert detail["reopened"] is True
        with pytest.raises(WorkflowError, match="只有已销号"):
            record_lookback(s, CITY, case_id, TODAY, "normal", today=TODAY)


def test_delete_only_pending_with_reason(database, case_id):
    with database.session() as s:
        v = s.get(Case, case_id).version
        with pytest.raises(ValidationError, match="须填写原因"):
            delete_case(s, CITY, case_id, v, " ")
        delete_case(s, CITY, case_id, v, "重复录入")
        s.commit()
        assert s.get(Case, case_id) is None
        assert json.loads(_audit(s, "delete")[0].detail)["reason"] == "重复录入"


# -- bulk ----------------------------------------------------------------------------------
def test_bulk_move_is_all_or_nothing(database):
    with database.session() as s:
        ids = [make_case(s).id for _ in range(3)]
        done = make_case(s, status=CaseStatus.COMPLETED, completed_on=dt.date(2026, 6, 1)).id
        s.commit()
    with database.session() as s:
        plan = plan_bulk_move(s, CITY, [*ids, done], "in_progress")
        assert plan.allowed == ids
        assert list(plan.refused) == [done]
        with pytest.raises(WorkflowError, match="未执行"):
            bulk_move(s, CITY, [*ids, done], "in_progress", today=TODAY)
        assert (
            s.scalar(select(func.count()).select_from(Case).where(Case.status == "in_progress"))
            == 0
        )
        assert bulk_move(s, CITY, plan.allowed, "in_progress", today=TODAY) == 3
        s.commit()
    with database.session() as s:
        statuses = s.scalars(select(Case.status).where(Case.id.in_(ids))).all()
        assert set(statuses) == {CaseStatus.IN_PROGRESS}
        assert len(s.scalars(select(CaseChange).where(CaseChange.field == "status")).all()) == 3
        detail = json.loads(_audit(s, "bulk_status")[0].detail)
        assert detail["count"] == 3
        assert detail["case_ids"] == ids


def test_bulk_responsible_person(database):
    with database.session() as s:
        ids = [make_case(s).id for _ in range(2)]
        s.commit()
        assert bulk_set_responsible(s, CITY, ids, "resp_specific", " 孙七 ") == 2
        s.commit()
        with pytest.raises(ValidationError):
            bulk_set_responsible(s, CITY, ids, "owner", "x")
    with database.session() as s:
        assert set(s.scalars(select(Case.resp_specific).where(Case.id.in_(ids)))) == {"孙七"}
        assert _history(s, ids[0], "resp_specific")[0].old_value == "赵干事"


# -- attachments and saved views -----------------------------------------------------------
def test_attachments_add_read_and_copy(database, case_id, tmp_path):
    with database.session() as s:
        att = attach_to_case(s, CITY, case_id, "现场照片.png", PNG)
        s.commit()
        name, mime, content = read_case_attachment(s, CITY, att)
        assert (name, mime, content) == ("现场照片.png", "image/png", PNG)
        dest = save_attachment_copy(s, CITY, att, tmp_path / "副本.png")
        s.commit()
        assert dest.read_bytes() == PNG
        other = unit(s, "新乐市").id
        with pytest.raises(PermissionDenied):
            read_case_attachment(s, Actor(None, "x", Role.COUNTY_CLERK, unit_id=other), att)
        assert _audit(s, "save_copy")[0].object_id == str(att)
        assert _history(s, case_id, "attachment")[0].new_value == "现场照片.png"


def test_saved_views_are_per_user(database):
    me, you = Actor(1, "a", Role.CITY_CLERK), Actor(2, "b", Role.CITY_CLERK)
    with database.session() as s:
        from models import User

        s.add_all([User(id=1, username="a", display_name="a", role=Role.CITY_CLERK),
                   User(id=2, username="b", display_name="b", role=Role.CITY_CLERK)])  # fmt: skip
        s.commit()
        vid = save_view(s, me, " 灵寿县  逾期未完成 ", {"filter": {"overdue": True}})
        s.commit()
        save_view(s, me, "灵寿县 逾期未完成", {"filter": {"overdue": True, "search": "x"}})
        s.commit()
        assert [(v.id, v.name, v.state["filter"]) for v in list_views(s, me)] == [
            (vid, "灵寿县 逾期未完成", {"overdue": True, "search": "x"})
        ]
        assert list_views(s, you) == []
        with pytest.raises(ValidationError):
            save_view(s, me, "  ", {})
        delete_view(s, me, vid)
        s.commit()
        assert list_views(s, me) == []
