"""``summary`` without SQLAlchemy: the figures over a plain DB-API connection.

Taken only for a plain, up-to-date database (see :mod:`models.direct`); ``None`` otherwise, and
the caller runs the ordinary path, which creates, upgrades, refuses or explains.
"""

from __future__ import annotations

import logging
from typing import Any

from controllers.summary_figures import summary_figures
from models.direct import open_direct
from models.locations import resolve_url
from models.migrate import SCHEMA_HEAD

logger = logging.getLogger(__name__)


def quick_summary(raw_url: str | None) -> tuple[dict[str, Any], str] | None:
    """(figures, the database as shown to the clerk), or None to take the ordinary path."""
    try:
        conn = open_direct(resolve_url(raw_url))
    except Exception:
        logger.debug("quick summary: no plain connection", exc_info=True)
        return None
    if conn is None:
        return None
    try:
        revision = conn.schema_revision()
        if revision != SCHEMA_HEAD:
            return None  # empty, older or newer: the ordinary path creates, upgrades or refuses
        data = summary_figures(conn.rows)
    except Exception:
        logger.debug("quick summary: falling back to the ordinary path", exc_info=True)
        return None
    finally:
        conn.close()
    data["schema_version"] = revision
    return data, conn.display
