"""The register's column arrays: loading, unit scope, filters equal to SQL, sorting."""

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import func, select

from controllers.actor import SYSTEM, Actor
from controllers.cases.filters import CaseFilter, apply_to_select
from controllers.cases.register_data import (
    NULL_INT,
    SEARCH_SEP,
    TOTAL_UNKNOWN,
    date_of,
    day_of,
    fetch_details,
    fetch_text_column,
    load_register,
    load_register_preview,
    load_register_rows,
)
from controllers.cases.register_view import (
    describe_filter,
    filter_mask,
    needs_text_ranks,
    search_mask,
    sort_values,
    sorted_positions,
    text_ranks,
)
from controllers.permissions import PermissionDenied
from controllers.text_order import sorted_texts
from models import Case, Industry, Township
from models.codes import CaseStatus, Classification, Role, Source
from tests.factories import batch, make_case, unit

TODAY = dt.date(2026, 7, 1)


def _sql_ids(session, f: CaseFilter, actor=SYSTEM) -> set[int]:
    from controllers.permissions import scope_to_unit

    stmt = scope_to_unit(select(Case.id), actor, Case.unit_id)
    return set(session.scalars(apply_to_select(stmt, f, TODAY)))


def _mem_ids(data, f: CaseFilter) -> set[int]:
    return set(data.ids[filter_mask(data, f, TODAY)].tolist())


@pytest.fixture
def mixed(database):
    """A dozen varied cases in two units (names with spaces, full-width digits, blanks)."""
    with database.session() as s:
        lingshou, xinle = unit(s, "灵寿县"), unit(s, "新乐市")
        felt = s.scalar(select(Industry).where(Industry.code == "asphalt_felt"))
        added = batch(s, "新增", None)
        town_x = s.scalar(select(Township.id).where(Township.unit_id == xinle.id)) or None
        make_case(s, unit=lingshou, name="灵寿县 东关 蛭石厂", phone="13812345678")
        make_case(s, unit=lingshou, status=CaseStatus.IN_PROGRESS, deadline=dt.date(2026, 6, 1))
        make_case(s, unit=lingshou, status=CaseStatus.COMPLETED, deadline=dt.date(2026, 6, 1),
                  completed_on=dt.date(2026, 5, 30))  # fmt: skip
        make_case(s, unit=lingshou, name=None, address="城关镇北街 8 号", owner="李四",
                  deadline=None, serial_no=None)  # fmt: skip
        make_case(s, unit=xinle, township_id=town_x, name="新乐油毡厂（普通合伙）",
                  industry_id=felt.id, classification=Classification.UPGRADE, is_quasi=True,
                  source=Source.COMPLAINT, batch_id=added.id, phone="0311-88886666")  # fmt: skip
        make_case(s, unit=xinle, township_id=town_x, name="新乐ABC加工点", is_relapsed=True,
                  relapse_count=2, status=CaseStatus.IN_PROGRESS, deadline=dt.date(2026, 8, 1),
                  discovered_on=dt.date(2026, 1, 3))  # fmt: skip
        make_case(s, unit=xinle, name="新乐100%纯_棉厂", closed_on=dt.date(2026, 5, 1),
                  status=CaseStatus.CLOSED, accepted_on=dt.date(2026, 4, 20),
                  completed_on=dt.date(2026, 4, 1), approved_by="王", discovered_on=dt.date(2026, 3, 1))  # fmt: skip
        s.commit()
        return {"lingshou": lingshou.id, "xinle": xinle.id, "felt": felt.id, "added": added.id,
                "town_x": town_x}  # fmt: skip


