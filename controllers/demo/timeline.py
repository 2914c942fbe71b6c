"""A demo case's life as planned dates, cut to the world as it stood on the as-of date.

Every story element plans whole lives (found, started, finished, accepted, closed) with its
own random stream and then cuts them at the as-of date, so the world of an earlier date is
always a prefix of the world of a later one: ``demo --as-of 2026-05-31`` and the report of
today's demo as of 5月31日 tell the same story.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib

from models.codes import CaseStatus

#: the dates a case carries, in the order it reaches them
LIFE_DATES = ("completed_on", "township_checked_on", "accepted_on", "closed_on")


def stream(seed: int, name: str) -> random.Random:
    """An independent random stream per story element (adding one never shifts the others)."""
    return random.Random(seed * 1_000_003 + zlib.crc32(name.encode("utf-8")))


def cut_row(row: dict, as_of: dt.date, open_note: str = "正在整治") -> dict | None:
    """The case row as it stood on ``as_of`` (None: not found yet).

    ``row`` holds the planned dates; those after the date are dropped and the status is the
    furthest step reached by then (待整治 until work starts a few days after it was found).
    """
    found = row.get("discovered_on")
    if found is not None and found > as_of:
        return None
    out = dict(row)
    for key in LIFE_DATES:
        if out.get(key) is not None and out[key] > as_of:
            out[key] = None
    if out.get("closed_on") is None:
        out["approved_by"] = None
    if out.get("closed_on"):
        out["status"] = CaseStatus.CLOSED
    elif out.get("accepted_on"):
        out["status"] = CaseStatus.ACCEPTED
    elif out.get("completed_on"):
        out["status"] = CaseStatus.COMPLETED
    else:
        started = out.pop("_started_on", None) or (found and found + dt.timedelta(days=3))
        out["status"] = (
            CaseStatus.IN_PROGRESS if started is None or started <= as_of else CaseStatus.PENDING
        )
        out["progress_note"] = open_note if out["status"] == CaseStatus.IN_PROGRESS else None
        out["accepted_on"] = out["closed_on"] = out["township_checked_on"] = None
    out.pop("_started_on", None)
    last = max(
        (out[k] for k in ("discovered_on", *LIFE_DATES) if out.get(k) is not None), default=None
    )
    if last is not None and "updated_at" in out:
        out["updated_at"] = dt.datetime.combine(last, dt.time(17, 0))
    return out
