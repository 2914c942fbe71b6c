"""PostgreSQL: the database refuses, for each role, what the controllers refuse.

Installed by :func:`controllers.infra.db_roles.install` after the grants and policies. The
triggers bind every role but the tables' owner (the database owner, who has full control
anyway); the privileges are per group role.

- cases: a closed case is never deleted; its status moves one step at a time (or back one,
  or a look-back reopens it); only a role that may close cases (city clerks) moves a case to
  已验收 or 已销号, and closing needs completion and acceptance dates, an approver and evidence;
- case history (``case_changes``) is append-only, written in the writer's own name; rows go
  only with a pending case deleted as entered in error;
- attachments of a closed case are never deleted;
- county clerks cannot review returns, change letters, spot checks or accountability records;
- the audit log takes only the actions of ``controllers/audit/catalog.py``;
- password columns change only through ``rectify_set_own_password()``.
"""

from __future__ import annotations

from controllers.audit.catalog import AuditAction, AuditObject

#: tables a county clerk's role may read but not write (city clerks' work)
CITY_ONLY = (
    "letters",
    "spot_checks",
    "spot_check_members",
    "spot_check_sites",
    "spot_check_findings",
    "accountability_records",
    "accountability_persons",
    "accountability_problems",
    "accountability_amendments",
)
PASSWORD_COLUMNS = ("password_hash", "must_change_password", "password_changed_at")
REFUSED = "数据库拒绝：{what} / refused by the database"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raise(what: str) -> str:
    return f"RAISE EXCEPTION '{REFUSED.format(what=what)}' USING ERRCODE = 'insufficient_privilege'"


_OWNER_PASSES = """
      IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
      THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;"""


