"""Declarative base, shared column types and mixins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, MetaData, String, event
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from models.codes import CodedEnum

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Binary column large enough for attachments on every backend (BLOB is 64 KB on MySQL).
Blob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def now() -> dt.datetime:
    """Current local time without tzinfo, to the second (how every timestamp is stored)."""
    return dt.datetime.now().replace(microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@event.listens_for(Mapper, "before_configured")
def _every_model_loaded() -> None:
    """Mappers name each other by class name: before they are set up, every model module is
    imported (a module importing only ``models.users`` still finds ``Unit``)."""
    from models import load_models

    load_models()


class Code(TypeDecorator[str]):
    """A coded column: stores the enum's code as VARCHAR, returns the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[CodedEnum], length: int = 24) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value: Any, dialect: Any) -> CodedEnum | None:
        if value is None:
            return None
        try:
            return self.enum_cls(value)
        except ValueError:
            return value  # an unknown code from a newer schema stays readable


class Versioned:
    """Optimistic locking: every UPDATE checks and bumps ``version``."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.version}


class Timestamped:
    """Creation and last-change times."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, default=now, onupdate=now
    )
