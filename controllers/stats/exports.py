"""Exports of charts: permission and audit (the image itself is drawn by the interface)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.audit.trail import record
from controllers.permissions import Permission, require
from models.codes import AuditResult


def check_export(actor: Actor) -> None:
    """Raise PermissionDenied unless the actor may export."""
    require(actor, Permission.EXPORT)


def record_chart_export(
    session: Session,
    actor: Actor,
    chart: str,
    target: str | Path,
    fmt: str,
    *,
    ok: bool = True,
    detail: dict | None = None,
) -> None:
    """Audit one export of a chart (file or clipboard) and commit."""
    require(actor, Permission.EXPORT)
    record(
        session,
        actor,
        "export_chart",
        "chart",
        chart,
        result=AuditResult.OK if ok else AuditResult.FAILED,
        detail={"format": fmt, "target": str(target), **(detail or {})},
    )
