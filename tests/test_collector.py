"""The collector pause of bulk work: nested and restored, the work's objects frozen on resuming
and handed back to the next full collection (nothing is kept alive by it)."""

from __future__ import annotations

import gc
import weakref

from controllers.infra.collector import paused_collector
from controllers.returns.check import check_return
from models.codes import Role
from tests.factories import make_case, unit
from tests.returns_fixtures import make_actor, standard_row, write_xlsx


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_a_cycle_made_during_the_pause_is_collected_by_the_next_full_collection() -> None:
    with paused_collector():
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle: reference counting never frees it
        gone = weakref.ref(a)
        kept = [[i] for i in range(10_000)]  # (tracked objects that stay alive)
        del a, b
    assert gone() is not None
    assert gc.get_freeze_count() > 0  # frozen: the young collections skip them
    gc.collect(0)
    gc.collect(1)
    assert gone() is not None
    gc.collect()
    assert gone() is None
    assert gc.get_freeze_count() == 0
    assert len(kept) == 10_000
    assert gc.is_tracked(kept[0])


def test_a_cycle_older_than_the_pause_is_still_collected() -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    with paused_collector():
        pass
    del a, b  # garbage only after it was frozen
    gc.collect()
    assert gone() is None


def test_repeated_checks_keep_nothing(sqlite_db, tmp_path) -> None:
    with sqlite_db.session() as s:
        u = unit(s)
        unit_id = u.id
        actor = make_actor(s, Role.CITY_CLERK)
        for n in range(1, 151):
            make_case(s, unit=u, name=f"灵寿县东关村蛭石加工厂{n}", address=f"灵寿镇东关村{n}号")
        s.commit()
    path = write_xlsx(tmp_path / "r.xlsx", [standard_row(n) for n in range(1, 301)])
    counts = []
    for _ in range(5):
        with sqlite_db.session() as s:
            check = check_return(s, actor, path, unit_id)
            assert len(check.rows) == 300
            assert len(check.diff.new) == 150
            made = weakref.ref(check)
            del check
        gc.collect()
        assert made() is None
        assert gc.get_freeze_count() == 0
        counts.append(len(gc.get_objects()))
    # a check's rows alone are more than 1,500 objects: the later checks leave none behind
    assert max(counts[2:]) - min(counts[2:]) < 300, counts


def test_freed_native_memory_is_given_back_where_glibc_allows() -> None:
    import platform
    import sys

    from controllers.infra.freed_memory import release_freed_memory

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert release_freed_memory() is glibc
    assert release_freed_memory() is glibc  # (again: nothing left to give is no error)
