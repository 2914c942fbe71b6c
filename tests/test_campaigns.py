"""Campaigns and their stages on every backend: create, change, conflicts, what is kept."""

import datetime as dt

import pytest
from sqlalchemy import select

from controllers.actor import Actor
from controllers.campaigns import (
    StageInput,
    campaign_detail,
    default_campaign,
    delete_campaign,
    list_campaigns,
    save_campaign,
)
from controllers.editing import EditConflict
from controllers.errors import ValidationError
from controllers.permissions import PermissionDenied
from models import AuditEntry, CampaignStage, CountyReturn
from models.codes import Role, StageKind
from tests.factories import unit

CITY = Actor(None, "city", Role.CITY_CLERK)
COUNTY = Actor(None, "lingshou", Role.COUNTY_CLERK, unit_id=12)
D = dt.date


def test_create_a_campaign_with_the_usual_stages(database):
    with database.session() as s:
        cid = save_campaign(s, CITY, default_campaign(2027))
        s.commit()
    with database.session() as s:
        data, version = campaign_detail(s, CITY, cid)
        assert data.name == "2027年“散乱污”企业持续排查整治专项行动"
        assert [st.name for st in data.stages] == ["动员部署", "全面自查", "排查问责"]
        assert data.stages[1].deadline == D(2027, 5, 25)
        assert version == 1
        rows = list_campaigns(s, CITY, today=D(2027, 5, 1))
        assert rows[0].current_deadline == D(2027, 5, 25)
        assert rows[0].returns == 0
        assert "全面自查（2027-05-01 至 2027-05-25）" in rows[0].stages
        assert (
            s.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "campaign"))
            == "create"
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "  "}, "请填写专项行动名称"),
        ({"year": 1999}, "年度“1999”不正确"),
        ({"stages": []}, "至少要有一个阶段"),
        ({"stages": [StageInput(StageKind.SELF_INSPECTION, "全面自查", D(2027, 5, 25), D(2027, 5, 1))]},
         "早于开始日期"),
        ({"stages": [StageInput(StageKind.SELF_INSPECTION, "全面自查", None, D(2027, 5, 25)),
                     StageInput(StageKind.MOBILISE, "动员部署", None, D(2027, 4, 30))]},
         "请按时间先后排列阶段"),
        ({"stages": [StageInput(StageKind.SELF_INSPECTION, "", None, None)]}, "第 1 个阶段缺少名称"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_written(sqlite_db, change, message):
    data = default_campaign(2027)
    for key, value in change.items():
        setattr(data, key, value)
    with sqlite_db.session() as s:
        with pytest.raises(ValidationError, match=message):
            save_campaign(s, CITY, data)
        assert list_campaigns(s, CITY) == []


def test_only_city_clerks_manage_campaigns(sqlite_db):
    with sqlite_db.session() as s, pytest.raises(PermissionDenied):
        save_campaign(s, COUNTY, default_campaign(2027))


def test_change_stages_and_a_stale_save_shows_both_versions(database):
    with database.session() as s:
        cid = save_campaign(s, CITY, default_campaign(2027))
        s.commit()
    with database.session() as s:
        mine, version = campaign_detail(s, CITY, cid)
        theirs, _ = campaign_detail(s, CITY, cid)
    theirs.stages[1].deadline = D(2027, 6, 10)  # another clerk moves the deadline first
    with database.session() as s:
        save_campaign(s, CITY, theirs, cid, version)
        s.commit()
    mine.plan_title = "《2027年专项行动方案》"
    with database.session() as s:
        with pytest.raises(EditConflict) as err:
            save_campaign(s, CITY, mine, cid, version)
        fields = {c.field: (c.mine, c.theirs) for c in err.value.conflicts}
        assert fields["plan_title"] == ("《2027年专项行动方案》", "")
        assert "2027-06-10" in fields["stages"][1]
        assert err.value.current_version == version + 1
    with database.session() as s:
        data, now_version = campaign_detail(s, CITY, cid)
        assert data.stages[1].deadline == D(2027, 6, 10)
        assert data.plan_title == ""
        # the clerk keeps the other deadline and adds the title: saved at the new version
        data.plan_title = "《2027年专项行动方案》"
        save_campaign(s, CITY, data, cid, now_version)
        s.commit()
    with database.session() as s:
        data, _ = campaign_detail(s, CITY, cid)
        assert (data.plan_title, data.stages[1].deadline) == (
            "《2027年专项行动方案》",
            D(2027, 6, 10),
        )


def test_a_stage_with_returns_is_kept_and_the_campaign_cannot_be_deleted(database):
    with database.session() as s:
        cid = save_campaign(s, CITY, default_campaign(2027))
        s.commit()
    with database.session() as s:
        stage = s.scalars(select(CampaignStage).where(CampaignStage.name == "全面自查")).one()
        s.add(CountyReturn(unit_id=unit(s).id, stage_id=stage.id, received_on=D(2027, 5, 20)))
        s.commit()
        data, version = campaign_detail(s, CITY, cid)
    data.stages = [st for st in data.stages if st.name != "全面自查"]
    with database.session() as s:
        with pytest.raises(ValidationError, match="已有县区上报记录，不能删除"):
            save_campaign(s, CITY, data, cid, version)
        with pytest.raises(ValidationError, match="不能删除"):
            delete_campaign(s, CITY, cid, version)
        assert len(campaign_detail(s, CITY, cid)[0].stages) == 3
        assert list_campaigns(s, CITY)[0].returns == 1


def test_an_unused_campaign_can_be_deleted(sqlite_db):
    with sqlite_db.session() as s:
        cid = save_campaign(s, CITY, default_campaign(2027))
        s.commit()
        delete_campaign(s, CITY, cid, 1)
        s.commit()
        assert list_campaigns(s, CITY) == []
