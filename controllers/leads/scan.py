"""Find candidates in the register: blocked by phone, owner and village, never all pairs.

Every case is read once (plain driver rows of the needed columns, no ORM objects) and
normalised once. The blocking keys — the phone, the owner's name with the trade, the village
with the trade, the village with the house number — become integer codes, and the old cases
(closed 关停取缔 or 整合搬迁) are sorted by each key and searched in numpy, so only pairs
inside a block are formed: a newer case against an old case closed out before the newer one
was found; in a village, house numbers a few apart. Pairs that cannot reach the threshold are
dropped before scoring, in bulk: the same owner's name shared by many (王伟) with nothing else
in common, and owners in the same village and trade whose names are not close (rapidfuzz over
all such pairs at once). So the work grows about linearly with the register. Keys more than
:data:`MAX_BLOCK` cases share (a hotline, a placeholder name) pair nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.leads.address import (
    AddressParser,
    fold,
    house_number,
    name_key,
    phone_key,
    town_stem,
    village_stem,
)
from controllers.leads.scoring import (
    CLOSE_NAME,
    NEAR_NUMBERS,
    OLD_CLASSIFICATIONS,
    RARE,
    THRESHOLD,
    W_INDUSTRY,
    W_NAME,
    W_OWNER,
    W_PHONE,
    W_PRODUCTS,
    Candidate,
    Site,
    compare,
    rarity,
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
    town_stems = {town_id: town_stem(name) for town_id, name in towns.items() if name}
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
            if town_id and village and (town := town_stems.get(town_id)):
                # the case's own township and village: only the house number is looked for
                vill = village_stem(village)
                township, number = town, house_number(address, vill)
            else:
                where = parse(address, unit_id, towns.get(town_id) if town_id else None, village)
                township, vill, number = where.township, where.village, where.number
            append(
                Site(
                    case_id,
                    unit_id,
                    township,
                    vill,
                    number,
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


def _codes(values: list) -> np.ndarray:
    """Integer codes of hashable values (-1 for None)."""
    index: dict = {}
    code = index.setdefault
    return np.fromiter(
        (-1 if v is None else code(v, len(index)) for v in values), np.int64, len(values)
    )


def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One code for a pair of codes (-1 when either is missing)."""
    return np.where((a >= 0) & (b >= 0), a * (int(b.max(initial=0)) + 1) + b, -1)


