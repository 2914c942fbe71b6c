"""``summary`` over a plain DB-API connection: the same figures as the session path, no
SQLAlchemy loaded, and the ordinary path whenever the plain one does not fit."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from controllers.demo import generate_demo
from controllers.demo.generator import DemoFigures
from controllers.summary import summary
from controllers.unit_of_work import call
from models.database import Database, make_engine
from models.migrate import SCHEMA_HEAD

ROOT = Path(__file__).resolve().parent.parent
SMALL = DemoFigures(list_sizes=((2024, 420), (2025, 60)))

PROBE = """
import json, sys
import main
status = main.main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic', 'PySide6'})
print('LOADED', json.dumps(heavy))
sys.exit(status)
"""


def run_summary(*args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    env = dict(os.environ)
    env.pop("RECTIFY_DB_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=ROOT, env=env, capture_output=True,
        text=True, encoding="utf-8", timeout=180,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    loaded = next((json.loads(ln[7:]) for ln in lines if ln.startswith("LOADED ")), None)
    proc.stdout = "\n".join(ln for ln in lines if not ln.startswith("LOADED "))
    return proc, loaded


@pytest.mark.slow  # a small demo on each backend: over ~6 s on PostgreSQL and MariaDB
def test_the_plain_path_gives_the_session_figures_without_sqlalchemy(
    database: Database, db_url: str
) -> None:
    call(database, generate_demo, figures=SMALL, as_of=dt.date(2026, 5, 31))
    expected = call(database, summary).value
    assert expected["cases"]["total"] == 484
    assert expected["spot_checks"]["groups"] == 33
    proc, loaded = run_summary("--db", db_url, "summary", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == expected
    assert loaded == []  # neither SQLAlchemy nor Alembic nor Qt
    text, _ = run_summary("--db", db_url, "summary")
    assert f"（结构版本 {SCHEMA_HEAD}）" in text.stdout
    assert f"数据库：{database.info.display}" in text.stdout
    assert "企业 484 家" in text.stdout


def test_a_database_to_create_takes_the_ordinary_path(tmp_path: Path) -> None:
    path = tmp_path / "new" / "r.db"
    proc, loaded = run_summary("--db", f"sqlite:///{path}", "summary", "--json")
    assert proc.returncode == 0, proc.stderr
    assert path.exists()  # created and migrated as before
    assert json.loads(proc.stdout)["schema_version"] == SCHEMA_HEAD
    assert "sqlalchemy" in loaded


def test_an_older_schema_is_upgraded_by_the_ordinary_path(tmp_path: Path) -> None:
    from models.migrate import upgrade

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001", backup=False)
    engine.dispose()
    proc, loaded = run_summary("--db", str(path), "summary", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["schema_version"] == SCHEMA_HEAD
    assert "sqlalchemy" in loaded


def test_the_plain_path_writes_nothing(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    before = path.read_bytes()
    proc, loaded = run_summary("--db", sqlite_url, "summary")
    assert proc.returncode == 0, proc.stderr
    assert loaded == []
    assert path.read_bytes() == before
