"""Shared fixtures: isolated user folders, fresh databases on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Every test run gets its own per-user folders (data, settings, logs) before Qt or
# platformdirs look at them, so nothing a clerk has on this machine is touched.
_USER_HOME = Path(tempfile.mkdtemp(prefix="rectify-test-home-"))
for _var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_var] = str(_USER_HOME / _var.lower())
os.environ.pop("RECTIFY_DB_URL", None)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models.database import Database, make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from tests import dbservers  # noqa: E402

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb),
]


def with_reference_units(engine) -> None:
    """Write the default 25 units (resources/units.csv) into a freshly migrated database.

    A new database has no units of its own; most tests work on the default list.
    """
    from controllers.units.reference import load_reference_units

    db = Database.from_engine(engine)
    with db.session() as session:
        load_reference_units(session)
        session.commit()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to the newest schema, copied for each test."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, backup=False)
    with_reference_units(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _server_template(backend: str) -> Iterator[str]:
    """A database on the server migrated to the newest schema with the default units; the
    name of it, dropped after the run."""
    name = dbservers.unique_name("rectify_tpl")
    create, drop = {"postgresql": (dbservers.create_pg, dbservers.drop_pg),
                    "mariadb": (dbservers.create_mariadb, dbservers.drop_mariadb)}[backend]  # fmt: skip
    engine = make_engine(create(name))
    try:
        upgrade(engine, backup=False)
        with_reference_units(engine)
    finally:
        engine.dispose()
    try:
        yield name
    finally:
        drop(name)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to the newest schema, used as CREATE DATABASE template."""
    yield from _server_template("postgresql")


@pytest.fixture(scope="session")
def mariadb_template() -> Iterator[str]:
    """A MariaDB database migrated to the newest schema, copied for each test
    (``dbservers.clone_mariadb``: MariaDB has no CREATE DATABASE … TEMPLATE)."""
    yield from _server_template("mariadb")


def _fresh_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "rectify.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    elif backend == "postgresql":
        with dbservers.server_database("postgresql", request.getfixturevalue("pg_template")) as url:
            yield url
    else:
        template = request.getfixturevalue("mariadb_template")
        with dbservers.server_database("mariadb", template) as url:
            yield url


@pytest.fixture
def app(qapp):
    """The application as the program sets it up (name, style, fonts), with no settings left
    over from another test."""
    from PySide6.QtCore import QSettings

    from ui.app import create_application

    create_application()
    QSettings().clear()
    return qapp


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database at the newest schema, on each backend in turn."""
    yield from _fresh_url(backend, request, tmp_path)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A fresh migrated database (with the default reference data), on each backend."""
    db = Database.from_engine(make_engine(db_url))
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def sqlite_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated SQLite database only."""
    yield from _fresh_url("sqlite", request, tmp_path)


@pytest.fixture
def sqlite_db(sqlite_url: str) -> Iterator[Database]:
    db = Database.from_engine(make_engine(sqlite_url))
    try:
        yield db
    finally:
        db.dispose()


#: the date the tests' demo world is built as of (the campaign goes on after the report's day)
DEMO_AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="session")
def demo_sqlite_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """An SQLite file holding the demo data (made once per run)."""
    from controllers.demo import generate_demo
    from controllers.unit_of_work import call

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    db = Database.from_engine(engine)
    call(db, generate_demo, as_of=DEMO_AS_OF)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def demo_url(demo_sqlite_template: Path, tmp_path: Path) -> str:
    """A private copy of the demo database."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def demo_db(demo_url: str) -> Iterator[Database]:
    db = Database.from_engine(make_engine(demo_url))
    try:
        yield db
    finally:
        db.dispose()
