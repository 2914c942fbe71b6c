"""The use cases that raise candidates: a scan of the register, an imported power list, an
imported permit list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from controllers.actor import Actor
from controllers.leads.permits import PermitImportResult, permit_candidates, store_permit_file
from controllers.leads.power import PowerImportResult, power_candidates, store_power_file
from controllers.leads.scan import find_candidates, load_sites, parser_for, reference_names
from controllers.leads.scoring import Candidate
from controllers.leads.store import SyncResult, record_scan, side_of, sync_candidates
from controllers.permissions import Permission, require

Progress = Callable[[int, str], None]


def _quiet(_pct: int, _msg: str) -> None:
    pass


def scan_leads(session: Session, actor: Actor, progress: Progress | None = None) -> SyncResult:
    """Compare the register (and the stored power lists) and keep the candidates; no commit."""
    require(actor, Permission.EDIT_CASES)
    report = progress or _quiet
    report(5, "读取企业清单")
    parser = parser_for(session)
    sites = load_sites(session, actor, parser)
    report(40, "比对业主、电话、地址")
    found = find_candidates(sites)
    report(70, "比对电力数据")
    power, power_sides = power_candidates(session, actor, sites, parser)
    report(78, "比对排污许可")
    permits, permit_sides = permit_candidates(session, actor, sites, parser)
    candidates = sorted(
        [*found, *power, *permits], key=lambda c: (-c.score, c.other_case_id, c.case_id or 0)
    )
    report(85, "保存线索")
    result = sync_candidates(
        session, actor, candidates, _sides(session, sites, power_sides, permit_sides)
    )
    record_scan(session, actor, result, cases=len(sites), found=len(candidates))
    report(100, "完成")
    return result


def _sides(session: Session, sites, power_sides: dict[int, dict],
           permit_sides: dict[int, dict] | None = None) -> Callable[[Candidate], dict]:  # fmt: skip
    units, _towns, _industries = reference_names(session)
    by_id = {s.case_id: s for s in sites}
    permit_sides = permit_sides or {}

    def sides(cand: Candidate) -> dict:
        if cand.power_record_id:
            this = power_sides.get(cand.power_record_id, {})
        elif cand.permit_id:
            this = permit_sides.get(cand.permit_id, {})
        else:
            this = side_of(by_id[cand.case_id], units)
        return {"this": this, "other": side_of(by_id[cand.other_case_id], units)}

    return sides


def import_power(
    session: Session, actor: Actor, path: str | Path, filename: str | None = None
) -> tuple[PowerImportResult, SyncResult]:
    """Keep a power list and raise its candidates against the closed cases; no commit."""
    imported = store_power_file(session, actor, path, filename)
    parser = parser_for(session)
    sites = load_sites(session, actor, parser)
    power, power_sides = power_candidates(session, actor, sites, parser)
    result = sync_candidates(
        session, actor, power, _sides(session, sites, power_sides), power_only=True
    )
    record_scan(session, actor, result, power_import=imported.import_id)
    return imported, result


def import_permits(
    session: Session, actor: Actor, path: str | Path, filename: str | None = None
) -> tuple[PermitImportResult, SyncResult]:
    """Keep a permit list and raise its 类散乱污 candidates against the closed cases; no commit."""
    imported = store_permit_file(session, actor, path, filename)
    parser = parser_for(session)
    sites = load_sites(session, actor, parser)
    permits, permit_sides = permit_candidates(session, actor, sites, parser)
    result = sync_candidates(
        session, actor, permits, _sides(session, sites, {}, permit_sides), permit_only=True
    )
    record_scan(session, actor, result, permit_file=imported.filename)
    return imported, result
