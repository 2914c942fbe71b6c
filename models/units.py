"""Units (责任单位), their townships, the industry vocabulary and list batches."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Code, Versioned
from models.codes import BatchKind, UnitKind


class Unit(Versioned, Base):
    """A county/district sub-bureau or zone that signs the commitment letter."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    short_name: Mapped[str] = mapped_column(String(30))
    kind: Mapped[UnitKind] = mapped_column(Code(UnitKind))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    head_name: Mapped[str | None] = mapped_column(String(40))  # 政府主要负责同志
    head_title: Mapped[str | None] = mapped_column(String(60))
    contact_name: Mapped[str | None] = mapped_column(String(40))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    #: the letter's 乙方 (e.g. 市生态环境局灵寿县分局, 高新区生态环境局); empty: the unit's name
    counterparty: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    townships: Mapped[list[Township]] = relationship(
        back_populates="unit", order_by="Township.sort_order", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


class Township(Versioned, Base):
    """A township or street (乡镇（街道）) under a unit."""

    __tablename__ = "townships"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(back_populates="townships")


class Industry(Versioned, Base):
    """The maintained industry vocabulary (行业), so per-industry charts work."""

    __tablename__ = "industries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    is_focus: Mapped[bool] = mapped_column(Boolean, default=False)  # named by the ministry's group
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Batch(Versioned, Base):
    """清单批次: a year's list (2024年清单) or 新增 (found later)."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    year: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[BatchKind] = mapped_column(Code(BatchKind))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
