"""Finding a responsible unit (责任单位) by what a clerk types: one rule for every face.

A unit is found by its name, short name or code (灵寿县, 灵寿, lingshou), ignoring case, width
and spaces. A full name wins; a text that fits two units otherwise is refused, naming both.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from controllers.errors import NotFoundError, ValidationError
from models import Unit
from models.textnorm import search_key


class UnknownUnit(NotFoundError, ValidationError):
    """No unit (or more than one) answers to what was typed; ``field`` is ``unit``."""

    def __init__(self, message: str) -> None:
        ValidationError.__init__(self, message, field="unit")


def _units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)))


def find_unit(session: Session, text: str) -> Unit:
    """The unit called ``text`` (name, short name or code); :class:`UnknownUnit` otherwise."""
    return _resolve(_units(session), text)


def unit_ids_by_names(session: Session, names: Sequence[str]) -> list[int]:
    """The ids of the units called ``names``, in that order (duplicates kept once)."""
    units = _units(session)
    out: list[int] = []
    for name in names:
        unit_id = _resolve(units, name).id
        if unit_id not in out:
            out.append(unit_id)
    return out


def _resolve(units: list[Unit], text: str) -> Unit:
    key = search_key(text)
    shown = (text or "").strip()
    if key:
        by_name = [u for u in units if search_key(u.name) == key]
        if len(by_name) == 1:
            return by_name[0]
        found = by_name or [
            u for u in units if key in (search_key(u.short_name), search_key(u.code))
        ]
        if len(found) == 1:
            return found[0]
        if found:
            both = "、".join(f"{u.name}（{u.code}）" for u in found)
            raise UnknownUnit(f"“{shown}”同时对应多个责任单位：{both}。请写单位全称或代码。")
    known = "、".join(u.name for u in units)
    raise UnknownUnit(f"没有名为“{shown}”的责任单位（可写全称、简称或代码）。可用的单位：{known}。")