def statements(g: dict[str, str], schema: str, table_names: set[str]) -> list[str]:
    """The guard functions, triggers and privilege changes (idempotent)."""
    sp = f"SET search_path = {_q(schema)}, pg_temp"
    closers = g["city"]
    actions = ", ".join(f"'{a.value}'" for a in AuditAction)
    objects = ", ".join(f"'{o.value}'" for o in AuditObject)
    sql = [
        f"""CREATE OR REPLACE FUNCTION rectify_guard_cases() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE steps text[] := ARRAY['pending', 'in_progress', 'completed', 'accepted',
                                          'closed'];
                    o integer; n integer;
            BEGIN {_OWNER_PASSES}
              IF TG_OP = 'DELETE' THEN
                IF OLD.status = 'closed' THEN {_raise("已销号的企业不能删除")}; END IF;
                RETURN OLD;
              END IF;
              IF NEW.status IS NOT DISTINCT FROM OLD.status THEN RETURN NEW; END IF;
              o := array_position(steps, OLD.status::text);
              n := array_position(steps, NEW.status::text);
              IF NOT (n = o + 1 OR (n = o - 1 AND OLD.status <> 'closed')
                      OR (OLD.status = 'closed' AND NEW.status = 'in_progress')) THEN
                {_raise("状态只能逐步推进或退回一步")};
              END IF;
              IF NEW.status IN ('accepted', 'closed') AND n = o + 1
                 AND NOT pg_has_role(current_user, '{closers}', 'MEMBER') THEN
                {_raise("无权验收销号")};
              END IF;
              IF NEW.status = 'closed' AND (NEW.completed_on IS NULL OR NEW.accepted_on IS NULL
                 OR coalesce(btrim(NEW.approved_by), '') = ''
                 OR NOT EXISTS (SELECT 1 FROM attachments a WHERE a.case_id = NEW.id)) THEN
                {_raise("销号须有完成日期、验收日期、审批人和佐证材料")};
              END IF;
              RETURN NEW;
            END $$""",
        "DROP TRIGGER IF EXISTS rectify_guard_cases ON cases",
        """CREATE TRIGGER rectify_guard_cases BEFORE UPDATE OR DELETE ON cases
           FOR EACH ROW EXECUTE FUNCTION rectify_guard_cases()""",
        f"""CREATE OR REPLACE FUNCTION rectify_guard_case_changes() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN {_OWNER_PASSES}
              IF TG_OP = 'INSERT' THEN
                IF NEW.username IS DISTINCT FROM rectify_account_name() THEN
                  {_raise("变更记录只能以本人名义写入")};
                END IF;
                RETURN NEW;
              END IF;
              IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM cases c WHERE c.id = OLD.case_id
                                              AND c.status = 'pending') THEN
                RETURN OLD;  -- a pending case deleted as entered in error takes its rows
              END IF;
              {_raise("变更记录只能追加")};
            END $$""",
        "DROP TRIGGER IF EXISTS rectify_guard_case_changes ON case_changes",
        """CREATE TRIGGER rectify_guard_case_changes BEFORE INSERT OR UPDATE OR DELETE
           ON case_changes FOR EACH ROW EXECUTE FUNCTION rectify_guard_case_changes()""",
        f"""CREATE OR REPLACE FUNCTION rectify_guard_attachments() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN {_OWNER_PASSES}
              IF OLD.case_id IS NOT NULL AND EXISTS (SELECT 1 FROM cases c
                   WHERE c.id = OLD.case_id AND c.status = 'closed') THEN
                {_raise("已销号企业的附件不能删除或改动")};
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$""",
        "DROP TRIGGER IF EXISTS rectify_guard_attachments ON attachments",
        """CREATE TRIGGER rectify_guard_attachments BEFORE UPDATE OR DELETE ON attachments
           FOR EACH ROW EXECUTE FUNCTION rectify_guard_attachments()""",
        f"""CREATE OR REPLACE FUNCTION rectify_guard_returns() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN {_OWNER_PASSES}
              IF NOT pg_has_role(current_user, '{g["city"]}', 'MEMBER')
                 AND (NEW.status <> 'pending' OR NEW.reviewed_at IS DISTINCT FROM OLD.reviewed_at
                      OR (TG_OP = 'UPDATE' AND OLD.status <> 'pending')) THEN
                {_raise("县区业务员不能审核上报")};
              END IF;
              RETURN NEW;
            END $$""",
        "DROP TRIGGER IF EXISTS rectify_guard_returns ON county_returns",
        """CREATE TRIGGER rectify_guard_returns BEFORE UPDATE ON county_returns
           FOR EACH ROW EXECUTE FUNCTION rectify_guard_returns()""",
        f"""CREATE OR REPLACE FUNCTION rectify_guard_audit_action() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.action NOT IN ({actions})
                 OR (NEW.object_type IS NOT NULL AND NEW.object_type NOT IN ({objects})) THEN
                {_raise("审计日志只接受已登记的操作")};
              END IF;
              RETURN NEW;
            END $$""",
        "DROP TRIGGER IF EXISTS audit_log_known_actions ON audit_log",
        """CREATE TRIGGER audit_log_known_actions BEFORE INSERT ON audit_log
           FOR EACH ROW EXECUTE FUNCTION rectify_guard_audit_action()""",
        f"""CREATE OR REPLACE FUNCTION rectify_set_own_password(p_hash text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER {sp} AS $$
            BEGIN
              IF p_hash !~ '^\\$argon2id\\$' THEN {_raise("不是 argon2id 密码哈希")}; END IF;
              UPDATE users SET password_hash = p_hash, must_change_password = false,
                               password_changed_at = localtimestamp(0)
                WHERE username = rectify_account_of(session_user::text);
            END $$""",
        "REVOKE ALL ON FUNCTION rectify_set_own_password(text) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION rectify_set_own_password(text) TO "
        f"{', '.join(_q(g[n]) for n in ('auditor', 'city', 'county', 'leader'))}",
        f"REVOKE UPDATE ({', '.join(PASSWORD_COLUMNS)}) ON users FROM "
        f"{', '.join(_q(g[n]) for n in ('auditor', 'city', 'county', 'leader'))}",
        f"REVOKE UPDATE ON case_changes FROM {_q(g['city'])}, {_q(g['county'])}",
    ]
    for table in CITY_ONLY:
        if table in table_names:
            sql.append(f"REVOKE INSERT, UPDATE, DELETE ON {_q(table)} FROM {_q(g['county'])}")
    return sql
