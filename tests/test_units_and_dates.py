"""One rule for what a clerk types: units by name, short name or code; dates and months."""

import argparse
import datetime as dt

import pytest

from cli.arg_types import date_arg, month_arg
from controllers.dates import parse_date, parse_month
from controllers.errors import NotFoundError, ValidationError
from controllers.units import UnknownUnit, find_unit, unit_ids_by_names
from models import Unit
from models.codes import UnitKind


def test_a_unit_is_found_by_name_short_name_or_code_whatever_the_spacing(sqlite_db):
    with sqlite_db.session() as s:
        lingshou = find_unit(s, "灵寿县").id
        for text in ("灵寿", " 灵 寿 县 ", "lingshou", "LingShou", "ＬＩＮＧＳＨＯＵ"):
            assert find_unit(s, text).id == lingshou, text
        assert unit_ids_by_names(s, ["灵寿", "lingshou", "无极县"]) == [
            lingshou,
            find_unit(s, "无极").id,
        ]


def test_an_unknown_or_ambiguous_unit_is_a_clear_error(sqlite_db):
    with sqlite_db.session() as s:
        with pytest.raises(UnknownUnit, match=r"没有名为“火星县”的责任单位.*灵寿县") as err:
            find_unit(s, "火星县")
        assert isinstance(err.value, NotFoundError)
        assert isinstance(err.value, ValidationError)
        assert err.value.field == "unit"
        # a zone whose short name is another unit's code: the text fits both
        s.add(Unit(code="zone9", name="示范园区", short_name="lingshou", kind=UnitKind.PARK))
        s.flush()
        with pytest.raises(
            UnknownUnit, match="同时对应多个责任单位：示范园区（zone9）、灵寿县（lingshou）"
        ):
            find_unit(s, "lingshou")
        assert find_unit(s, "示范园区").code == "zone9"  # a full name wins
        s.rollback()


@pytest.mark.parametrize(
    "text", ["2026-05-25", "2026/5/25", "2026.5.25", "2026年5月25日", "20260525", "２０２６-05-25"]
)
def test_one_date_rule_for_forms_and_command_line(text):
    assert parse_date(text) == dt.date(2026, 5, 25)
    assert date_arg(text) == dt.date(2026, 5, 25)


def test_months_and_bad_input():
    for text in ("2026-05", "2026/5", "2026.5", "2026年5月", "202605"):
        assert parse_month(text) == dt.date(2026, 5, 1), text
        assert month_arg(text) == dt.date(2026, 5, 1), text
    assert parse_date(" ") is None
    with pytest.raises(ValueError, match="没有2月30日"):
        parse_date("2026-02-30")
    with pytest.raises(argparse.ArgumentTypeError, match="不是日期"):
        date_arg("明天")
    with pytest.raises(argparse.ArgumentTypeError, match="不是月份"):
        month_arg("2025-13")
