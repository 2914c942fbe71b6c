"""Fuzzing: mutated workbooks give a clean error or a correct import — never a crash, never a
partial write."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from controllers.errors import UserError
from controllers.returns.check import check_return
from controllers.returns.reader import UnreadableFile
from controllers.returns.records import submit_return
from controllers.returns.review import accept_return
from models import Attachment, Case, CaseChange, CountyReturn, Township
from models.codes import Role
from tests.factories import unit
from tests.returns_fixtures import (
    STANDARD_HEADERS,
    make_actor,
    make_stage,
    standard_row,
    write_ods,
    write_xls,
    write_xlsx,
)

SEED = 20260525
ROUNDS = 150

WRONG_VALUES = [
    0, -1, 3.14159, 1e300, True, False, "", "   ", "＃ＮＡ", "=1/0", "2026-99-99", "46167",
    dt.date(1900, 1, 1), dt.date(2026, 2, 28), "长" * 400, "散乱污废气", "\t\n", "None", "null",
    "关停取缔、提升改造", "2026年13月1日", "灵寿县", "新乐市", 99999999999999,
]  # fmt: skip


def counts(db):
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Case, CaseChange, CountyReturn, Township, Attachment))  # fmt: skip


def wrong_types(rng: random.Random, path: Path) -> Path:
    rows = [standard_row(i) for i in range(1, 9)]
    for _ in range(rng.randint(1, 6)):
        row = rng.choice(rows)
        row[rng.choice(STANDARD_HEADERS)] = rng.choice(WRONG_VALUES)
    return rng.choice([write_xlsx, write_xls])(
        path.with_suffix(rng.choice([".xlsx", ".xls"])), rows
    )


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data) - 1)]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    return bytes(raw)


def corrupt_part(rng: random.Random, data: bytes) -> bytes:
    """Rewrite the zip with random damage inside one XML part (valid zip, broken content)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    victim = rng.choice(names)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            part = src.read(name)
            if name == victim and part:
                at = rng.randrange(len(part))
                part = (
                    part[:at]
                    + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
                    + part[at:]
                )
            dst.writestr(name, part)
    return out.getvalue()


@pytest.fixture
def base_files(tmp_path):
    rows = [standard_row(i) for i in range(1, 9)]
    return [
        write_xlsx(tmp_path / "base.xlsx", rows).read_bytes(),
        write_xls(tmp_path / "base.xls", rows).read_bytes(),
        write_ods(tmp_path / "base.ods", rows).read_bytes(),
    ]


def test_mutated_workbooks_never_crash_and_never_half_write(sqlite_db, tmp_path, base_files):
    rng = random.Random(SEED)
    with sqlite_db.session() as s:
        stage_id = make_stage(s).id
        unit_id = unit(s).id
        actor = make_actor(s, Role.CITY_CLERK)
        s.commit()
    outcomes = {"unreadable": 0, "invalid": 0, "accepted": 0}
    for i in range(ROUNDS):
        mutation = rng.choice(["truncate", "flip", "corrupt", "wrong_types"])
        kind = rng.randrange(3)
        path = tmp_path / f"m{i}{['.xlsx', '.xls', '.ods'][kind]}"
        if mutation == "wrong_types":
            path = wrong_types(rng, tmp_path / f"m{i}")
        else:
            data = base_files[kind]
            if mutation == "truncate":
                data = truncate(rng, data)
            elif mutation == "flip":
                data = flip_bytes(rng, data)
            else:
                data = corrupt_part(rng, data) if kind != 1 else flip_bytes(rng, data)
            path.write_bytes(data)
        before = counts(sqlite_db)
        label = f"round {i} ({mutation}, {path.name})"
        try:
            with sqlite_db.session() as s:
                check = check_return(s, actor, path, unit_id, stage_id)
        except UnreadableFile as exc:
            message = str(exc)
        else:
            message = None
        if message is not None:
            assert message, label
            assert "\n" not in message, label
            assert counts(sqlite_db) == before, label
            outcomes["unreadable"] += 1
            continue
        if not check.valid:
            assert all(e.message and e.row >= 1 and e.sheet for e in check.errors), label
            with sqlite_db.session() as s, pytest.raises(UserError):
                submit_return(s, actor, check, path)
            assert counts(sqlite_db) == before, label
            outcomes["invalid"] += 1
            continue
        diff = check.diff.counts()
        decisions = {m.row: None for m in check.diff.uncertain}
        with sqlite_db.session() as s:
            ret = submit_return(s, actor, check, path)
            result = accept_return(s, actor, ret.id, ret.version, check, decisions)
            s.commit()
        after = counts(sqlite_db)
        assert (
            after[0] == before[0] + diff["new"] + diff["uncertain"] == before[0] + result.created
        ), label
        assert after[2] == before[2] + 1, label
        outcomes["accepted"] += 1
    # the seed exercises all three outcomes
    assert all(outcomes.values()), outcomes
