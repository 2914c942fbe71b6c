"""MariaDB: the database refuses, for the per-user accounts, what the controllers refuse.

Installed by :func:`controllers.infra.mariadb_roles.install`. The triggers sit on the base
tables and look at the invoking user (``USER()``: inside a definer view or routine it is
still the client's user), so they bind the accounts' users ``rd_<database>_<name>`` and nobody
else (the installer and a shared account keep full control, as a PostgreSQL table owner does).

- cases: a closed case is never deleted; the status moves one step at a time (or back one,
  or a look-back reopens a closed case); only city clerks accept or close, and closing needs
  completion and acceptance dates, an approver and evidence;
- case history is append-only, in the writer's own name; rows go only with a pending case;
- attachments of a closed case are never changed or deleted;
- county clerks cannot review returns;
- the audit log takes only the actions of ``controllers/audit/catalog.py``, in the writer's
  own name (the gate's failed sign-ins come from ``rectify_login_failed()`` only);
- the auditor writes only ``audit.*`` settings;
- an attachment's content is stored only under its own SHA-256 (files are shared by checksum
  across units, so a wrong checksum would poison another unit's file).

Stored routines (SQL SECURITY DEFINER, in ``<db>_scoped``): ``rectify_sync_account`` (the
administrator keeps a MariaDB user in step with its account), ``rectify_set_own_password``
(the only way to change password columns) and ``rectify_login_failed`` (the gate counts and
audits a failed sign-in, computing the entry's hash exactly as ``entry_digest`` does).
"""

from __future__ import annotations

from controllers.audit.catalog import AuditAction, AuditObject
from controllers.auth.lockout import LOCK_MINUTES, MAX_FAILED_ATTEMPTS
from controllers.infra.db_roles import GATE, GROUPS
from models.codes import Role

REFUSED = "数据库拒绝：{what} / refused by the database"
STEPS = ("pending", "in_progress", "completed", "accepted", "closed")


