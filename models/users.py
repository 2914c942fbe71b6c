"""Accounts, per-user saved views and database-wide settings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Timestamped, Versioned, now
from models.codes import Role
from models.units import Unit


class User(Versioned, Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[Role] = mapped_column(Code(Role))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # 县区业务员's unit
    # deferred: on PostgreSQL no clerk role may read the hashes (only its own, via a function)
    password_hash: Mapped[str | None] = mapped_column(String(255), deferred=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    unit: Mapped[Unit | None] = relationship()


class SavedView(Versioned, Base):
    """A named filter/column state of a pane, per user (e.g. "灵寿县 逾期未完成")."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "pane", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    pane: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(Text)  # JSON


class AppSetting(Versioned, Base):
    """A database-wide setting (key → JSON value)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuthToken(Base):
    """A "stay signed in" token of one clerk on one machine (single-machine SQLite only).

    Only the SHA-256 of the token is stored; the token itself lives in the clerk's profile.
    """

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
