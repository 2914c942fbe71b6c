"""A small hand-built world whose every figure is known, shared by the stats, overview and
report tests (imported from here), and a check that it is what the other tests assume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.letters.templates import ensure_default_template
from models import (
    AccountabilityRecord,
    Campaign,
    CampaignStage,
    Case,
    CaseLookback,
    CountyReturn,
    Letter,
    SpotCheck,
    SpotCheckFinding,
    SpotCheckMember,
    SpotCheckSite,
)
from models.codes import (
    AccountabilityStatus,
    CaseStatus,
    Classification,
    FindingKind,
    LetterStatus,
    LookbackResult,
    Measure,
    ReturnStatus,
    StageKind,
)
from tests.factories import batch, make_case, unit

D = dt.date
AS_OF = D(2026, 4, 30)  # the date most figures are asked for
TODAY = D(2026, 3, 10)  # "today" of the overview tiles


@dataclass
class World:
    lingshou: int
    xinle: int
    c1: int  # 灵寿 关停取缔: found 1/10, done 2/5, closed 3/1
    c2: int  # 灵寿 提升改造: found 1/20, done 3/15 (待验收)
    c3: int  # 新乐 关停取缔: found 2/1, in progress, deadline 3/1 (overdue from 3/2)
    c4: int  # 新乐 整合搬迁: no discovery date (entered 1/5), pending
    c5: int  # 灵寿 关停取缔: found 2/10, done 2/20, closed 2/25, relapsed 3/20, 类散乱污
    c6: int  # 新乐 提升改造: found 5/5 (after AS_OF), pending, 新增 batch
    stage_id: int


def build_world(session: Session) -> World:
    """Cases, a look-back relapse, a campaign with returns, letters, spot checks, records."""
    ls, xl = unit(session, "灵寿县"), unit(session, "新乐市")
    added = batch(session, "新增", None)
    c1 = make_case(
        session,
        unit=ls,
        classification=Classification.SHUTDOWN,
        discovered_on=D(2026, 1, 10),
        completed_on=D(2026, 2, 5),
        accepted_on=D(2026, 2, 20),
        closed_on=D(2026, 3, 1),
        status=CaseStatus.CLOSED,
        deadline=D(2026, 2, 28),
    )
    c2 = make_case(
        session,
        unit=ls,
        classification=Classification.UPGRADE,
        discovered_on=D(2026, 1, 20),
        completed_on=D(2026, 3, 15),
        status=CaseStatus.COMPLETED,
        deadline=D(2026, 4, 1),
    )
    c3 = make_case(
        session,
        unit=xl,
        classification=Classification.SHUTDOWN,
        discovered_on=D(2026, 2, 1),
        status=CaseStatus.IN_PROGRESS,
        deadline=D(2026, 3, 1),
    )
    c4 = make_case(
        session,
        unit=xl,
        classification=Classification.RELOCATE,
        discovered_on=None,
        status=CaseStatus.PENDING,
        created_at=dt.datetime(2026, 1, 5, 9, 0),
    )
    c5 = make_case(
        session,
        unit=ls,
        classification=Classification.SHUTDOWN,
        discovered_on=D(2026, 2, 10),
        completed_on=D(2026, 2, 20),
        accepted_on=D(2026, 2, 22),
        closed_on=D(2026, 2, 25),
        status=CaseStatus.IN_PROGRESS,
        is_relapsed=True,
        relapse_count=1,
        is_quasi=True,
    )
    c6 = make_case(
        session,
        unit=xl,
        classification=Classification.UPGRADE,
        discovered_on=D(2026, 5, 5),
        status=CaseStatus.PENDING,
        batch_id=added.id,
    )
    session.add(
        CaseLookback(case_id=c5.id, checked_on=D(2026, 3, 20), result=LookbackResult.RELAPSE)
    )
    session.add(
        CaseLookback(case_id=c1.id, checked_on=D(2026, 3, 20), result=LookbackResult.NORMAL)
    )

    campaign = Campaign(
        name="2026年专项行动",
        year=2026,
        plan_title="《测试方案》",
        started_on=D(2026, 1, 1),
        requirements="要求一\n要求二",
    )
    stage = CampaignStage(
        kind=StageKind.SELF_INSPECTION,
        name="全面自查",
        sort_order=1,
        starts_on=D(2026, 2, 1),
        deadline=D(2026, 3, 5),
    )
    later = CampaignStage(
        kind=StageKind.ACCOUNTABILITY,
        name="排查问责",
        sort_order=2,
        starts_on=D(2026, 3, 6),
        deadline=D(2026, 12, 31),
    )
    campaign.stages.extend([stage, later])
    session.add(campaign)
    session.flush()
    session.add_all(
        [
            CountyReturn(
                unit_id=ls.id,
                stage_id=stage.id,
                received_on=D(2026, 3, 1),
                signed_on=D(2026, 2, 28),
                published_on=D(2026, 3, 1),
                status=ReturnStatus.APPROVED,
                reviewed_at=dt.datetime(2026, 3, 2, 10),
            ),
            CountyReturn(
                unit_id=xl.id,
                stage_id=stage.id,
                received_on=D(2026, 3, 8),
                status=ReturnStatus.PENDING,
            ),
        ]
    )
    template = ensure_default_template(session)
    session.add_all(
        [
            Letter(
                unit_id=ls.id,
                campaign_id=campaign.id,
                template_id=template.id,
                status=LetterStatus.SIGNED,
                issued_on=D(2026, 2, 15),
                signed_on=D(2026, 2, 18),
            ),
            Letter(
                unit_id=xl.id,
                campaign_id=campaign.id,
                template_id=template.id,
                status=LetterStatus.ISSUED,
                issued_on=D(2026, 2, 15),
            ),
        ]
    )
    check = SpotCheck(
        campaign_id=campaign.id, checked_on=D(2026, 2, 12), group_name="第1组", unit_id=ls.id
    )
    check.members.extend([SpotCheckMember(name="甲"), SpotCheckMember(name="乙")])
    check.sites.extend([SpotCheckSite(site_name="点位1"), SpotCheckSite(site_name="点位2")])
    check.findings.append(SpotCheckFinding(kind=FindingKind.NEW_CASE, case_id=c6.id))
    session.add(check)
    session.add_all(
        [
            AccountabilityRecord(
                unit_id=xl.id, measure=Measure.INTERVIEW, status=AccountabilityStatus.PROPOSED
            ),
            AccountabilityRecord(
                unit_id=ls.id, measure=Measure.CIRCULAR, status=AccountabilityStatus.EXECUTED
            ),
        ]
    )
    session.commit()
    return World(ls.id, xl.id, c1.id, c2.id, c3.id, c4.id, c5.id, c6.id, stage.id)


def test_the_world_is_as_described(database):
    with database.session() as s:
        w = build_world(s)
        assert s.scalar(select(func.count()).select_from(Case)) == 6
        assert s.get(Case, w.c4).discovered_on is None
        assert s.get(Case, w.c5).is_relapsed
        assert s.get(Case, w.c6).batch.name == "新增"
