"""A district merger on real rows: 灵寿县 (A) merged into 新乐市 (B), one row of every kind
that points at a unit, built and checked the same way on every backend (and by the database
function under PostgreSQL roles). Under database accounts (PostgreSQL roles, MariaDB users) the
administrator's part of the story is told here too, the same on both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from controllers.actor import SYSTEM
from controllers.auth import create_user
from controllers.auth.login import SignIn
from controllers.cases.case_detail import case_history
from controllers.unit_of_work import call, run
from controllers.units.merge import merge_townships, merge_units, plan_unit_merge
from controllers.units.records import UnitInput, create_unit, delete_unit_if_unused, list_units
from controllers.units.reference import load_reference_units
from models import (
    AccountabilityRecord,
    AuditEntry,
    Campaign,
    Case,
    CaseChange,
    CountyReturn,
    Lead,
    Letter,
    LetterTemplate,
    Permit,
    ReturnColumnMapping,
    SpotCheck,
    Township,
    Unit,
    User,
)
from models.codes import AccountabilityStatus, LetterStatus, Measure, Role
from models.database import Database
from tests.factories import make_case, unit
from tests.secured_accounts import PASSWORDS

SOURCE, TARGET = "灵寿县", "新乐市"
EXPECTED_COUNTS = {
    "townships": 14, "cases": 4, "returns": 1, "letters": 1, "spot_checks": 1,
    "accountability": 1, "leads": 1, "users": 1, "power_lists": 0, "permits": 1,
    "letters_kept": 2, "accountability_kept": 1, "spot_checks_kept": 1,
}  # fmt: skip


def build(s: Session) -> dict[str, Any]:
    """Rows of A and B; returns their ids. Commits."""
    a, b = unit(s, SOURCE), unit(s, TARGET)
    b.townships.append(Township(name="灵寿镇", sort_order=1, active=True))  # same name as A's
    b.townships.append(Township(name="承安镇", sort_order=2, active=True))
    s.flush()
    a_town = {t.name: t.id for t in a.townships}
    b_town = {t.name: t.id for t in b.townships}
    cases = {
        "a1": make_case(s, unit=a, serial_no=2, township_id=a_town["灵寿镇"]).id,
        "a2": make_case(s, unit=a, serial_no=1, township_id=a_town["青同镇"]).id,
        "a3": make_case(s, unit=a, serial_no=None, township_id=None).id,
        "a4": make_case(s, unit=a, serial_no=5, township_id=a_town["塔上镇"]).id,
        "b1": make_case(s, unit=b, serial_no=7, township_id=b_town["承安镇"]).id,
        "b2": make_case(s, unit=b, serial_no=3, township_id=b_town["灵寿镇"]).id,
    }
    tpl = LetterTemplate(version_no=90, name="t", title="t", body="b", issuer_name="i")
    c1, c2, c3 = (Campaign(name=f"专项行动{i}", year=2026) for i in (1, 2, 3))
    s.add_all([tpl, c1, c2, c3])
    s.flush()
    letters = {
        "draft": Letter(unit_id=a.id, campaign_id=c1.id, template_id=tpl.id),
        "signed": Letter(unit_id=a.id, campaign_id=c2.id, template_id=tpl.id,
                         status=LetterStatus.SIGNED, signer_name="A县长",
                         signed_on=dt.date(2026, 5, 1)),
        "draft_clash": Letter(unit_id=a.id, campaign_id=c3.id, template_id=tpl.id),
        "b_letter": Letter(unit_id=b.id, campaign_id=c3.id, template_id=tpl.id),
    }  # fmt: skip
    day1, day2 = dt.date(2026, 5, 7), dt.date(2026, 5, 8)
    checks = {
        "moves": SpotCheck(unit_id=a.id, checked_on=day1, group_name="第一组"),
        "stays": SpotCheck(unit_id=a.id, checked_on=day2, group_name="第二组"),
        "b_same_day": SpotCheck(unit_id=b.id, checked_on=day2, group_name="第二组"),
    }
    records = {
        "proposed": AccountabilityRecord(unit_id=a.id, measure=Measure.INTERVIEW),
        "decided": AccountabilityRecord(unit_id=a.id, measure=Measure.CIRCULAR,
                                        status=AccountabilityStatus.DECIDED,
                                        doc_no="市环〔2026〕1号", decided_on=day1),
    }  # fmt: skip
    ret = CountyReturn(unit_id=a.id, file_name="灵寿县上报.xlsx")
    clerk = User(username="ls_clerk", display_name="灵寿业务员", role=Role.COUNTY_CLERK,
                 unit_id=a.id, must_change_password=False)  # fmt: skip
    lead = Lead(pair_key="merge-story", kind="relocation", status="open", case_id=cases["b1"],
                other_case_id=cases["a1"], unit_id=b.id, other_unit_id=a.id, score=0.9,
                evidence="[]", fingerprint="f" * 64)  # fmt: skip
    mappings = [ReturnColumnMapping(unit_id=a.id, header="企业名", field="name"),
                ReturnColumnMapping(unit_id=a.id, header="地点", field="address"),
                ReturnColumnMapping(unit_id=b.id, header="地点", field="")]  # fmt: skip
    permit = Permit(unit_id=a.id, name="某厂", source_file="许可.xlsx")
    s.add_all([*letters.values(), *checks.values(), *records.values(), ret, clerk, lead,
               *mappings, permit])  # fmt: skip
    s.flush()
    ids = {
        "a": a.id, "b": b.id, "cases": cases, "a_town": a_town, "b_town": b_town,
        "letters": {k: v.id for k, v in letters.items()},
        "checks": {k: v.id for k, v in checks.items()},
        "records": {k: v.id for k, v in records.items()},
        "return": ret.id, "clerk": clerk.id, "lead": lead.id, "permit": permit.id,
        "mappings": [m.id for m in mappings],
    }  # fmt: skip
    s.commit()
    return ids


def snapshot(s: Session) -> dict[str, Any]:
    """Everything a merge would change, to show a failed one changed nothing."""
    return {
        "cases": sorted(s.execute(select(Case.id, Case.unit_id, Case.serial_no,
                                         Case.township_id, Case.version)).all()),
        "townships": sorted(s.execute(select(Township.id, Township.unit_id, Township.name)).all()),
        "units": sorted(s.execute(select(Unit.id, Unit.active, Unit.version)).all()),
        "changes": s.scalar(select(func.count()).select_from(CaseChange)),
        "letters": sorted(s.execute(select(Letter.id, Letter.unit_id)).all()),
        "checks": sorted(s.execute(select(SpotCheck.id, SpotCheck.unit_id)).all()),
        "users": sorted(s.execute(select(User.id, User.unit_id)).all()),
        "merges": s.scalar(select(func.count()).select_from(AuditEntry)
                           .where(AuditEntry.action == "merge")),
    }  # fmt: skip


def check_merged(s: Session, ids: dict[str, Any]) -> None:
    """What the merge must have done, table by table."""
    a, b = s.get(Unit, ids["a"]), s.get(Unit, ids["b"])
    assert a is not None
    assert not a.active
    assert b.active
    # townships: A's moved to B, the same-named one merged into B's
    towns = {t.name: t.id for t in b.townships}
    assert len(b.townships) == 2 + 13
    assert towns["灵寿镇"] == ids["b_town"]["灵寿镇"]
    assert s.get(Township, ids["a_town"]["灵寿镇"]) is None
    assert towns["青同镇"] == ids["a_town"]["青同镇"]
    assert not a.townships
    assert [t.sort_order for t in b.townships] == list(range(1, 16))
    # cases: all in B, numbered after B's last 序号 (7) in their old order, unnumbered stay so
    cases = {k: s.get(Case, v) for k, v in ids["cases"].items()}
    assert {c.unit_id for c in cases.values()} == {b.id}
    assert [cases[k].serial_no for k in ("a2", "a1", "a4", "a3")] == [8, 9, 10, None]
    assert (cases["b1"].serial_no, cases["b2"].serial_no) == (7, 3)
    assert cases["a1"].township_id == ids["b_town"]["灵寿镇"]
    assert cases["a2"].township_id == ids["a_town"]["青同镇"]
    history = {h.field: h for h in case_history(s, ids["cases"]["a1"])}
    assert (history["unit_id"].old, history["unit_id"].new) == (SOURCE, TARGET)
    assert (history["serial_no"].old, history["serial_no"].new) == ("2", "9")
    assert history["serial_no"].note == f"单位合并：{SOURCE}并入{TARGET}"
    assert (history["township_id"].old, history["township_id"].new) == ("灵寿镇", "灵寿镇")
    assert {h.field for h in case_history(s, ids["cases"]["a3"])} == {"unit_id"}
    assert not case_history(s, ids["cases"]["b1"])
    # documents: a signed letter, a decided record stay with A; drafts, proposals move
    letters = {k: s.get(Letter, v).unit_id for k, v in ids["letters"].items()}
    assert letters == {"draft": b.id, "signed": a.id, "draft_clash": a.id, "b_letter": b.id}
    checks = {k: s.get(SpotCheck, v).unit_id for k, v in ids["checks"].items()}
    assert checks == {"moves": b.id, "stays": a.id, "b_same_day": b.id}
    records = {k: s.get(AccountabilityRecord, v).unit_id for k, v in ids["records"].items()}
    assert records == {"proposed": b.id, "decided": a.id}
    assert s.get(CountyReturn, ids["return"]).unit_id == b.id
    assert s.get(User, ids["clerk"]).unit_id == b.id
    lead = s.get(Lead, ids["lead"])
    assert (lead.unit_id, lead.other_unit_id) == (b.id, b.id)
    assert s.get(Permit, ids["permit"]).unit_id == b.id
    mappings = [s.get(ReturnColumnMapping, i).unit_id for i in ids["mappings"]]
    assert mappings == [b.id, a.id, b.id]  # B remembers 地点 itself


# ------------------------------------------------------------------------------------------
# Under database accounts: the administrator (who reads no business data) merges through the
# database's own functions or procedures.
#: (username, role, unit) of the accounts the story signs in with (passwords: PASSWORDS)
ACCOUNTS = [("admin", "admin", None), ("city", "city_clerk", None),
            ("xinle", "county_clerk", "新乐市")]  # fmt: skip

SignInAs = Callable[[str], tuple[Database, SignIn]]


def build_with_accounts(s: Session) -> dict[str, Any]:
    """The reference units, the story's rows (:func:`build`) and the :data:`ACCOUNTS`, in a
    database whose security is installed; returns :func:`build`'s ids. Commits."""
    load_reference_units(s)
    s.commit()
    ids = build(s)
    for username, role, unit_name in ACCOUNTS:
        create_user(s, SYSTEM, username, role, unit=unit_name, password=PASSWORDS[username],
                    must_change_password=False)  # fmt: skip
    s.commit()
    return ids


