"""线索 on the demo: precision and recall on the planted truth, the command line, the power list
(import, settings, bad files with the county return's messages), the permit list."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from controllers import unit_of_work
from controllers.actor import SYSTEM
from controllers.demo.leads_story import (
    permit_workbook,
    planted_permits,
    planted_power,
    power_workbook,
    truth_of,
)
from controllers.leads.power import (
    DEFAULT_COLUMNS,
    PowerFileError,
    power_settings,
    read_power_file,
    save_power_settings,
)
from controllers.leads.scanning import import_power, scan_leads
from controllers.returns.reader import UnreadableFile
from models import Case, Lead, Permit, PowerRecord, Unit
from models.database import Database, make_engine
from tests.conftest import DEMO_AS_OF, ROOT
from tests.test_cli import assert_one_line_error, run


def _measure(candidates, truth) -> tuple[float, float, list]:
    """Precision and recall over the candidates touching a planted case, premises or permit."""
    judged, hits = [], 0
    for c in candidates:
        if c.permit_id:
            number = c.extra.get("permit", "")[1:]
            if number not in truth.permit_numbers and c.other_case_id not in truth.planted:
                continue
            ok = (number, c.other_case_id) in truth.permits
        elif c.power_record_id:
            key = (c.extra.get("premises"), c.other_case_id)
            if key[0] not in truth.power_accounts and c.other_case_id not in truth.planted:
                continue
            ok = key in truth.power
        else:
            if c.case_id not in truth.planted and c.other_case_id not in truth.planted:
                continue
            ok = (c.case_id, c.other_case_id, c.kind) in truth.pairs
        judged.append((ok, c))
        hits += ok
    expected = len(truth.pairs) + len(truth.power) + len(truth.permits)
    precision = hits / len(judged) if judged else 0.0
    return precision, hits / expected, [c for ok, c in judged if not ok]


def test_precision_and_recall_on_the_planted_truth(demo_db):
    result = unit_of_work.run(demo_db, SYSTEM, scan_leads).value
    with demo_db.session() as s:
        truth = truth_of(s)
    assert len(truth.pairs) == 19
    assert len(truth.power) == 4
    assert len(truth.permits) == 4
    assert len(truth.permit_numbers) == 12
    precision, recall, wrong = _measure(result.open, truth)
    print(f"\n线索 on the demo: precision {precision:.2f}, recall {recall:.2f} "
          f"({len(truth.pairs)} planted pairs, {len(truth.power)} power premises, "
          f"{len(truth.permits)} permits, "
          f"{len(result.open)} candidates in all)")  # fmt: skip
    assert recall >= 0.9
    assert precision >= 0.8, wrong
    kinds = {c.kind for c in result.open if (c.case_id, c.other_case_id, c.kind) in truth.pairs}
    assert kinds == {"relocation", "relapse", "similar"}
    raised = {(c.extra["permit"][1:], c.other_case_id) for c in result.open if c.permit_id}
    assert raised == truth.permits  # every true restart, none of the look-alikes


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_cli_scan_prints_json_ordered_by_score(demo_url):
    proc = run("--db", demo_url, "leads", "scan", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert set(rows[0]) >= {"kind", "case_id", "other_case_id", "score", "evidence"}
    assert {r["kind"] for r in rows} <= {"relocation", "relapse", "similar"}
    assert all({"field", "this", "other"} <= set(e) for r in rows for e in r["evidence"])
    only = json.loads(run("--db", demo_url, "leads", "scan", "--unit", "灵寿县", "--json").stdout)
    assert 0 < len(only) < len(rows)
    unknown = run("--db", demo_url, "leads", "scan", "--unit", "火星县", "--json")
    assert_one_line_error(unknown)


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_cli_import_power_updates_the_premises_it_already_knows(demo_url, tmp_path):
    db = Database.from_engine(make_engine(demo_url))
    try:
        with db.session() as s:
            content = power_workbook(s)
            truth = truth_of(s)
            before = s.scalar(select(func.count()).select_from(PowerRecord))
        path = tmp_path / "供电公司用电数据.xlsx"
        path.write_bytes(content)
        env = {"RECTIFY_PASSWORD": "Demo-2026"}
        proc = run("--db", demo_url, "--user", "city", "leads", "import-power", str(path), "--json",
                   env=env)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["premises"] == 9
        assert len(out["months"]) == 22
        assert {(c["other_case_id"]) for c in out["candidates"]} == {o for _a, o in truth.power}
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(PowerRecord)) == before + 9
            # one candidate per premises and old case, however many lists mention it
            power_leads = s.scalar(
                select(func.count()).select_from(Lead).where(Lead.power_record_id.is_not(None))
            )
            assert power_leads == 4
        bad = tmp_path / "坏文件.xlsx"
        bad.write_bytes(b"")
        proc = run("--db", demo_url, "--user", "city", "leads", "import-power", str(bad), env=env)
        assert_one_line_error(proc)
        assert "是空的" in proc.stderr
    finally:
        db.dispose()


def test_power_file_problems_are_reported_like_a_county_return(tmp_path):
    csv = tmp_path / "用电.csv"
    csv.write_text("户名,户号,用电地址,2026年1月,2026年2月\n张三,001,灵寿镇东关村1号,12,abc\n",
                   encoding="gb18030")  # fmt: skip
    with pytest.raises(PowerFileError) as err:
        read_power_file(csv, DEFAULT_COLUMNS)
    assert "第 2 行“2026年2月”列" in str(err.value)
    assert err.value.problems[0].row == 2
    no_header = tmp_path / "无表头.csv"
    no_header.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="找不到用电数据的表头"):
        read_power_file(no_header, DEFAULT_COLUMNS)
    word = tmp_path / "假表格.xlsx"
    word.write_bytes(b"<html><table><tr><td>1</td></tr></table></html>")
    with pytest.raises(UnreadableFile, match="网页或 XML 格式"):
        read_power_file(word, DEFAULT_COLUMNS)


def test_column_mapping_and_threshold_are_settings(demo_db, tmp_path):
    csv = tmp_path / "用电.csv"
    csv.write_text("客户称谓,表号,安装位置,202605,202606\n甲,1,某村1号,50,60\n", encoding="utf-8")
    with pytest.raises(UnreadableFile):
        read_power_file(csv, DEFAULT_COLUMNS)
    with demo_db.session() as s:
        columns, threshold = power_settings(s)
    assert threshold == 100.0
    columns = {**columns, "holder": [*columns["holder"], "客户称谓"],
               "address": [*columns["address"], "安装位置"]}  # fmt: skip
    unit_of_work.run(demo_db, SYSTEM, save_power_settings, columns, 5000.0)
    with demo_db.session() as s:
        columns, threshold = power_settings(s)
    assert threshold == 5000.0
    data = read_power_file(csv, columns)
    assert [(r.holder, r.readings) for r in data.rows] == [
        ("甲", {"2026-05": 50.0, "2026-06": 60.0})
    ]
    # above 5,000 kWh a month no planted premises counts as resumed
    imported, synced = unit_of_work.run(demo_db, SYSTEM, import_power, csv).value
    assert imported.rows == 1
    assert synced.open == []


def test_the_power_workbook_is_the_list_planted_not_a_new_plan(demo_db):
    """On the living demo the campaign's story has changed the register since the planting: the
    power list handed out again names each premises at its planted case's unit and address."""
    with demo_db.session() as s:
        truth = truth_of(s)
        power = {p["户号"]: p for p in planted_power(s)}
        assert len(power) == 9
        units = {u.id: u.name for u in s.scalars(select(Unit))}
        for account, old in truth.power:
            case = s.get(Case, old)
            assert power[account]["用电地址"] == f"{units[case.unit_id]}{case.address}"
            assert power[account]["户名"] == case.owner


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_cli_import_permits_updates_the_permits_it_already_knows(demo_url, tmp_path):
    db = Database.from_engine(make_engine(demo_url))
    try:
        with db.session() as s:
            content = permit_workbook(s)
            truth = truth_of(s)
            before = s.scalar(select(func.count()).select_from(Permit))
        assert before == 12  # the demo keeps its permit list
        path = tmp_path / "排污许可名单.xlsx"
        path.write_bytes(content)
        env = {"RECTIFY_PASSWORD": "Demo-2026"}
        proc = run("--db", demo_url, "--user", "city", "leads", "import-permits", str(path),
                   "--json", env=env)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert (out["permits"], out["unplaced"]) == (12, 0)
        assert {c["other_case_id"] for c in out["candidates"]} == {o for _n, o in truth.permits}
        assert all(c["kind"] == "similar" and c["case_id"] is None for c in out["candidates"])
        assert all(any(e["field"] == "permit" for e in c["evidence"]) for c in out["candidates"])
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Permit)) == before + 12
            # one candidate per permit and old case, however many lists name the permit
            count = select(func.count()).select_from(Lead).where(Lead.permit_id.is_not(None))
            assert s.scalar(count) == 4
        text = run("--db", demo_url, "--user", "city", "leads", "import-permits", str(path),
                   env=env)  # fmt: skip
        assert text.returncode == 0, text.stderr
        assert "已导入 12 家排污许可单位" in text.stdout
        bad = tmp_path / "坏文件.xlsx"
        bad.write_bytes(b"")
        proc = run("--db", demo_url, "--user", "city", "leads", "import-permits", str(bad),
                   env=env)  # fmt: skip
        assert_one_line_error(proc)
        assert "是空的" in proc.stderr
    finally:
        db.dispose()


