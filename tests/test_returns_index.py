"""The register's lookups other than by name and address are made, in a comparison, for the
rows without a sure match only: what those rows find is what a lookup of every case finds."""

from __future__ import annotations

from controllers.returns.fields import FIELD_INDEX, FIELD_KEYS
from controllers.returns.matching import RegisterCase, RegisterIndex, compare_rows
from controllers.returns.rows import ReturnRow


def _case(i: int, name: str, address: str, owner: str, phone: str) -> RegisterCase:
    return RegisterCase(i, 1, {"name": name, "address": address, "owner": owner, "phone": phone,
                               "status": "in_progress"})  # fmt: skip


def _row(n: int, name: str | None, address: str, owner: str, phone: str) -> ReturnRow:
    values: list[object] = [None] * len(FIELD_KEYS)
    for key, value in (("name", name), ("address", address), ("owner", owner), ("phone", phone)):
        values[FIELD_INDEX[key]] = value
    return ReturnRow(0, n, tuple(values))


CASES = [
    _case(1, "甲厂", "东关村1号", "王一", "13800000001"),
    _case(2, "甲厂", "东关村2号", "王二", "13800000002"),  # the same name twice
    _case(3, "乙厂", "西关村1号", "李三", "13800000003"),
    _case(4, "", "南关村1号", "赵四", "13800000004"),  # an unnamed site
    _case(5, "丙厂", "南关村1号", "赵四", "13800000004"),  # its address and owner again
    _case(6, "丁厂", "北关村1号", "孙六", "13800000006"),
    _case(7, "戊厂", "北关村2号", "孙六", "13800000006"),  # owner and phone twice
]
ROWS = [
    _row(5, "乙厂", "西关村1号", "李三", "13800000003"),  # sure
    _row(6, "乙厂", "西关村1号", "李三", "13800000003"),  # the same case again: not sure
    _row(7, "甲厂", "别处", "", ""),  # a name two cases have: no candidate by name
    _row(8, None, "南关村1号", "赵四", ""),  # unnamed: sure by address and owner
    _row(9, "己厂", "别处", "孙六", "13800000006"),  # owner and phone of two cases
    _row(10, "庚厂", "北关村1号", "孙六", "1"),  # address and owner of case 6
    _row(11, "新厂", "新址", "新人", "13900000000"),  # new
]


def test_lookups_made_for_some_rows_find_what_every_case_finds():
    whole = RegisterIndex(CASES)
    whole.prepare()
    assert whole.by_name["甲厂"] == [1, 2]
    assert whole.by_owner_phone[("孙六", "13800000006")] == [6, 7]
    some = RegisterIndex(CASES)
    some.prepare(ROWS[2:])
    assert len(some.by_name) < len(whole.by_name)  # (only the keys of these rows)
    for row in ROWS[2:]:
        assert some.may_match(row) == whole.may_match(row)
        assert some.candidates(row) == whole.candidates(row)
        assert some.sure(row) == whole.sure(row)


def test_an_index_never_prepared_holds_every_case():
    index = RegisterIndex(CASES)
    assert index.sure(ROWS[3]) == 4
    assert index.candidates(ROWS[4]) == [(6, "业主和联系电话相同"), (7, "业主和联系电话相同")]


def _seen(diff):
    return (diff.new, [(m.row, m.case_id, m.sure, m.reason) for m in diff.uncertain],
            [(m.row, m.case_id) for m in (*diff.changed, *diff.unchanged)],
            [m.case_id for m in diff.missing])  # fmt: skip


def test_a_comparison_matches_as_with_every_case_indexed():
    diff = compare_rows(ROWS, CASES, {})
    # (as before the lookups were made for some rows: the same ones, checked then)
    assert _seen(diff) == (
        [1, 2, 5, 6],  # the case found again, a name two cases have, a claimed case, new
        [(4, 6, False, "业主和联系电话相同")],
        [(3, 4), (0, 3)],
        [1, 2, 5, 7],
    )
    whole = RegisterIndex(CASES)
    whole.prepare()
    whole.prepare = lambda rows=None: None  # type: ignore[method-assign] (kept whole)
    assert _seen(compare_rows(ROWS, CASES, {}, index=whole)) == _seen(diff)


def test_shared_keys_are_the_search_keys_and_texts_that_are_their_own_key_are_kept():
    from models.textnorm import search_key, shared_keys

    for texts in (
        ["甲厂", "东关村1号", "王一"],  # every text its own key (no key is made)
        ["甲厂", None, "", "ＡＢ厂", "a b", "（乙厂）", "x\u3000y", "ΑΣ", "Ab"],
        [None, None],
        [],
        ["甲厂", 12, 3.5],
        ["a\x00b", "甲厂"],  # (a text holding the separator: one by one)
    ):
        keys = shared_keys(texts)
        assert keys == [search_key(t) for t in texts]
        for key, text in zip(keys, texts, strict=True):
            if isinstance(text, str) and key == text:
                assert key is text
