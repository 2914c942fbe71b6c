"""Where the database lives and how each backend is set up."""

from pathlib import Path

import pytest
from sqlalchemy import text

from controllers.infra.database_setup import connect, open_database
from models.database import (
    DatabaseError,
    DatabaseInfo,
    is_network_path,
    make_engine,
    normalise_url,
    resolve_url,
)


def test_precedence_cli_then_environment_then_default(tmp_path):
    env = {"RECTIFY_DB_URL": "postgresql://u@h/db"}
    assert resolve_url("sqlite:///x.db", env) == "sqlite:///x.db"
    assert resolve_url(None, env) == "postgresql://u@h/db"
    default = resolve_url(None, {})
    assert default.startswith("sqlite:///")
    # the per-user data folder (XDG_DATA_HOME is the test's own)
    assert default.endswith("/RectifyDesk/rectify.db")


def test_default_location_is_created_and_used(monkeypatch):
    monkeypatch.delenv("RECTIFY_DB_URL", raising=False)
    result = open_database(None)
    try:
        path = Path(result.database.engine.url.database)
        assert path.exists()
        assert path.name == "rectify.db"
        assert "RectifyDesk" in str(path)
    finally:
        result.database.dispose()


def test_drivers_are_psycopg_and_pymysql():
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    my = normalise_url("mysql://u@h/db")
    assert my.drivername == "mysql+pymysql"
    assert my.query["charset"] == "utf8mb4"
    assert normalise_url("mariadb://u@h/db").drivername == "mariadb+pymysql"
    assert normalise_url("/tmp/x.db").drivername == "sqlite"
    with pytest.raises(DatabaseError, match="不支持的数据库类型"):
        normalise_url("oracle://u@h/db")


def test_display_hides_the_password():
    info = DatabaseInfo(normalise_url("postgresql://clerk:secret@db.example:5432/rectify"))
    assert "secret" not in info.display
    assert info.display == "PostgreSQL：clerk@db.example:5432/rectify"


@pytest.mark.parametrize(
    "path",
    [r"\\fileserver\share\rectify.db", "//fileserver/share/rectify.db", r"\\?\UNC\srv\share\x.db"],
)
def test_unc_paths_are_network_paths(path):
    assert is_network_path(path)


def test_mapped_network_drive_is_a_network_path():
    remote = {"Z:"}
    assert is_network_path(r"Z:\data\rectify.db", drive_is_remote=lambda d: d in remote)
    assert not is_network_path(r"C:\data\rectify.db", drive_is_remote=lambda d: d in remote)
    assert not is_network_path("/home/clerk/rectify.db")
    assert not is_network_path(r"\\?\C:\data\rectify.db")


@pytest.mark.parametrize(
    "url", ["sqlite:///" + "//fileserver/share/rectify.db", r"\\fileserver\share\rectify.db"]
)
def test_sqlite_on_a_network_share_is_refused_with_advice(url):
    with pytest.raises(DatabaseError) as err:
        make_engine(url)
    message = str(err.value)
    assert "网络共享" in message
    assert "PostgreSQL" in message


def test_sqlite_gets_foreign_keys_wal_and_busy_timeout(sqlite_db):
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_unreachable_server_gives_a_clear_message():
    with pytest.raises(DatabaseError, match="无法连接数据库"):
        connect("postgresql://nobody@127.0.0.1:1/none")
