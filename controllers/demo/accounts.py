"""Demo accounts, one per role, so that the demo can be tried as each kind of clerk.

The password is printed in the README; it is for demonstration databases only.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from controllers.actor import SYSTEM
from controllers.auth.accounts import create_user, user_by_name
from controllers.auth.passwords import verify_password
from models.codes import Role

DEMO_PASSWORD = "Demo-2026"

#: (username, display name, role, unit)
DEMO_ACCOUNTS = (
    ("admin", "王管理", Role.ADMIN, None),
    ("auditor", "李审计", Role.AUDITOR, None),
    ("city", "张市级", Role.CITY_CLERK, None),
    ("lingshou", "赵灵寿", Role.COUNTY_CLERK, "灵寿县"),
    ("leader", "刘领导", Role.LEADER, None),
)


def create_demo_accounts(session: Session) -> list[str]:
    """Add the demo accounts that do not exist yet (flushes); returns their usernames."""
    made = []
    for username, display, role, unit in DEMO_ACCOUNTS:
        if user_by_name(session, username) is not None:
            continue
        create_user(session, SYSTEM, username, role, unit=unit, display_name=display,
                    password=DEMO_PASSWORD, must_change_password=False)  # fmt: skip
        made.append(username)
    return made


def demo_sign_in_hint(session: Session) -> str | None:
    """A line for the login dialog while the demo accounts still have the demo password.

    Once the city clerk's demo password is changed the hint disappears, so a database that
    started from the demo and went into real use does not advertise any password.
    """
    city = user_by_name(session, "city")
    if city is None or city.disabled or not verify_password(city.password_hash, DEMO_PASSWORD):
        return None
    names = "、".join(f"{u}（{r.label}）" for u, _d, r, _unit in DEMO_ACCOUNTS)
    return f"演示数据库：可用 {names} 登录，密码均为 {DEMO_PASSWORD}。"