FILTERS = [
    CaseFilter(),
    CaseFilter(unit_ids=frozenset({1, 2, 3})),
    CaseFilter(classifications=frozenset({"upgrade"})),
    CaseFilter(statuses=frozenset({"in_progress", "closed"})),
    CaseFilter(sources=frozenset({"complaint", "grid_patrol"})),
    CaseFilter(overdue=True),
    CaseFilter(quasi=True),
    CaseFilter(quasi=False),
    CaseFilter(relapsed=True),
    CaseFilter(discovered_from=dt.date(2026, 2, 1), discovered_to=dt.date(2026, 5, 31)),
    CaseFilter(closed_from=dt.date(2026, 4, 1)),
    CaseFilter(search="蛭石"),
    CaseFilter(search="东关蛭石"),  # spaces in the stored name are ignored
    CaseFilter(search="ａｂｃ"),  # full-width and case ignored
    CaseFilter(search="１３８ １２３"),
    CaseFilter(search="100%"),  # % is literal
    CaseFilter(search="纯_棉"),
    CaseFilter(search="%"),
    CaseFilter(search="北街8号"),
    CaseFilter(search="  "),
    CaseFilter(search="不存在的企业"),
    CaseFilter(statuses=frozenset({"in_progress"}), relapsed=True, search="新乐"),
]


def test_in_memory_filter_agrees_with_sql(database, mixed):
    """Every filter of FILTERS keeps the same cases in memory as in SQL (one database each)."""
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        assert len(data) == 7
        for f in FILTERS:
            if f.unit_ids:
                f = f.with_(unit_ids=frozenset({mixed["lingshou"]}))
            assert _mem_ids(data, f) == _sql_ids(s, f), f.to_json()


