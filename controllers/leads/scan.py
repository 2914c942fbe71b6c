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
from collections.abc import Callable
from functools import lru_cache

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.leads.address import AddressParser, fold, name_key, phone_key
from controllers.leads.scoring import (
    NEAR_NUMBERS,
    Candidate,
    Site,
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
    if value is None:
        return None
    if type(value) is str:  # SQLite
        return _FROM_ISO(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value


_FROM_ISO = dt.date.fromisoformat


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
    append = sites.append
    parse = parser.parse
    # plain driver rows (no result processing): 200,000 cases are read in a few hundred ms
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.exec_driver_sql(sql.replace("%", "%%")).cursor
    while rows := cursor.fetchmany(20_000):
        for (case_id, unit_id, town_id, village, name, owner, phone, address, industry_id,
             products, classification, status, discovered, created, closed) in rows:  # fmt: skip
            where = parse(address, unit_id, towns.get(town_id) if town_id else None, village)
            append(
                Site(
                    case_id,
                    unit_id,
                    where.township,
                    where.village,
                    where.number,
                    name_key(owner),
                    phone_key(phone),
                    name_key(name),
                    industry_id,
                    _products(products),
                    classification,
                    status,
                    _date(discovered) or _date(created),
                    _date(closed),
                    owner or "",
                    phone or "",
                    address or "",
                    industries.get(industry_id, "") if industry_id else "",
                    name or "",
                    products or "",
                )
            )
    cursor.close()
    return sites


@lru_cache(maxsize=65536)
def _products(text: str | None) -> str:
    return fold(text)


def candidate_pairs(sites: list[Site]) -> set[tuple[int, int]]:
    """(newer index, old index) pairs that share a blocking key."""
    by_phone: dict[str, list[int]] = defaultdict(list)
    by_owner: dict[tuple, list[int]] = defaultdict(list)
    by_village: dict[tuple, list[int]] = defaultdict(list)
    by_village_trade: dict[tuple, list[int]] = defaultdict(list)
    old = [False] * len(sites)
    for i, s in enumerate(sites):
        old[i] = s.closed_on is not None and is_old(s)
        if s.phone:
            by_phone[s.phone].append(i)
        if s.owner:
            by_owner[(s.owner, s.industry_id)].append(i)
        if s.village:
            key = (s.unit_id, s.township, s.village)
            by_village[key].append(i)
            by_village_trade[(key, s.industry_id)].append(i)
    pairs: set[tuple[int, int]] = set()
    add = pairs.add
    skipped = 0
    # the phone; the owner with the trade; a close owner's name in the same village and trade
    for groups in (by_phone, by_owner, by_village_trade):
        for members in groups.values():
            if len(members) < 2:
                continue
            olds = [j for j in members if old[j]]
            if not olds:
                continue
            if len(members) > MAX_BLOCK:
                skipped += 1
                continue
            for i in members:
                seen = sites[i].seen_on
                if seen is None:
                    continue
                for j in olds:
                    if i != j and seen > sites[j].closed_on:
                        add((i, j))
    # the village: house numbers a few apart (sorted numbers, a window)
    for members in by_village.values():
        if len(members) < 2:
            continue
        olds = sorted(
            (sites[j].number, j) for j in members if old[j] and sites[j].number is not None
        )
        if not olds:
            continue
        numbers = [n for n, _ in olds]
        for i in members:
            s = sites[i]
            if s.number is None or s.seen_on is None:
                continue
            lo = bisect.bisect_left(numbers, s.number - NEAR_NUMBERS)
            hi = bisect.bisect_right(numbers, s.number + NEAR_NUMBERS)
            for _n, j in olds[lo:hi]:
                if i != j and s.seen_on > sites[j].closed_on:
                    add((i, j))
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
