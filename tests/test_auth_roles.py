"""Every controller and command, tried as each role of the demo database's accounts.

A 县区业务员 (lingshou, 灵寿县) sees and changes only its own unit; the administrator manages
accounts and settings but reads no business data; the auditor reads everything and the audit
log and changes nothing else; a leader only reads.
"""

import contextlib
import datetime as dt
import io
import subprocess

import pytest
from sqlalchemy import func, select

from controllers.accountability.records import record_rows
from controllers.attachments import add_attachment, attachment_content, attachments_of
from controllers.audit.archive import archive_old_entries, set_retention_months
from controllers.audit.query import AuditFilter, audit_listing, export_audit
from controllers.auth import create_user, list_users, set_disabled, sign_in
from controllers.demo.accounts import DEMO_PASSWORD
from controllers.infra.backup import backup_database, set_backup_keep
from controllers.overview import overview_tiles
from controllers.permissions import PermissionDenied
from controllers.spot_checks.daily import checks_of_day
from controllers.summary import summary
from models import AuditEntry, Case, Unit
from models.codes import Role

USERS = ("admin", "auditor", "city", "lingshou", "leader")


def spot_check_units(session, actor) -> set[str]:
    """The units of the checks the 督导抽查 pane lists over the demo's 5月7日–25日."""
    days = (dt.date(2026, 5, 7) + dt.timedelta(days=i) for i in range(19))
    return {row.unit for day in days for row in checks_of_day(session, actor, day)}


def accountability_units(session, actor) -> set[str]:
    """The units of the records the 问责 pane lists."""
    return {r.unit for r in record_rows(session, actor)}


LISTINGS = (spot_check_units, accountability_units)


@pytest.fixture
def actors(demo_db):
    with demo_db.session() as s:
        return {u: sign_in(s, u, DEMO_PASSWORD).actor for u in USERS}


def test_reading_business_data_as_each_role(demo_db, actors):
    with demo_db.session() as s:
        lingshou_cases = s.scalar(
            select(func.count()).select_from(Case).join(Unit).where(Unit.name == "灵寿县")
        )
        for name, actor in actors.items():
            if name == "admin":  # separation of duties: no business data for the administrator
                for listing in LISTINGS:
                    with pytest.raises(PermissionDenied):
                        listing(s, actor)
                with pytest.raises(PermissionDenied):
                    summary(s, actor)
                with pytest.raises(PermissionDenied):
                    overview_tiles(s, actor=actor)
                continue
            data = summary(s, actor)
            tiles = {t.key: t.value for t in overview_tiles(s, actor=actor)}
            if name == "lingshou":
                assert data["cases"]["total"] == lingshou_cases
                assert set(data["cases"]["by_unit"]) == {"lingshou"}
                assert data["spot_checks"]["groups"] < 33
                assert tiles["cases_total"] == lingshou_cases
            else:
                assert data["cases"]["total"] == s.scalar(select(func.count()).select_from(Case))
                assert data["spot_checks"]["groups"] >= 33  # 33 by the report's day, more since
            for listing in LISTINGS:
                units = listing(s, actor)
                if name == "lingshou":
                    assert units <= {"灵寿县"}, listing.__name__
                    if listing is not accountability_units:  # the demo has none for 灵寿县
                        assert units, listing.__name__
                else:
                    assert len(units) > 1, listing.__name__