def test_filters_of_every_kind_and_combined(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        ids = {
            "town": CaseFilter(township_ids=frozenset({mixed["town_x"]})),
            "industry": CaseFilter(industry_ids=frozenset({mixed["felt"]})),
            "batch": CaseFilter(batch_ids=frozenset({mixed["added"]})),
            "unit": CaseFilter(unit_ids=frozenset({mixed["xinle"]})),
            "combined": CaseFilter(unit_ids=frozenset({mixed["lingshou"]}), overdue=True),
            "case_ids": CaseFilter(case_ids=frozenset(data.ids[:2].tolist())),
        }
        for name, f in ids.items():
            assert _mem_ids(data, f) == _sql_ids(s, f), name
        assert len(_mem_ids(data, ids["unit"])) == 3
        assert len(_mem_ids(data, ids["combined"])) == 2  # the completed one is not overdue
        assert len(_mem_ids(data, ids["batch"])) == 1


def test_demo_filters_agree_with_sql(demo_db):
    """The 20,427-case demo: in-memory and SQL counts are equal for many filters."""
    with demo_db.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        assert len(data) == s.scalar(select(func.count()).select_from(Case)) > 20_427
        unit_ids = sorted(data.lookups.units.names)[:3]
        for f in [
            CaseFilter(),
            CaseFilter(unit_ids=frozenset(unit_ids), statuses=frozenset({"closed"})),
            CaseFilter(classifications=frozenset({"shutdown"}), sources=frozenset({"grid_patrol"})),
            CaseFilter(search="蛭石"),
            CaseFilter(search="１３ ８"),
            CaseFilter(search="村东"),
            CaseFilter(batch_ids=frozenset(list(data.lookups.batches.names)[:1]), search="厂"),
            CaseFilter(closed_from=dt.date(2025, 1, 1), closed_to=dt.date(2025, 6, 30)),
        ]:
            n_sql = s.scalar(apply_to_select(select(func.count()).select_from(Case), f, TODAY))
            assert int(filter_mask(data, f, TODAY).sum()) == n_sql, f.to_json()


def test_county_clerk_loads_only_their_unit(database, mixed):
    clerk = Actor(5, "ls", Role.COUNTY_CLERK, unit_id=mixed["lingshou"])
    with database.session() as s:
        data = load_register(s, clerk, today=TODAY)
        assert len(data) == 4
        assert set(data.columns["unit_id"].tolist()) == {mixed["lingshou"]}
        assert list(data.lookups.units.names) == [mixed["lingshou"]]
        other = s.scalar(select(Case.id).where(Case.unit_id == mixed["xinle"]))
        assert fetch_details(s, clerk, [other]) == {}
        with pytest.raises(PermissionDenied):
            load_register(s, Actor(1, "admin", Role.ADMIN), today=TODAY)


def test_default_order_and_details(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        ranks = [data.lookups.units.rank[u] for u in data.columns["unit_id"].tolist()]
        assert ranks == sorted(ranks)
        details = fetch_details(s, SYSTEM, data.ids.tolist())
        names = {details[i][0] for i in data.ids.tolist()}
        assert "新乐油毡厂（普通合伙）" in names
        assert None in names
        unnamed = next(i for i in data.ids.tolist() if details[i][0] is None)
        assert details[unnamed][3] == "城关镇北街 8 号"


def test_preview_is_the_first_rows_in_default_order(database, mixed):
    with database.session() as s:
        full = load_register(s, SYSTEM, today=TODAY)
        preview = load_register_preview(s, SYSTEM, first=5, today=TODAY)
        assert not preview.complete
        assert preview.total == TOTAL_UNKNOWN  # not counted: the full load counts
        assert preview.ids.tolist() == full.ids[:5].tolist()
        assert set(preview.details) == set(preview.ids.tolist())
        only = load_register_preview(s, SYSTEM, CaseFilter(quasi=True), first=5, today=TODAY)
        assert only.total == 1  # every case of the filter is in the preview
        assert len(only) == 1


def test_dates_codes_and_flags_arrive_as_integers(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        closed = int(np.flatnonzero(data.columns["status"] == 4)[0])
        assert date_of(int(data.columns["closed_on"][closed])) == dt.date(2026, 5, 1)
        assert day_of(dt.date(1970, 1, 2)) == 1
        assert NULL_INT in data.columns["deadline"].tolist()
        assert data.columns["is_quasi"].sum() == 1
        assert data.columns["relapse_count"].max() == 2


def test_sorting_by_real_values(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        order = sorted_positions(sort_values(data, "deadline"))
        days = [int(d) for d in data.columns["deadline"][order]]
        present = [d for d in days if d != NULL_INT]
        assert present == sorted(present)
        assert days[-1] == NULL_INT  # blank last
        desc = sorted_positions(sort_values(data, "deadline"), descending=True)
        days = [int(d) for d in data.columns["deadline"][desc]]
        assert [d for d in days if d != NULL_INT] == sorted(present, reverse=True)
        assert days[-1] == NULL_INT  # blank last in both directions
        status_order = data.columns["status"][sorted_positions(sort_values(data, "status"))]
        assert status_order.tolist() == sorted(status_order.tolist())  # workflow order
        assert needs_text_ranks("name")
        assert not needs_text_ranks("unit")
        ids, values = fetch_text_column(s, SYSTEM, "name")
        ranks = text_ranks(data, ids, values)
        names = [values[ids.tolist().index(i)] for i in data.ids[sorted_positions(ranks)].tolist()]
        assert [n for n in names if n] == sorted_texts(n for n in names if n)
        assert names[-1] is None


def test_search_mask_narrows_within_previous_matches(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        first = search_mask(data, "新乐")
        assert (
            search_mask(data, "新乐油", within=first).tolist()
            == search_mask(data, "新乐油").tolist()
        )
        assert search_mask(data, " ") is None


def test_rows_are_refreshed_in_place(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        target = int(data.ids[0])
        s.get(Case, target).status = CaseStatus.IN_PROGRESS
        new = make_case(s, unit=unit(s, "新乐市"))
        s.commit()
        fresh = load_register_rows(s, SYSTEM, [target, new.id], today=TODAY)
        updated, appended = data.replace_rows(fresh)
        assert len(updated) == 1
        assert len(appended) == 1
        assert int(data.columns["status"][0]) == 1
        assert int(data.ids[appended[0]]) == new.id
        assert data.positions_of([new.id]).tolist() == appended.tolist()
        data.remove_ids([new.id])
        assert new.id not in data.ids.tolist()


def test_filter_is_described_in_words(database, mixed):
    with database.session() as s:
        data = load_register(s, SYSTEM, today=TODAY)
        text = describe_filter(
            CaseFilter(unit_ids=frozenset({mixed["lingshou"]}), overdue=True, search="蛭石",
                       classifications=frozenset({"shutdown"}), relapsed=True),
            data.lookups,
        )  # fmt: skip
        assert text == "灵寿县；关停取缔；逾期未完成；反弹；搜索“蛭石”"
        assert describe_filter(CaseFilter(), data.lookups) == "全部企业（未筛选）"
        assert "指定的 3 家" in describe_filter(
            CaseFilter(case_ids=frozenset({1, 2, 3})), data.lookups
        )


TRICKY_TEXTS = [
    "灵寿县 东关\t蛭石厂",
    "新乐\n油毡厂\\第二车间",
    "\u3000ＡＢＣ　加工点",  # ideographic spaces, full-width letters
    "ΣΑΣ Σ厂",  # a final sigma lower-cases by context
    "𠀀𠀁作坊",  # outside the BMP
    "",
    None,
]


def _tricky_cases(s, lingshou_id: int) -> None:
    from models import Unit

    lingshou = s.get(Unit, lingshou_id)
    for i, text in enumerate(TRICKY_TEXTS):
        make_case(s, unit=lingshou, name=text, owner=TRICKY_TEXTS[-1 - i],
                  address=None if i % 2 else f"{text or ''} 号", phone=None)  # fmt: skip
    s.commit()


def test_search_keys_of_a_whole_text_equal_one_row_at_a_time():
    from controllers.cases import register_pg
    from controllers.cases.register_data import normalise_search, search_keys_of_text

    rows = [(t, TRICKY_TEXTS[-1 - i], "ｘ Y\x1f", None) for i, t in enumerate(TRICKY_TEXTS)]
    one_by_one = [normalise_search(SEARCH_SEP.join(f or "" for f in r)) for r in rows]
    text = register_pg.ROW_SEP.join(register_pg.FIELD_SEP.join(f or "" for f in r) for r in rows)
    assert search_keys_of_text(text, len(rows)) == one_by_one
    assert one_by_one[3].startswith("σασς厂")  # the final sigma as str.lower reads it
    # a text holding a separator cannot be split into its rows
    assert search_keys_of_text(register_pg.FIELD_SEP.join(["甲\x01厂", "", "", "1"]), 1) is None
    assert search_keys_of_text(register_pg.FIELD_SEP.join(["甲", "\x02", "", "1"]), 1) is None


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)  # fmt: skip
def test_postgresql_bulk_read_equals_the_row_by_row_read(database, mixed, monkeypatch):
    """The one-statement read (integer columns as bytea, texts joined) gives the same arrays,
    search keys and name ranks as reading row by row, for the whole register, a filter with
    LIKE wildcards and a county clerk's scope; a text holding a separator falls back."""
    from controllers.cases import register_data

    with database.session() as s:
        _tricky_cases(s, mixed["lingshou"])
    bulk = register_data._load_postgresql
    cases = [
        (SYSTEM, None),
        (SYSTEM, CaseFilter(search="100%")),
        (SYSTEM, CaseFilter(statuses=frozenset({"pending"}), search="东关蛭石")),
        (Actor(2, "clerk", Role.COUNTY_CLERK, unit_id=mixed["lingshou"]), None),
    ]
    for actor, case_filter in cases:
        with database.session() as s:
            steps: list[int] = []
            fast = load_register(s, actor, case_filter, today=TODAY,
                                 progress=lambda pct, _text, to=steps: to.append(pct))  # fmt: skip
            assert bulk(s, actor, case_filter, TODAY, None) is not None  # the bulk read ran
            monkeypatch.setattr(register_data, "_load_postgresql", lambda *a: None)
            slow = load_register(s, actor, case_filter, today=TODAY)
            monkeypatch.setattr(register_data, "_load_postgresql", bulk)
        assert len(fast) == len(slow) > 0
        assert steps
        assert steps == sorted(steps)
        for key, column in slow.columns.items():
            assert fast.columns[key].tolist() == column.tolist(), key
        assert fast.search_keys == slow.search_keys
        assert fast.text_ranks["name"].tolist() == slow.text_ranks["name"].tolist()
    with database.session() as s:
        make_case(s, name="甲\x01厂")
        s.commit()
        assert bulk(s, SYSTEM, None, TODAY, None) is None
        data = load_register(s, SYSTEM, today=TODAY)
        assert any("甲\x01厂" in k for k in data.search_keys)
