"""Find candidates in the register: blocked by phone, owner and village, never all pairs.

Every case is read once (plain columns, no ORM objects) and normalised once. Cases are then
grouped on three blocking keys — the phone, the owner's name with the trade, the village —
and only the pairs inside a group are compared: a newer case against a closed 关停取缔 or
整合搬迁 case closed out before the newer one was found. Within a village only house numbers
a few apart are paired (sorted numbers, a sliding window), and a close (not equal) owner's
name is looked for within the village and trade. So the work grows about linearly with the
register. Groups larger than :data:`MAX_BLOCK` (a hotline, a placeholder name) are skipped.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.leads.address import AddressParser, fold, name_key, phone_key
from controllers.leads.scoring import (
    NEAR_NUMBERS,
    Candidate,
    Site,
    after_closure,
    compare,
    is_old,
)
from controllers.permissions import scope_to_unit
from models import Case, Industry, Township, Unit

logger = logging.getLogger(__name__)

#: a blocking group with more cases than this is not paired (it identifies nobody)
MAX_BLOCK = 300

Progress = Callable[[int, str], None]


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def reference_names(session: Session) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Names of units, townships and industries by id."""
    units = dict(session.execute(select(Unit.id, Unit.name)).all())
    towns = dict(session.execute(select(Township.id, Township.name)).all())
    industries = dict(session.execute(select(Industry.id, Industry.name)).all())
    return units, towns, industries


def parser_for(session: Session) -> AddressParser:
    return AddressParser(session.execute(select(Township.unit_id, Township.name)).all())


def load_sites(session: Session, actor: Actor, parser: AddressParser | None = None) -> list[Site]:
    """Every case the actor may see, normalised for comparison."""
    parser = parser or parser_for(session)
    _units, towns, industries = reference_names(session)
    c = Case.__table__.c
    stmt = select(
        c.id, c.unit_id, c.township_id, c.village, c.name, c.owner, c.phone, c.address,
        c.industry_id, c.main_products, type_coerce(c.classification, String),
        type_coerce(c.status, String), c.discovered_on, c.created_at, c.closed_on,
    )  # fmt: skip
    stmt = scope_to_unit(stmt, actor, c.unit_id)
    sites: list[Site] = []
    for row in session.execute(stmt):
        (case_id, unit_id, town_id, village, name, owner, phone, address, industry_id, products,
         classification, status, discovered, created, closed) = row  # fmt: skip
        town_name = towns.get(town_id) if town_id else None
        where = parser.parse(address, unit_id, town_name, village)
        sites.append(
            Site(
                case_id=case_id,
                unit_id=unit_id,
                township=where.township,
                village=where.village,
                number=where.number,
                owner=name_key(owner),
                phone=phone_key(phone),
                name=name_key(name),
                industry_id=industry_id,
                products=_products(products),
                classification=classification,
                status=status,
                seen_on=_date(discovered) or _date(created),
                closed_on=_date(closed),
                owner_text=owner or "",
                phone_text=phone or "",
                address_text=address or "",
                industry_text=industries.get(industry_id, "") if industry_id else "",
                name_text=name or "",
                products_text=products or "",
            )
        )
    return sites


@lru_cache(maxsize=65536)
def _products(text: str | None) -> str:
    return fold(text)


def _blocks(sites: Iterable[Site], key: Callable[[Site], object]) -> dict[object, list[Site]]:
    groups: dict[object, list[Site]] = defaultdict(list)
    for s in sites:
        k = key(s)
        if k:
            groups[k].append(s)
    return groups


def candidate_pairs(sites: list[Site]) -> set[tuple[int, int]]:
    """(newer index, old index) pairs that share a blocking key."""
    index = {id(s): i for i, s in enumerate(sites)}
    pairs: set[tuple[int, int]] = set()
    skipped = 0

    def pair_all(group: list[Site]) -> None:
        nonlocal skipped
        olds = [o for o in group if is_old(o)]
        if not olds or len(group) < 2:
            return
        if len(group) > MAX_BLOCK:
            skipped += 1
            return
        for s in group:
            for o in olds:
                if after_closure(s, o):
                    pairs.add((index[id(s)], index[id(o)]))

    for group in _blocks(sites, lambda s: s.phone).values():
        pair_all(group)
    for group in _blocks(sites, lambda s: (s.owner, s.industry_id) if s.owner else None).values():
        pair_all(group)
    for group in _blocks(
        sites, lambda s: (*s.village_key, s.industry_id) if s.village_key else None
    ).values():
        pair_all(group)  # close owner's names in the same village and trade
    for group in _blocks(sites, lambda s: s.village_key).values():
        olds = sorted((o.number, index[id(o)]) for o in group if is_old(o) and o.number is not None)
        if not olds:
            continue
        numbers = [n for n, _ in olds]
        for s in group:
            if s.number is None:
                continue
            lo = bisect.bisect_left(numbers, s.number - NEAR_NUMBERS)
            hi = bisect.bisect_right(numbers, s.number + NEAR_NUMBERS)
            i = index[id(s)]
            for _n, j in olds[lo:hi]:
                if after_closure(s, sites[j]):
                    pairs.add((i, j))
    if skipped:
        logger.info("leads scan: %d blocking groups over %d cases skipped", skipped, MAX_BLOCK)
    return pairs


def find_candidates(sites: list[Site]) -> list[Candidate]:
    """Candidates among the sites, best first."""
    phone_counts = Counter(s.phone for s in sites if s.phone)
    owner_counts = Counter(s.owner for s in sites if s.owner)
    found: list[Candidate] = []
    for i, j in candidate_pairs(sites):
        cand = compare(sites[i], sites[j], phone_counts, owner_counts)
        if cand is not None:
            found.append(cand)
    found.sort(key=lambda c: (-c.score, c.other_case_id, c.case_id or 0))
    return found


def scan_register(session: Session, actor: Actor) -> list[Candidate]:
    """Candidates of the register the actor sees (reads only)."""
    return find_candidates(load_sites(session, actor))