def test_attachments_follow_the_unit_and_the_role(demo_db, actors):
    with demo_db.session() as s:
        own = s.scalar(select(Case.id).join(Unit).where(Unit.name == "灵寿县").limit(1))
        other = s.scalar(select(Case.id).join(Unit).where(Unit.name == "新乐市").limit(1))
        county, city = actors["lingshou"], actors["city"]
        att = add_attachment(s, county, b"%PDF-1.4 own", "验收.pdf", case_id=own)
        with pytest.raises(PermissionDenied, match="只能处理本单位"):
            add_attachment(s, county, b"%PDF-1.4 other", "x.pdf", case_id=other)
        for who in ("leader", "auditor", "admin"):
            with pytest.raises(PermissionDenied):
                add_attachment(s, actors[who], b"x", "x.pdf", case_id=own)
        theirs = add_attachment(s, city, b"%PDF-1.4 city", "市级.pdf", case_id=other)
        s.commit()
        assert attachment_content(s, att.id, county)[1] == b"%PDF-1.4 own"
        with pytest.raises(PermissionDenied):
            attachment_content(s, theirs.id, county)
        with pytest.raises(PermissionDenied):
            attachments_of(s, county, case_id=other)
        assert [a.filename for a in attachments_of(s, actors["auditor"], case_id=other)] == [
            "市级.pdf"
        ]
        with pytest.raises(PermissionDenied):
            attachment_content(s, att.id, actors["admin"])


def test_accounts_audit_and_backups_as_each_role(demo_db, actors, tmp_path):
    allowed = {
        "accounts": {"admin"},
        "audit_read": {"auditor"},
        "audit_manage": {"auditor"},
        "backup": {"admin"},
    }
    for name, actor in actors.items():
        with demo_db.session() as s:
            checks = {
                "accounts": lambda s=s, a=actor: list_users(s, a),
                "audit_read": lambda s=s, a=actor: audit_listing(s, a, AuditFilter()),
                "audit_manage": lambda s=s, a=actor: set_retention_months(s, a, 12),
                "backup": lambda s=s, a=actor, n=name: set_backup_keep(s, a, 7),
            }
            for what, call in checks.items():
                if name in allowed[what]:
                    call()
                    s.rollback()
                else:
                    with pytest.raises(PermissionDenied):
                        call()
                    s.rollback()
            if name != "admin":
                with pytest.raises(PermissionDenied):
                    create_user(s, actor, f"new_{name}", Role.LEADER)
                with pytest.raises(PermissionDenied):
                    set_disabled(s, actor, "leader", True)
                with pytest.raises(PermissionDenied):
                    backup_database(demo_db, tmp_path / f"{name}.db", actor)
            if name != "auditor":
                with pytest.raises(PermissionDenied):
                    archive_old_entries(s, actor)
                with pytest.raises(PermissionDenied):
                    export_audit(s, actor, AuditFilter(), tmp_path / f"{name}.xlsx")
    with demo_db.session() as s:
        # the administrator can never erase the audit trail through the application
        assert s.scalar(select(func.count()).select_from(AuditEntry)) >= len(USERS)


def _cli(url, user, *args):
    """The real command line (argument parsing, --user sign-in, handler), in this process."""
    from cli.main import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["--db", url, "--user", user, *args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.mark.slow  # over ~6 s: runs in make test-slow (CI runs both)
def test_every_command_as_each_role(demo_url, tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("RECTIFY_PASSWORD", DEMO_PASSWORD)
    expect_ok = {
        ("summary", "--json"): {"auditor", "city", "lingshou", "leader"},
        ("user", "list"): {"admin"},
        ("audit", "verify"): set(USERS),
        ("audit", "export", str(tmp_path / "a.xlsx")): {"auditor"},
        ("audit", "archive"): {"auditor"},
        ("backup", str(tmp_path / "b.db")): {"admin"},
        ("user", "add", "newclerk", "--role", "leader"): {"admin"},
        ("db", "current"): set(USERS),
    }
    for args, ok_for in expect_ok.items():
        for user in USERS:
            proc = _cli(demo_url, user, *args)
            if user in ok_for:
                assert proc.returncode == 0, (args, user, proc.stderr)
            else:
                assert proc.returncode == 1, (args, user, proc.stdout)
                assert "无权" in proc.stderr, (args, user, proc.stderr)
            if args[0] == "user" and args[1] == "add" and user == "admin":
                break  # the account exists now
    county = json.loads(_cli(demo_url, "lingshou", "summary", "--json").stdout)
    assert list(county["cases"]["by_unit"]) == ["lingshou"]
    verify = _cli(demo_url, "auditor", "audit", "verify")
    assert verify.returncode == 0, verify.stderr
