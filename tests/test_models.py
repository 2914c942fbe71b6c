"""The schema on every backend: relations, optimistic locking, large attachments."""

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from models import (
    AccountabilityAmendment,
    AccountabilityPerson,
    AccountabilityProblem,
    AccountabilityRecord,
    Attachment,
    AttachmentBlob,
    Campaign,
    CampaignStage,
    Case,
    CaseChange,
    CaseCheck,
    CaseLookback,
    CountyReturn,
    Letter,
    LetterTemplate,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
    User,
)
from models.codes import (
    AccountabilityStatus,
    AttachmentKind,
    CaseStatus,
    CheckItem,
    FindingKind,
    LetterStatus,
    LookbackResult,
    Measure,
    ProblemKind,
    ReturnStatus,
    Role,
    StageKind,
)
from tests.factories import make_case, unit


def test_case_with_checklist_lookback_and_history(database):
    with database.session() as s:
        case = make_case(s)
        case.checks = [CaseCheck(item=item, done_on=dt.date(2026, 5, 20)) for item in CheckItem]
        case.lookbacks.append(
            CaseLookback(
                checked_on=dt.date(2026, 9, 1), result=LookbackResult.RELAPSE, inspector="李"
            )
        )
        case.changes.append(
            CaseChange(field="status", old_value="pending", new_value="in_progress")
        )
        s.commit()
        case_id = case.id
    with database.session() as s:
        case = s.get(Case, case_id)
        assert [c.item for c in case.checks] == list(CheckItem)
        assert case.lookbacks[0].result is LookbackResult.RELAPSE
        assert case.changes[0].new_value == "in_progress"
        assert case.status is CaseStatus.PENDING
        assert case.unit.name == "灵寿县"
        assert case.industry.name == "蛭石"
        assert case.township.name == "灵寿镇"


def test_unnamed_site_is_identified_by_address_and_owner(database):
    with database.session() as s:
        case = make_case(s, name=None)
        s.commit()
        assert case.display_name.startswith("（无名称）")
        assert "王建国" in case.display_name


def test_stale_save_is_refused_by_the_version_column(database):
    with database.session() as s:
        case_id = make_case(s).id
        s.commit()
    a = database.session()
    b = database.session()
    try:
        ca = a.get(Case, case_id)
        cb = b.get(Case, case_id)
        ca.owner = "甲"
        a.commit()
        assert ca.version == 2
        cb.owner = "乙"
        with pytest.raises(StaleDataError):
            b.commit()
        b.rollback()
    finally:
        a.close()
        b.close()
    with database.session() as s:
        assert s.get(Case, case_id).owner == "甲"


def test_attachment_content_over_64kb_is_kept_intact(database):
    payload = bytes(range(256)) * 1024  # 256 KB: more than MySQL's plain BLOB holds
    digest = hashlib.sha256(payload).hexdigest()
    with database.session() as s:
        case = make_case(s)
        s.add(AttachmentBlob(sha256=digest, size=len(payload), content=payload))
        s.add(Attachment(sha256=digest, filename="断电记录.pdf", size=len(payload),
                         kind=AttachmentKind.POWER_RECORD, case_id=case.id))  # fmt: skip
        s.commit()
    with database.session() as s:
        att = s.scalars(select(Attachment)).one()
        blob = s.get(AttachmentBlob, att.sha256)
        assert blob.content == payload
        assert att.kind is AttachmentKind.POWER_RECORD


def test_campaign_returns_letters_spot_checks_accountability(database):
    with database.session() as s:
        lingshou = unit(s)
        camp = Campaign(name="2026年专项行动", year=2026)
        stage = CampaignStage(kind=StageKind.SELF_INSPECTION, name="全面自查",
                              deadline=dt.date(2026, 5, 25), sort_order=2)  # fmt: skip
        camp.stages.append(stage)
        s.add(camp)
        s.flush()
        s.add(CountyReturn(unit_id=lingshou.id, stage_id=stage.id, received_on=dt.date(2026, 5, 24),
                           signer_name="县长", status=ReturnStatus.PENDING))  # fmt: skip
        tpl = LetterTemplate(
            version_no=1, name="承诺书", title="承诺书", body="[]", issuer_name="市局"
        )
        s.add(tpl)
        s.flush()
        s.add(Letter(unit_id=lingshou.id, campaign_id=camp.id, template_id=tpl.id,
                     status=LetterStatus.ISSUED, issued_on=dt.date(2026, 5, 17)))  # fmt: skip
        case = make_case(s)
        check = SpotCheck(campaign_id=camp.id, checked_on=dt.date(2026, 5, 7), group_name="第一组",
                          unit_id=lingshou.id)  # fmt: skip
        check.members = [SpotCheckMember(name=n) for n in ("甲", "乙", "丙")]
        check.sites = [SpotCheckSite(site_name="某厂", case_id=case.id)]
        check.findings = [SpotCheckFinding(kind=FindingKind.NEW_CASE, case_id=case.id)]
        s.add(check)
        rec = AccountabilityRecord(unit_id=lingshou.id, measure=Measure.INTERVIEW)
        rec.persons.append(AccountabilityPerson(name="某某", post="副镇长"))
        rec.problems.append(AccountabilityProblem(kind=ProblemKind.RELAPSE, case_id=case.id))
        s.add(rec)
        s.flush()
        rec.status, rec.doc_no = AccountabilityStatus.DECIDED, "a"  # amendments: decided only
        s.flush()
        s.add(
            AccountabilityAmendment(
                record_id=rec.id, reason="更正文号", changes='{"doc_no": ["a", "b"]}'
            )
        )
        s.add(
            User(
                username="clerk", display_name="业务员", role=Role.COUNTY_CLERK, unit_id=lingshou.id
            )
        )
        s.commit()
    with database.session() as s:
        check = s.scalars(select(SpotCheck)).one()
        assert len(check.members) == 3
        assert check.findings[0].kind is FindingKind.NEW_CASE
        rec = s.scalars(select(AccountabilityRecord)).one()
        assert rec.amendments[0].reason == "更正文号"
        assert s.scalars(select(User)).one().role is Role.COUNTY_CLERK