def test_the_permit_workbook_is_the_list_planted(demo_db):
    with demo_db.session() as s:
        truth = truth_of(s)
        permits = {p["许可证编号"]: p for p in planted_permits(s)}
        assert set(permits) == truth.permit_numbers
        units = {u.id: u.name for u in s.scalars(select(Unit))}
        for number, old in truth.permits:
            case = s.get(Case, old)
            assert permits[number]["发证日期"] > case.closed_on
            assert permits[number]["生产经营场所地址"].startswith(units[case.unit_id])


#: builds a small living demo, scans it, re-imports its power list; prints what was raised
_DEMO_RUN = """
import datetime as dt, json, sys
from controllers import unit_of_work
from controllers.actor import SYSTEM
from controllers.demo import generate_demo
from controllers.demo.generator import DemoFigures
from controllers.demo.leads_story import power_workbook, truth_of
from controllers.leads.scanning import import_power, scan_leads
from models.database import Database, make_engine

db = Database.from_engine(make_engine(sys.argv[1]))
figures = DemoFigures(list_sizes=((2024, 2000), (2025, 300)))
unit_of_work.call(db, generate_demo, as_of=dt.date.fromisoformat(sys.argv[2]), figures=figures)
with db.session() as s:
    truth = truth_of(s)
    content = power_workbook(s)
with open(sys.argv[3], "wb") as f:
    f.write(content)
scan = unit_of_work.run(db, SYSTEM, scan_leads).value
_imp, power = unit_of_work.run(db, SYSTEM, import_power, sys.argv[3]).value
key = lambda c: [c.kind, c.case_id, c.other_case_id, round(c.score, 6), c.extra.get("premises")]
print(json.dumps({"scan": sorted(map(key, scan.open), key=str),
                  "power": sorted(map(key, power.open), key=str),
                  "truth_power": sorted(truth.power), "pairs": sorted(truth.pairs)}))
db.dispose()
"""


@pytest.mark.slow
def test_the_living_demo_and_its_power_list_do_not_depend_on_string_hashing(
    sqlite_template: Path, tmp_path: Path
):
    """Two processes with different PYTHONHASHSEEDs build the same demo, raise the same
    candidates and find every planted premises in the power list handed out again."""
    outs = []
    for seed in ("1", "4242"):
        db_path = tmp_path / f"demo-{seed}.db"
        shutil.copy(sqlite_template, db_path)
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", _DEMO_RUN, f"sqlite:///{db_path}", DEMO_AS_OF.isoformat(),
             str(tmp_path / f"power-{seed}.xlsx")],
            capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    first, second = outs
    assert first == second
    assert len(first["truth_power"]) == 4
    raised = {(premises, old) for _kind, _new, old, _score, premises in first["power"]}
    assert raised == {tuple(t) for t in first["truth_power"]}
    assert first["scan"]
    assert first["pairs"]
