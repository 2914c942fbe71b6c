"""Real database servers for the tests: create and drop uniquely named databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models.database import normalise_url

PG_ADMIN_URL = os.environ.get("RECTIFY_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
MARIADB_ADMIN_URL = os.environ.get("RECTIFY_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test")


def unique_name(prefix: str = "rectify_t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def _admin_engine(url: str):
    return create_engine(normalise_url(url), isolation_level="AUTOCOMMIT", pool_pre_ping=True)


def url_for(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def create_pg(name: str, template: str | None = None) -> str:
    engine = _admin_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            tpl = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{tpl}'))
    finally:
        engine.dispose()
    return url_for(PG_ADMIN_URL, name)


def drop_pg(name: str) -> None:
    engine = _admin_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def create_mariadb(name: str, template: str | None = None) -> str:
    """An empty database, or a copy of ``template`` (:func:`clone_mariadb`)."""
    engine = _admin_engine(MARIADB_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(
                text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
    finally:
        engine.dispose()
    url = url_for(MARIADB_ADMIN_URL, name)
    if template:
        clone_mariadb(template, url)
    return url


def clone_mariadb(template: str, url: str) -> None:
    """Copy the tables of the database ``template`` (with their rows, keys and counters), then
    its procedures, functions and triggers into the empty database at ``url``.

    MariaDB has no ``CREATE DATABASE … TEMPLATE``; this does in a second or two what running
    the migrations again does in several. The schema has no views (a template with views is
    refused rather than half copied).
    """
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            where = {"s": template}
            views = conn.execute(text(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = :s"
                " AND table_type <> 'BASE TABLE'"), where).scalar()  # fmt: skip
            if views:
                raise RuntimeError(f"{template} has views: clone_mariadb copies no views")
            tables = conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"
                " AND table_type = 'BASE TABLE' ORDER BY table_name"), where).scalars().all()  # fmt: skip
            routines = conn.execute(text(
                "SELECT routine_type, routine_name FROM information_schema.routines"
                " WHERE routine_schema = :s ORDER BY created, routine_name"), where).all()  # fmt: skip
            triggers = conn.execute(text(
                "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = :s"
                " ORDER BY created, action_order"), where).scalars().all()  # fmt: skip
            cursor = conn.connection.cursor()  # DDL as written: no parameter substitution
            try:
                cursor.execute("SET SESSION foreign_key_checks = 0")
                for table in tables:
                    cursor.execute(f"SHOW CREATE TABLE `{template}`.`{table}`")
                    cursor.execute(cursor.fetchone()[1])
                    cursor.execute(f"INSERT INTO `{table}` SELECT * FROM `{template}`.`{table}`")
                # after the rows: the guards refuse some inserts
                shows = [(f"SHOW CREATE {kind}", name) for kind, name in routines]
                shows += [("SHOW CREATE TRIGGER", name) for name in triggers]
                for show, name in shows:
                    cursor.execute(f"{show} `{template}`.`{name}`")
                    _name, sql_mode, statement, *_ = cursor.fetchone()
                    cursor.execute("SET SESSION sql_mode = %s", (sql_mode,))
                    cursor.execute(statement)
            finally:
                cursor.close()
    finally:
        engine.dispose()


def drop_mariadb(name: str) -> None:
    engine = _admin_engine(MARIADB_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


@contextmanager
def server_database(backend: str, template: str | None = None) -> Iterator[str]:
    """A fresh database on a real server, empty or a copy of ``template`` (a database on the
    same server); dropped afterwards. Yields its URL."""
    name = unique_name()
    if backend == "postgresql":
        url = create_pg(name, template)
        try:
            yield url
        finally:
            drop_pg(name)
    elif backend == "mariadb":
        url = create_mariadb(name, template)
        try:
            yield url
        finally:
            drop_mariadb(name)
    else:
        raise ValueError(backend)
