"""Database-wide settings (city name, issuing bureau…), stored as JSON values."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from models import AppSetting

CITY_NAME = "org.city_name"
DEFAULTS: dict[str, Any] = {CITY_NAME: "本市"}


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(AppSetting, key)
    if row is None:
        return DEFAULTS.get(key, default)
    return json.loads(row.value)


def set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(AppSetting, key)
    text = json.dumps(value, ensure_ascii=False)
    if row is None:
        session.add(AppSetting(key=key, value=text))
    else:
        row.value = text