def _qi(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _signal(what: str) -> str:
    return f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{REFUSED.format(what=what)}'"


def _user() -> str:
    return "SUBSTRING_INDEX(USER(), '@', 1)"


def _is_account(prefix: str) -> str:
    return f"LEFT({_user()}, {len(prefix)}) = '{prefix}'"


def _me(prefix: str) -> str:
    return f"SUBSTRING({_user()}, {len(prefix) + 1})"


def procedures(base: str, scoped: str, prefix: str, g: dict[str, str]) -> list[str]:
    b, s = _qi(base), _qi(scoped)
    revokes = "\n".join(
        f"""IF EXISTS (SELECT 1 FROM mysql.roles_mapping WHERE User = acct AND Host = '%'
                         AND Role = '{g[name]}') AND mine <> '{g[name]}' THEN
              SET @rd_sql = CONCAT('REVOKE `{g[name]}` FROM `', acct, '`@''%''');
              PREPARE st FROM @rd_sql; EXECUTE st; DEALLOCATE PREPARE st;
            END IF;"""
        for name in GROUPS.values()
    )
    role_cases = " ".join(f"WHEN '{r.value}' THEN '{g[n]}'" for r, n in GROUPS.items())
    # json.dumps(detail) of the gate's own details ({"reason": "…"}: only quotes to escape)
    detail_json = (
        r"""IF(p_detail IS NULL, 'null', CONCAT('"', REPLACE(p_detail, '"', '\\"'), '"'))"""
    )
    return [
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE {s}.rectify_sync_account(
              IN p_username VARCHAR(60), IN p_hash VARCHAR(41))
            MODIFIES SQL DATA SQL SECURITY DEFINER
            BEGIN
              DECLARE v_role VARCHAR(20) DEFAULT NULL;
              DECLARE v_disabled BOOLEAN DEFAULT FALSE;
              DECLARE acct VARCHAR(80);
              DECLARE mine VARCHAR(80);
              SELECT role, disabled INTO v_role, v_disabled FROM {b}.users
                WHERE username = p_username;
              IF v_role IS NULL OR p_username NOT REGEXP '^[a-z][a-z0-9_]{{1,29}}$' THEN
                {_signal("没有这个账户")};
              END IF;
              IF p_hash IS NOT NULL AND p_hash NOT REGEXP '^[*][0-9A-F]{{40}}$' THEN
                {_signal("不是数据库密码校验值")};
              END IF;
              SET acct = CONCAT('{prefix}', p_username);
              SET mine = CASE v_role {role_cases} END;
              IF NOT EXISTS (SELECT 1 FROM mysql.user WHERE User = acct AND Host = '%') THEN
                SET @rd_sql = CONCAT('CREATE USER `', acct, '`@''%'' IDENTIFIED BY PASSWORD ''',
                  COALESCE(p_hash, CONCAT('*', UPPER(SHA1(CONCAT(RAND(), UUID()))))), '''');
                PREPARE st FROM @rd_sql; EXECUTE st; DEALLOCATE PREPARE st;
              ELSEIF p_hash IS NOT NULL THEN
                SET @rd_sql = CONCAT('ALTER USER `', acct, '`@''%'' IDENTIFIED BY PASSWORD ''',
                  p_hash, '''');
                PREPARE st FROM @rd_sql; EXECUTE st; DEALLOCATE PREPARE st;
              END IF;
              SET @rd_sql = CONCAT('ALTER USER `', acct, '`@''%'' ACCOUNT ',
                IF(v_disabled, 'LOCK', 'UNLOCK'));
              PREPARE st FROM @rd_sql; EXECUTE st; DEALLOCATE PREPARE st;
              {revokes}
              SET @rd_sql = CONCAT('GRANT `', mine, '` TO `', acct, '`@''%''');
              PREPARE st FROM @rd_sql; EXECUTE st; DEALLOCATE PREPARE st;
              SET @rd_sql = CONCAT('SET DEFAULT ROLE `', mine, '` FOR `', acct, '`@''%''');
              PREPARE st FROM @rd_sql; EXECUTE st; DEALLOCATE PREPARE st;
            END""",
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE {s}.rectify_set_own_password(
              IN p_hash VARCHAR(255))
            MODIFIES SQL DATA SQL SECURITY DEFINER
            BEGIN
              IF NOT {_is_account(prefix)} OR p_hash NOT LIKE '$argon2id$%' THEN
                {_signal("不是 argon2id 密码哈希")};
              END IF;
              UPDATE {b}.users SET password_hash = p_hash, must_change_password = FALSE,
                password_changed_at = NOW(), version = version + 1
                WHERE username = {_me(prefix)};
            END""",
        # an audit entry of the gate, hashed exactly as controllers.audit.trail.entry_digest
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE {s}.rectify_gate_audit(
              IN p_user_id INT, IN p_username VARCHAR(60), IN p_action VARCHAR(40),
              IN p_detail VARCHAR(200))
            MODIFIES SQL DATA SQL SECURITY DEFINER
            BEGIN
              DECLARE h_id INT; DECLARE h_hash VARCHAR(64);
              DECLARE at_s VARCHAR(19) DEFAULT DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s');
              DECLARE obj VARCHAR(64) DEFAULT IF(p_user_id IS NULL, NULL, CAST(p_user_id AS CHAR));
              DECLARE payload TEXT;
              SELECT last_id, last_hash INTO h_id, h_hash FROM {b}.audit_head WHERE id = 1
                FOR UPDATE;
              SET payload = CONCAT('{{"action": "', p_action, '", "at": "', at_s,
                '", "detail": ', {detail_json}, ', "id": ', h_id + 1,
                ', "object_id": ', IF(obj IS NULL, 'null', CONCAT('"', obj, '"')),
                ', "object_type": "session", "result": "failed", "user_id": ',
                IFNULL(p_user_id, 'null'), ', "username": "', p_username, '"}}');
              INSERT INTO {b}.audit_log (id, at, user_id, username, action, object_type,
                object_id, result, detail, prev_hash, entry_hash)
              VALUES (h_id + 1, at_s, p_user_id, p_username, p_action, 'session', obj, 'failed',
                p_detail, h_hash, SHA2(CONCAT(IFNULL(h_hash, ''), payload), 256));
            END""",
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE {s}.rectify_login_failed(
              IN p_username VARCHAR(200))
            MODIFIES SQL DATA SQL SECURITY DEFINER
            body: BEGIN
              DECLARE v_id INT DEFAULT NULL; DECLARE v_failed INT; DECLARE v_locked DATETIME;
              DECLARE v_disabled BOOLEAN; DECLARE n INT; DECLARE until DATETIME;
              DECLARE t DATETIME DEFAULT NOW();
              DECLARE name VARCHAR(60) DEFAULT LEFT(LOWER(TRIM(p_username)), 60);
              IF name NOT REGEXP '^[a-z0-9_.@-]*$' THEN SET name = '?'; END IF;
              SELECT id, failed_attempts, locked_until, disabled
                INTO v_id, v_failed, v_locked, v_disabled
                FROM {b}.users WHERE username = name FOR UPDATE;
              IF v_id IS NULL THEN
                -- an unknown name gets the same countdown and lock as an account
                SELECT MAX(l.at) INTO until FROM {b}.audit_log l
                  WHERE l.action = 'account_locked' AND l.username = name
                    AND l.user_id IS NULL AND l.at >= t - INTERVAL 1 DAY;
                IF until IS NOT NULL AND until + INTERVAL {LOCK_MINUTES} MINUTE > t THEN
                  CALL {s}.rectify_gate_audit(NULL, name, 'login_failed', '{{"reason": "locked"}}');
                  SELECT 0 AS failures, until + INTERVAL {LOCK_MINUTES} MINUTE AS locked_until;
                  LEAVE body;
                END IF;
                SELECT COUNT(*) + 1 INTO n FROM {b}.audit_log l
                  WHERE l.action = 'login_failed' AND l.username = name AND l.user_id IS NULL
                    AND l.at >= COALESCE(until, t - INTERVAL 1 DAY);
                CALL {s}.rectify_gate_audit(NULL, name, 'login_failed',
                  '{{"reason": "unknown_user"}}');
                IF n >= {MAX_FAILED_ATTEMPTS} THEN
                  CALL {s}.rectify_gate_audit(NULL, name, 'account_locked',
                    '{{"reason": "{MAX_FAILED_ATTEMPTS} wrong passwords"}}');
                  SELECT n AS failures, t + INTERVAL {LOCK_MINUTES} MINUTE AS locked_until;
                  LEAVE body;
                END IF;
                SELECT n AS failures, CAST(NULL AS DATETIME) AS locked_until;
                LEAVE body;
              END IF;
              IF v_disabled OR v_locked > t THEN
                CALL {s}.rectify_gate_audit(v_id, name, 'login_failed',
                  IF(v_disabled, '{{"reason": "disabled"}}', '{{"reason": "locked"}}'));
                SELECT IFNULL(v_failed, 0) AS failures,
                       IF(v_locked > t, v_locked, NULL) AS locked_until;
                LEAVE body;
              END IF;
              SET n = IFNULL(v_failed, 0) + 1;
              CALL {s}.rectify_gate_audit(v_id, name, 'login_failed',
                '{{"reason": "wrong_password"}}');
              IF n >= {MAX_FAILED_ATTEMPTS} THEN
                SET until = t + INTERVAL {LOCK_MINUTES} MINUTE;
                UPDATE {b}.users SET failed_attempts = 0, locked_until = until WHERE id = v_id;
                CALL {s}.rectify_gate_audit(v_id, name, 'account_locked',
                  '{{"reason": "{MAX_FAILED_ATTEMPTS} wrong passwords"}}');
              ELSE
                UPDATE {b}.users SET failed_attempts = n, locked_until = NULL WHERE id = v_id;
              END IF;
              SELECT n AS failures, until AS locked_until;
            END""",
    ]


def _per_event(b: str, name: str, events: tuple[str, ...], body: str) -> list[str]:
    """One trigger ``rectify_guard_<name>_<event>`` for each event, all with the same body
    (``ON <table> FOR EACH ROW BEGIN … END``)."""
    return [
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_{name}_{event.lower()} BEFORE {event}
            {body}"""
        for event in events
    ]


def triggers(base: str, prefix: str, g: dict[str, str], tables: set[str]) -> list[str]:
    b = _qi(base)
    acct = _is_account(prefix)
    my_role = f"(SELECT u.role FROM {b}.users u WHERE u.username = {_me(prefix)})"
    steps = ", ".join(f"'{x}'" for x in STEPS)
    actions = ", ".join(f"'{a.value}'" for a in AuditAction)
    objects = ", ".join(f"'{o.value}'" for o in AuditObject)
    city = Role.CITY_CLERK.value
    closed_attachments = f"""ON {b}.attachments FOR EACH ROW BEGIN
              IF {acct} AND EXISTS (SELECT 1 FROM {b}.cases c WHERE c.id = OLD.case_id
                                    AND c.status = 'closed') THEN
                {_signal("已销号企业的附件不能删除或改动")};
              END IF;
            END"""
    auditor_settings = f"""ON {b}.app_settings FOR EACH ROW BEGIN
              IF {acct} AND {my_role} <=> '{Role.AUDITOR.value}' AND NEW.`key` NOT LIKE 'audit.%'
              THEN {_signal("审计管理员只能修改审计设置")}; END IF;
            END"""
    out = [
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_cases_update BEFORE UPDATE ON {b}.cases
            FOR EACH ROW BEGIN
              DECLARE o INT; DECLARE n INT;
              IF {acct} AND NOT (NEW.status <=> OLD.status) THEN
                SET o = FIELD(OLD.status, {steps}); SET n = FIELD(NEW.status, {steps});
                IF NOT (n = o + 1 OR (n = o - 1 AND OLD.status <> 'closed')
                        OR (OLD.status = 'closed' AND NEW.status = 'in_progress')) THEN
                  {_signal("状态只能逐步推进或退回一步")};
                END IF;
                IF NEW.status IN ('accepted', 'closed') AND n = o + 1
                   AND NOT ({my_role} <=> '{city}') THEN
                  {_signal("无权验收销号")};
                END IF;
                IF NEW.status = 'closed' AND (NEW.completed_on IS NULL OR NEW.accepted_on IS NULL
                   OR COALESCE(TRIM(NEW.approved_by), '') = ''
                   OR NOT EXISTS (SELECT 1 FROM {b}.attachments a WHERE a.case_id = NEW.id)) THEN
                  {_signal("销号须有完成日期、验收日期、审批人和佐证材料")};
                END IF;
              END IF;
            END""",
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_cases_delete BEFORE DELETE ON {b}.cases
            FOR EACH ROW BEGIN
              IF {acct} AND OLD.status = 'closed' THEN {_signal("已销号的企业不能删除")}; END IF;
            END""",
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_case_changes_insert BEFORE INSERT
            ON {b}.case_changes FOR EACH ROW BEGIN
              IF {acct} AND NOT (NEW.username <=> {_me(prefix)}) THEN
                {_signal("变更记录只能以本人名义写入")};
              END IF;
            END""",
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_case_changes_update BEFORE UPDATE
            ON {b}.case_changes FOR EACH ROW BEGIN
              IF {acct} THEN {_signal("变更记录只能追加")}; END IF;
            END""",
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_case_changes_delete BEFORE DELETE
            ON {b}.case_changes FOR EACH ROW BEGIN
              IF {acct} AND NOT EXISTS (SELECT 1 FROM {b}.cases c WHERE c.id = OLD.case_id
                                        AND c.status = 'pending') THEN
                {_signal("变更记录只能追加")};
              END IF;
            END""",
        *_per_event(b, "attachments", ("UPDATE", "DELETE"), closed_attachments),
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_returns BEFORE UPDATE
            ON {b}.county_returns FOR EACH ROW BEGIN
              -- a return moving to another unit (only the merge procedure, as the views
              -- keep every account's rows in its unit) keeps its review
              IF {acct} AND NOT ({my_role} <=> '{city}')
                 AND (NEW.status <> 'pending' OR NOT (NEW.reviewed_at <=> OLD.reviewed_at)
                      OR OLD.status <> 'pending')
                 AND NOT (NEW.unit_id <> OLD.unit_id AND NEW.status <=> OLD.status
                          AND NEW.reviewed_at <=> OLD.reviewed_at) THEN
                {_signal("县区业务员不能审核上报")};
              END IF;
            END""",
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_audit_entries BEFORE INSERT
            ON {b}.audit_log FOR EACH ROW BEGIN
              IF {acct} AND {_user()} <> '{g[GATE]}'
                 AND (NEW.action NOT IN ({actions})
                      OR (NEW.object_type IS NOT NULL AND NEW.object_type NOT IN ({objects}))
                      OR NOT (NEW.username <=> {_me(prefix)})) THEN
                {_signal("审计日志只接受本人名义、已登记的操作")};
              END IF;
            END""",
        *_per_event(b, "settings", ("INSERT", "UPDATE"), auditor_settings),
    ]
    out.append(
        f"""CREATE OR REPLACE TRIGGER {b}.rectify_guard_blobs BEFORE INSERT
            ON {b}.attachment_blobs FOR EACH ROW BEGIN
              IF {acct} AND NOT (NEW.sha256 <=> SHA2(NEW.content, 256)) THEN
                {_signal("附件内容与校验和不符")};
              END IF;
            END"""
    )
    needed = {
        "attachment_blobs",
        "cases",
        "case_changes",
        "attachments",
        "county_returns",
        "audit_log",
        "app_settings",
    }
    missing = needed - tables
    if missing:
        raise ValueError(f"tables missing: {sorted(missing)}")
    return out


#: the names of the guard triggers (all on the base database)
TRIGGER_NAMES = (
    "rectify_guard_cases_update",
    "rectify_guard_cases_delete",
    "rectify_guard_case_changes_insert",
    "rectify_guard_case_changes_update",
    "rectify_guard_case_changes_delete",
    "rectify_guard_attachments_update",
    "rectify_guard_attachments_delete",
    "rectify_guard_returns",
    "rectify_guard_audit_entries",
    "rectify_guard_settings_insert",
    "rectify_guard_settings_update",
    "rectify_guard_blobs",
)