def admin_merges_units_then_townships(
    sign_in: SignInAs,
    owner: Database,
    ids: dict[str, Any],
    own_connection: Callable[[Session], bool],
) -> None:
    """The administrator, signed in with ``sign_in`` (on a connection ``own_connection`` says is
    its own), sees the units' case counts without reading cases, merges A into B as planned
    (checked through ``owner``), then 承安镇 into 灵寿镇 in B: that history in its own name."""
    db, signed = sign_in("admin")
    admin = signed.actor
    try:
        with db.session() as s:
            assert own_connection(s)
            rows = {u.name: u for u in list_units(s, admin)}  # counts, though no cases read
        assert (rows[SOURCE].cases, rows[TARGET].cases) == (4, 2)
        plan = call(db, plan_unit_merge, admin, ids["a"], ids["b"]).value
        assert plan.counts == EXPECTED_COUNTS
        run(db, admin, merge_units, rows[SOURCE], rows[TARGET])
        with owner.session() as s:
            check_merged(s, ids)
        # then a township merge in the merged unit: the case moves, its history in admin's name
        rows = {u.name: u for u in call(db, list_units, admin).value}
        towns = {t.name: t for t in rows[TARGET].townships}
        assert run(db, admin, merge_townships, towns["承安镇"], towns["灵寿镇"]).value == 1
    finally:
        db.dispose()
    with owner.session() as s:
        assert s.get(Township, ids["b_town"]["承安镇"]) is None
        assert set(s.scalars(select(CaseChange.username))) == {"admin"}
        moved = s.scalars(select(CaseChange).where(CaseChange.case_id == ids["cases"]["b1"])).one()
        assert (moved.field, moved.old_value, moved.note) == (
            "township_id", "承安镇", "乡镇合并：承安镇并入灵寿镇")  # fmt: skip


