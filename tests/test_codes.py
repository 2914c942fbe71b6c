from models.codes import (
    CaseStatus,
    Classification,
    LookbackResult,
    PollutionType,
    ProblemType,
    Source,
    join_codes,
    labels_of_codes,
    split_codes,
)


def test_classification_aliases_of_county_sheets():
    for alias in ("关停取缔", "取缔关停", "关停", " 关停 "):
        assert Classification.parse(alias) is Classification.SHUTDOWN
    for alias in ("整合搬迁", "限期搬迁", "搬迁入园"):
        assert Classification.parse(alias) is Classification.RELOCATE
    for alias in ("提升改造", "整改提升", "升级改造"):
        assert Classification.parse(alias) is Classification.UPGRADE
    assert Classification.parse("shutdown") is Classification.SHUTDOWN
    assert Classification.parse("拆除") is None
    assert Classification.parse("") is None
    assert Classification.parse(None) is None


def test_codes_are_stable_strings_with_chinese_labels():
    assert CaseStatus.CLOSED == "closed"
    assert CaseStatus.CLOSED.label == "已销号"
    assert [c for c, _ in CaseStatus.choices()] == [
        "pending", "in_progress", "completed", "accepted", "closed",
    ]  # fmt: skip
    assert Source.label_of("power_data") == "电力数据研判"
    assert Source.label_of("unknown_code") == "unknown_code"
    assert Source.label_of(None) == ""
    assert LookbackResult.RELAPSE.label == "死灰复燃"


def test_multi_valued_codes_round_trip_in_declaration_order():
    stored = join_codes({ProblemType.POLLUTING, ProblemType.SCATTERED})
    assert stored == "scattered,polluting"
    assert split_codes(ProblemType, stored) == [ProblemType.SCATTERED, ProblemType.POLLUTING]
    assert labels_of_codes(PollutionType, "air,noise") == "废气、噪声"
    assert split_codes(PollutionType, "air,bogus,") == [PollutionType.AIR]
    assert join_codes([]) == ""