def _block(keys: np.ndarray, olds: np.ndarray, newer: np.ndarray, width: int = 0,
           limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(i, j) index pairs: ``i`` among ``newer``, ``j`` among ``olds``, with keys at most ``width``
    apart; keys more than ``limit`` cases share (over all of ``keys``) are left out."""
    valid = keys >= 0
    if limit is not None:
        counts = np.bincount(keys[valid]) if valid.any() else np.zeros(0, np.int64)
        big = np.zeros(len(keys), bool)
        big[valid] = counts[keys[valid]] > limit
        valid &= ~big
    j_all = np.flatnonzero(valid & olds)
    i_all = np.flatnonzero(valid & newer)
    if not len(j_all) or not len(i_all):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = j_all[np.argsort(keys[j_all], kind="stable")]
    sorted_keys = keys[order]
    lo = np.searchsorted(sorted_keys, keys[i_all] - width, "left")
    hi = np.searchsorted(sorted_keys, keys[i_all] + width, "right")
    lengths = hi - lo
    hit = lengths > 0
    i_hit, lo, lengths = i_all[hit], lo[hit], lengths[hit]
    total = int(lengths.sum())
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    return np.repeat(i_hit, lengths), order[np.arange(total) + starts]


def candidate_pairs(sites: list[Site]) -> set[tuple[int, int]]:
    """(newer index, old index) pairs that share a blocking key.

    The keys become integer codes and the pairs are found by sorting and searching in numpy:
    the phone; the owner with the trade; the village with the trade (a close owner's name is
    looked for there); the village with house numbers at most :data:`NEAR_NUMBERS` apart. A
    newer case pairs with an old (closed 关停取缔 / 整合搬迁) case closed out before it was
    found. A key more than :data:`MAX_BLOCK` cases share (a hotline, a placeholder name)
    pairs nothing.
    """
    n = len(sites)
    if n < 2:
        return set()
    olds = np.fromiter(
        (s.closed_on is not None and s.status == "closed" and s.classification in OLD_CLASSIFICATIONS
         for s in sites), bool, n,
    )  # fmt: skip
    seen = np.fromiter((s.seen_on.toordinal() if s.seen_on else -1 for s in sites), np.int64, n)
    closed = np.fromiter(
        (s.closed_on.toordinal() if s.closed_on else 0 for s in sites), np.int64, n
    )
    newer = seen >= 0
    phone = _codes([s.phone or None for s in sites])
    trade = _codes([s.industry_id for s in sites])
    trade = np.where(trade < 0, 0, trade + 1)  # no trade is a trade of its own here
    owner_name = _codes([s.owner or None for s in sites])
    owner = _combine(owner_name, trade)
    village = _codes([(s.unit_id, s.township, s.village) if s.village else None for s in sites])
    village_trade = _combine(village, trade)
    numbers = np.fromiter((-1 if s.number is None else min(s.number, 1 << 30) for s in sites),
                          np.int64, n)  # fmt: skip
    house = np.where((village >= 0) & (numbers >= 0), (village << 31) + numbers, -1)

    def after(found: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        i, j = found
        keep = (i != j) & (seen[i] > closed[j])
        return i[keep], j[keep]

    by_phone = after(_block(phone, olds, newer, limit=MAX_BLOCK))
    by_house = after(_block(house, olds, newer, NEAR_NUMBERS))
    by_owner = _rare_owners(sites, *after(_block(owner, olds, newer, limit=MAX_BLOCK)), owner_name)
    by_close = _close_owners(sites, *after(_block(village_trade, olds, newer, limit=MAX_BLOCK)))
    found = (by_phone, by_house, by_owner, by_close)
    i = np.concatenate([f[0] for f in found])
    j = np.concatenate([f[1] for f in found])
    return set(zip(i.tolist(), j.tolist(), strict=True))


#: what a pair sharing only the owner's name and trade can score besides the name: the trade,
#: a close business name, the same products, and a phone too many cases share to be blocked on
_OWNER_REST = W_INDUSTRY + W_NAME + W_PRODUCTS + W_PHONE * rarity(MAX_BLOCK + 1)


def _rare_owners(sites: list[Site], i: np.ndarray, j: np.ndarray,
                 owner_name: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Pairs of the same owner and trade whose name is rare enough to reach the threshold (a
    common name like 王伟 cannot, see :func:`~controllers.leads.scoring.compare`), and those in
    the same village (an address a few doors apart counts there)."""
    if not len(i):
        return i, j
    counts = np.bincount(owner_name[owner_name >= 0])[owner_name[i]]
    weight = np.where(counts <= RARE, 1.0, RARE / np.maximum(counts, 1))
    keep = W_OWNER * weight + _OWNER_REST >= THRESHOLD - 1e-9
    for k in np.flatnonzero(~keep).tolist():
        a, b = sites[i[k]], sites[j[k]]
        keep[k] = bool(a.village) and a.village == b.village and a.unit_id == b.unit_id
    return i[keep], j[keep]


def _close_owners(sites: list[Site], i: np.ndarray,
                  j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Pairs of the same village and trade whose owners' names are close (rapidfuzz over all
    the pairs at once): the other evidence of such a pair is found by the other blocks."""
    if not len(i):
        return i, j
    this = [sites[k].owner for k in i.tolist()]
    other = [sites[k].owner for k in j.tolist()]
    similarity = process.cpdist(this, other, scorer=fuzz.ratio, score_cutoff=CLOSE_NAME,
                                dtype=np.float32)  # fmt: skip
    keep = (similarity >= CLOSE_NAME) & np.fromiter(
        (bool(a and b) for a, b in zip(this, other, strict=True)), bool, len(this)
    )
    return i[keep], j[keep]


def find_candidates(sites: list[Site]) -> list[Candidate]:
    """Candidates among the sites, best first."""
    phone_counts = Counter([s.phone for s in sites if s.phone])
    owner_counts = Counter([s.owner for s in sites if s.owner])
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