def admin_deletes_only_units_without_data(
    sign_in: SignInAs, owner: Database, ids: dict[str, Any]
) -> None:
    """The administrator deletes a new empty unit, but neither A (cases) nor a unit only an
    account points at: the database answers whether a unit holds data (yes or no)."""
    db, signed = sign_in("admin")
    admin = signed.actor
    try:
        empty = run(db, admin, create_unit, UnitInput(name="新建测试区")).value
        with owner.session() as s:
            accounts_only = unit(s, "行唐县").id  # no cases; an account points at it
            create_user(s, SYSTEM, "xingtang", "county_clerk", unit="行唐县",
                        password="Xianqu-Mima-3", must_change_password=False)  # fmt: skip
            s.commit()
        assert run(db, admin, delete_unit_if_unused, ids["a"]).value is False  # cases
        assert run(db, admin, delete_unit_if_unused, accounts_only).value is False
        assert run(db, admin, delete_unit_if_unused, empty).value is True
    finally:
        db.dispose()
    with owner.session() as s:
        assert s.get(Unit, empty) is None
        assert s.get(Unit, ids["a"]) is not None
        assert s.get(Unit, accounts_only) is not None


def snapshot_with_a_case_in_b(owner: Database, ids: dict[str, Any]) -> dict[str, Any]:
    """A case added in B's 承安镇 (so a township merge would move one), then the
    :func:`snapshot` a refused merge must leave as it is."""
    with owner.session() as s:
        make_case(s, unit=unit(s, TARGET), township_id=ids["b_town"]["承安镇"])
        s.commit()
        return snapshot(s)
