"""The life of a letter on SQLite, PostgreSQL and MariaDB, and the overview of all units."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from controllers.actor import SYSTEM, Actor
from controllers.attachments import attachment_content, attachments_of
from controllers.editing import EditConflict
from controllers.errors import ValidationError, WorkflowError
from controllers.letters.batch import prepare_letters
from controllers.letters.overview import letters_overview
from controllers.letters.workflow import (
    archive_letter,
    issue_letters,
    read_scan,
    record_signature,
    step_back,
)
from controllers.permissions import PermissionDenied
from controllers.units import unit_ids_by_names
from models import AuditEntry, Letter
from models.codes import AttachmentKind, LetterStatus, Role

CLERK = Actor(user_id=None, username="li", role=Role.CITY_CLERK, display_name="李")
TODAY = dt.date(2026, 6, 10)
SCAN = b"%PDF-1.4\n% scanned signed letter\n" + bytes(range(256)) * 40


def _letters(session, names):
    ids = unit_ids_by_names(session, names)
    letters, _ = prepare_letters(session, CLERK, ids, dt.date(2026, 5, 17))
    session.commit()
    return letters


def test_a_letter_goes_from_draft_to_archived(database):
    with database.session() as s:
        (letter,) = _letters(s, ["灵寿县"])
        assert letter.status == LetterStatus.DRAFT
        issue_letters(s, CLERK, {letter.id: letter.version}, dt.date(2026, 5, 17), today=TODAY)
        s.commit()
        assert (letter.status, letter.issued_on, letter.due_on) == (
            LetterStatus.ISSUED, dt.date(2026, 5, 17), dt.date(2026, 5, 24))  # fmt: skip
        record_signature(s, CLERK, letter.id, letter.version, " 雷素英 ", dt.date(2026, 5, 20),
                         today=TODAY)  # fmt: skip
        s.commit()
        assert (letter.status, letter.signer_name, letter.signed_on) == (
            LetterStatus.SIGNED, "雷素英", dt.date(2026, 5, 20))  # fmt: skip
        archive_letter(s, CLERK, letter.id, letter.version, SCAN, "灵寿县签署件.pdf",
                       dt.date(2026, 5, 22), today=TODAY)  # fmt: skip
        s.commit()
        letter_id = letter.id
    with database.session() as s:
        letter = s.get(Letter, letter_id)
        assert letter.status == LetterStatus.ARCHIVED
        assert letter.archived_on == dt.date(2026, 5, 22)
        (att,) = attachments_of(s, letter_id=letter_id)
        assert att.kind == AttachmentKind.SIGNED_LETTER
        assert attachment_content(s, att.id)[1] == SCAN
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "letter")
        ).all()
        assert actions == ["letter_issue", "letter_sign", "letter_archive"]
        row = next(r for r in letters_overview(s, CLERK, TODAY).rows if r.unit_name == "灵寿县")
        assert (row.status, row.scans, row.missing, row.late) == (
            LetterStatus.ARCHIVED,
            1,
            "",
            False,
        )


def test_steps_out_of_order_are_refused_and_nothing_changes(database):
    with database.session() as s:
        draft, issued = _letters(s, ["灵寿县", "无极县"])
        issue_letters(s, CLERK, {issued.id: issued.version}, dt.date(2026, 5, 17), today=TODAY)
        s.commit()
        with pytest.raises(WorkflowError, match="当前为“起草”，不能登记签署"):
            record_signature(s, CLERK, draft.id, draft.version, "甲", dt.date(2026, 5, 20))
        with pytest.raises(WorkflowError, match="“无极县”的承诺书当前为“已印发”，不能印发"):
            issue_letters(s, CLERK, {draft.id: draft.version, issued.id: issued.version},
                          dt.date(2026, 5, 18), today=TODAY)  # fmt: skip
        s.rollback()
        assert s.get(Letter, draft.id).status == LetterStatus.DRAFT  # all or nothing
        with pytest.raises(WorkflowError, match="不能归档"):
            archive_letter(s, CLERK, issued.id, issued.version, SCAN, "x.pdf", dt.date(2026, 5, 20))
        with pytest.raises(ValidationError, match="不能早于印发日期"):
            record_signature(s, CLERK, issued.id, issued.version, "甲", dt.date(2026, 5, 1),
                             today=TODAY)  # fmt: skip
        with pytest.raises(ValidationError, match="请填写签署人姓名"):
            record_signature(s, CLERK, issued.id, issued.version, "  ", dt.date(2026, 5, 20))
        with pytest.raises(ValidationError, match="不能晚于今天"):
            record_signature(s, CLERK, issued.id, issued.version, "甲", dt.date(2026, 7, 1),
                             today=TODAY)  # fmt: skip
        with pytest.raises(ValidationError, match="返回期限"):
            issue_letters(s, CLERK, {draft.id: draft.version}, dt.date(2026, 5, 17),
                          dt.date(2026, 5, 1), today=TODAY)  # fmt: skip


def test_another_clerks_change_is_never_overwritten(database):
    with database.session() as s:
        (letter,) = _letters(s, ["灵寿县"])
        seen = letter.version
        issue_letters(s, CLERK, {letter.id: seen}, dt.date(2026, 5, 17), today=TODAY)
        s.commit()
        with pytest.raises(EditConflict):
            record_signature(s, CLERK, letter.id, seen, "甲", dt.date(2026, 5, 20), today=TODAY)
        s.rollback()
        assert s.get(Letter, letter.id).signer_name is None


def test_archiving_needs_a_scan_and_a_sensible_date(database, tmp_path):
    with database.session() as s:
        (letter,) = _letters(s, ["灵寿县"])
        issue_letters(s, CLERK, {letter.id: letter.version}, dt.date(2026, 5, 17), today=TODAY)
        record_signature(s, CLERK, letter.id, letter.version, "甲", dt.date(2026, 5, 20),
                         today=TODAY)  # fmt: skip
        s.commit()
        with pytest.raises(ValidationError, match="不是扫描件"):
            archive_letter(s, CLERK, letter.id, letter.version, SCAN, "说明.docx",
                           dt.date(2026, 5, 21), today=TODAY)  # fmt: skip
        with pytest.raises(ValidationError, match="不能早于签署日期"):
            archive_letter(s, CLERK, letter.id, letter.version, SCAN, "a.pdf",
                           dt.date(2026, 5, 19), today=TODAY)  # fmt: skip
        with pytest.raises(ValidationError, match="空的"):
            archive_letter(s, CLERK, letter.id, letter.version, b"", "a.pdf",
                           dt.date(2026, 5, 21), today=TODAY)  # fmt: skip
        s.rollback()
        assert s.get(Letter, letter.id).status == LetterStatus.SIGNED
        assert attachments_of(s, letter_id=letter.id) == []
    scan = tmp_path / "扫描件.png"
    scan.write_bytes(b"\x89PNG" + b"0" * 100)
    assert read_scan(scan) == (scan.read_bytes(), "扫描件.png")
    with pytest.raises(ValidationError, match="无法读取"):
        read_scan(tmp_path / "missing.pdf")


def test_a_step_taken_by_mistake_is_undone_with_a_reason(database):
    with database.session() as s:
        (letter,) = _letters(s, ["灵寿县"])
        with pytest.raises(WorkflowError, match="没有可撤回的步骤"):
            step_back(s, CLERK, letter.id, letter.version, "误操作")
        issue_letters(s, CLERK, {letter.id: letter.version}, dt.date(2026, 5, 17), today=TODAY)
        record_signature(s, CLERK, letter.id, letter.version, "错人", dt.date(2026, 5, 20),
                         today=TODAY)  # fmt: skip
        s.commit()
        with pytest.raises(ValidationError, match="撤回的原因"):
            step_back(s, CLERK, letter.id, letter.version, " ")
        step_back(s, CLERK, letter.id, letter.version, "签署人登记错误")
        s.commit()
        assert letter.status == LetterStatus.ISSUED
        assert letter.signer_name is None
        assert "签署人登记错误" in letter.note
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "letter_step_back")).one()
        assert json.loads(entry.detail)["from"] == "signed"


def test_only_letter_managers_change_letters(database):
    with database.session() as s:
        (letter,) = _letters(s, ["灵寿县"])
        county = Actor(user_id=None, username="c", role=Role.COUNTY_CLERK, unit_id=letter.unit_id)
        for actor in (county, Actor(user_id=None, username="a", role=Role.AUDITOR)):
            with pytest.raises(PermissionDenied):
                issue_letters(s, actor, {letter.id: letter.version}, dt.date(2026, 5, 17))
            with pytest.raises(PermissionDenied):
                prepare_letters(s, actor)


def test_overview_shows_what_is_missing_and_late_letters(database):
    with database.session() as s:
        a, b, _c = _letters(s, ["灵寿县", "无极县", "新乐市"])
        issue_letters(s, CLERK, {a.id: a.version, b.id: b.version}, dt.date(2026, 5, 17),
                      dt.date(2026, 5, 24), today=TODAY)  # fmt: skip
        record_signature(s, CLERK, b.id, b.version, "乙", dt.date(2026, 5, 20), today=TODAY)
        s.commit()
        overview = letters_overview(s, CLERK, today=TODAY)
        rows = {r.unit_name: r for r in overview.rows}
        assert len(rows) == 25
        assert rows["灵寿县"].late
        assert rows["灵寿县"].days_late == 17
        assert rows["灵寿县"].missing == "签署件逾期未返回（应于5月24日前返回，已逾期17天）"
        assert rows["无极县"].missing == "缺签署件扫描件，尚未归档"
        assert not rows["无极县"].late
        assert rows["新乐市"].missing == "尚未印发"
        assert rows["长安区"].status is None
        assert rows["长安区"].missing == "尚未生成承诺书"
        assert overview.late == 1
        assert overview.summary() == (
            "共 25 个单位，已归档 0，已签署 1，已印发 1，起草 1，未生成 22，逾期未返回 1"
        )
        on_time = letters_overview(s, CLERK, today=dt.date(2026, 5, 24)).rows
        assert not any(r.late for r in on_time)


def test_a_county_clerk_sees_only_their_own_unit(database):
    with database.session() as s:
        (letter,) = _letters(s, ["灵寿县"])
        county = Actor(user_id=None, username="c", role=Role.COUNTY_CLERK, unit_id=letter.unit_id)
        rows = letters_overview(s, county, TODAY).rows
        assert [r.unit_name for r in rows] == ["灵寿县"]


def test_demo_letters_are_signed_from_template_one(demo_db):
    with demo_db.session() as s:
        overview = letters_overview(s, SYSTEM, TODAY)
        assert len(overview.rows) == 25
        assert {r.status for r in overview.rows} == {LetterStatus.SIGNED}
        assert {r.template_version for r in overview.rows} == {1}
        assert all(r.missing == "缺签署件扫描件，尚未归档" for r in overview.rows)
