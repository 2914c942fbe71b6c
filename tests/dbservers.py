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


def create_mariadb(name: str) -> str:
    engine = _admin_engine(MARIADB_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(
                text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            )
    finally:
        engine.dispose()
    return url_for(MARIADB_ADMIN_URL, name)


def drop_mariadb(name: str) -> None:
    engine = _admin_engine(MARIADB_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


@contextmanager
def server_database(backend: str, template: str | None = None) -> Iterator[str]:
    """A fresh empty database on a real server; dropped afterwards. Yields its URL."""
    name = unique_name()
    if backend == "postgresql":
        url = create_pg(name, template)
        try:
            yield url
        finally:
            drop_pg(name)
    elif backend == "mariadb":
        url = create_mariadb(name)
        try:
            yield url
        finally:
            drop_mariadb(name)
    else:
        raise ValueError(backend)
