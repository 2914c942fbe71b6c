"""A large register is read while the return is parsed and held packed until the rows are
read: the check it gives is the one of a register read and held as objects."""

from __future__ import annotations

import datetime as dt

import controllers.returns.check as check_module
import controllers.returns.matching as matching
from controllers.returns.check import check_return
from controllers.returns.matching import load_packed_register, load_register, unpacked_register
from models.codes import Role
from tests.factories import make_case, unit
from tests.returns_fixtures import make_actor, standard_row, write_xlsx


def _seeded(sqlite_db, tmp_path):
    with sqlite_db.session() as s:
        u = unit(s)
        actor = make_actor(s, Role.CITY_CLERK)
        for n in range(1, 41):  # 31–40 are missing from the return
            make_case(s, unit=u, name=f"灵寿县东关村蛭石加工厂{n}", address=f"灵寿镇东关村{n}号",
                      owner=f"王建{n}", phone=f"1380000{n:04d}",
                      deadline=dt.date(2026, 6, 30 - n % 3))  # fmt: skip
        s.commit()
        unit_id = u.id
    rows = [standard_row(n, **({"主要产品": "蛭石粉"} if n % 4 == 0 else {}))
            for n in [*range(1, 31), *range(41, 56)]]  # fmt: skip
    rows.append(standard_row(60, 企业名称="灵寿县东关村蛭石加工厂35", 地址="别处"))  # uncertain
    return actor, unit_id, write_xlsx(tmp_path / "r.xlsx", rows)


def _seen(check):
    d = check.diff
    matches = [
        (m.row, m.case_id, m.case_version, m.case_label, m.sure, m.reason, m.register,
         [(c.key, c.old, c.new, c.old_text, c.new_text) for c in m.changes])
        for m in (*d.changed, *d.unchanged, *d.uncertain)
    ]  # fmt: skip
    return (d.counts(), d.new, matches, [vars(m) if hasattr(m, "__dict__") else repr(m)
            for m in d.missing], check.register_state, [e.text() for e in check.errors],
            check.message())  # fmt: skip


def test_a_packed_register_gives_the_same_check(sqlite_db, tmp_path, monkeypatch):
    actor, unit_id, path = _seeded(sqlite_db, tmp_path)
    monkeypatch.setattr(matching, "PACK_ROWS", 7)  # several packs of several chunks
    monkeypatch.setattr(matching, "REGISTER_CHUNK", 3)
    seen = []
    for ahead in (10**9, 0):  # held as objects, then packed
        monkeypatch.setattr(check_module, "READ_AHEAD_CASES", ahead)
        with sqlite_db.session() as s:
            seen.append(_seen(check_return(s, actor, path, unit_id)))
    assert seen[0] == seen[1]
    counts = seen[1][0]
    assert counts == {"new": 15, "changed": 30, "unchanged": 0, "uncertain": 1, "missing": 9}


def test_packing_keeps_every_value(sqlite_db, tmp_path, monkeypatch):
    _actor, unit_id, _path = _seeded(sqlite_db, tmp_path)
    monkeypatch.setattr(matching, "PACK_ROWS", 5)
    monkeypatch.setattr(matching, "REGISTER_CHUNK", 2)
    with sqlite_db.session() as s:
        plain = load_register(s, unit_id)
        packs = load_packed_register(s, unit_id)
    assert len(packs) == 7  # (six rows each: three chunks of two; four in the last)
    back = unpacked_register(packs)
    assert [(c.id, c.version, c.row) for c in back] == [(c.id, c.version, c.row) for c in plain]
    assert {type(v) for c in back for v in c.row} == {type(v) for c in plain for v in c.row}
