"""Who is acting: the signed-in clerk, or the system for headless maintenance."""

from __future__ import annotations

from dataclasses import dataclass

from models.codes import Role


@dataclass(frozen=True)
class Actor:
    """The person (or process) a controller acts for."""

    user_id: int | None
    username: str
    role: Role
    unit_id: int | None = None
    display_name: str = ""
    is_system: bool = False  # headless maintenance: not subject to role checks

    @property
    def label(self) -> str:
        return self.display_name or self.username

    @property
    def is_unit_scoped(self) -> bool:
        """A 县区业务员 sees and changes only their own unit."""
        return self.role == Role.COUNTY_CLERK


#: Headless maintenance (migrations, demo data, scripts run by an administrator).
SYSTEM = Actor(
    user_id=None, username="system", role=Role.ADMIN, display_name="系统", is_system=True
)
