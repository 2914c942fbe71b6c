"""Each return of the corpus (tests/returns_corpus.py), in each of its formats, reads as
expected: its rows, their values, its errors and its warnings — and nothing else."""

from __future__ import annotations

import pytest

from controllers.returns.check import check_return
from models.codes import Role
from tests.factories import unit
from tests.returns_corpus import WRITERS, Return, cases, corpus
from tests.returns_fixtures import make_actor, make_stage


@pytest.fixture(scope="module")
def lingshou(tmp_path_factory, sqlite_template):
    """One database for the whole corpus (reading writes nothing)."""
    import shutil

    from models.database import Database, make_engine

    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    shutil.copy(sqlite_template, path)
    db = Database.from_engine(make_engine(f"sqlite:///{path}"))
    with db.session() as s:
        stage = make_stage(s)
        city = make_actor(s, Role.CITY_CLERK)
        s.commit()
        info = {"db": db, "unit": unit(s).id, "stage": stage.id, "city": city}
    yield info
    db.dispose()


def test_the_corpus_is_large_enough():
    assert len(corpus()) >= 15
    assert {fmt for _r, fmt in cases()} == {"xlsx", "xls", "ods"}


def _plain(value):
    return getattr(value, "value", value)


@pytest.mark.parametrize(("ret", "fmt"), cases(), ids=[f"{r.name}.{f}" for r, f in cases()])
def test_a_county_return_reads_as_expected(lingshou, tmp_path, ret: Return, fmt: str):
    path = WRITERS[fmt](tmp_path / f"{ret.name}.{fmt}", ret)
    with lingshou["db"].session() as s:
        check = check_return(s, lingshou["city"], path, lingshou["unit"], lingshou["stage"])
    assert [r.label() for r in check.rows] == ret.names
    by_name = {r.label(): r for r in check.rows}
    for name, expected in ret.values.items():
        got = {k: _plain(by_name[name].get(k)) for k in expected}
        assert got == {k: _plain(v) for k, v in expected.items()}, name
    errors = [(e.row, e.column, e.message) for e in check.errors]
    assert len(errors) == len(ret.errors), errors
    for (row, column, message), (erow, ecolumn, words) in zip(errors, ret.errors, strict=True):
        assert (row, column) == (erow, ecolumn)
        assert words in message
    assert [(w.row, w.subject) for w in check.warnings] == ret.warnings
    assert [s.name for s in check.skipped_sheets] == ret.skipped_sheets
