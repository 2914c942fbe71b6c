"""MariaDB with per-user accounts: merging townships and units in the database.

The administrator reads no business data and a city clerk may not re-point accounts, so the
moves of :mod:`controllers.units.merge` run in ``SQL SECURITY DEFINER`` procedures in
``<db>_scoped`` that only the administrators' and city clerks' MariaDB roles may execute; they
check the invoking account again (``USER()``) and write every history row in its name. They do
what PostgreSQL's :mod:`controllers.infra.pg_unit_merge` functions do (the tests run the same
scenario on both).

- ``rectify_merge_townships(source, target, OUT moved)``: cases of ``source`` to ``target``
  with their history (the caller removes ``source``);
- ``rectify_merge_units(source, target, dry, OUT counts)``: the counts as JSON, and unless
  ``dry`` the moves;
- ``rectify_unit_holds_data(unit)`` (a function): whether any record points at the unit.
"""

from __future__ import annotations

from controllers.infra.pg_unit_merge import REFUSED, holds_data
from models.codes import Role

MERGERS = ("admin", "city")


def _qi(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _signal(message: str) -> str:
    return f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{message}'"


def statements(base: str, scoped: str, prefix: str, g: dict[str, str]) -> list[str]:
    b, s = _qi(base), _qi(scoped)
    user = "SUBSTRING_INDEX(USER(), '@', 1)"
    me = f"SUBSTRING({user}, {len(prefix) + 1})"
    mergers = f"'{Role.ADMIN.value}', '{Role.CITY_CLERK.value}'"
    who = f"""
      IF LEFT({user}, {len(prefix)}) = '{prefix}' THEN
        SET uid = (SELECT u.id FROM {b}.users u WHERE u.username = {me}
                   AND NOT u.disabled AND u.role IN ({mergers}));
        SET uname = {me};
      END IF;
      IF uid IS NULL THEN {_signal(REFUSED)}; END IF;"""
    letter_moves = f"""l.unit_id = p_source AND l.status = 'draft' AND (l.campaign_id IS NULL
        OR NOT EXISTS (SELECT 1 FROM {b}.letters o WHERE o.unit_id = p_target
                       AND o.campaign_id = l.campaign_id))"""
    check_moves = f"""k.unit_id = p_source AND NOT EXISTS (SELECT 1 FROM {b}.spot_checks o
        WHERE o.unit_id = p_target AND o.checked_on = k.checked_on
          AND o.group_name = k.group_name)"""
    header_moves = f"""m.unit_id = p_source AND NOT EXISTS (SELECT 1
        FROM {b}.return_column_mappings o WHERE o.unit_id = p_target AND o.header = m.header)"""
    numbered = f"""(SELECT id, serial_no, ROW_NUMBER() OVER (ORDER BY serial_no, id) AS rn
                    FROM {b}.cases WHERE unit_id = p_source AND serial_no IS NOT NULL)"""
    history = (
        f"INSERT INTO {b}.case_changes (case_id, changed_at, user_id, username, field,"
        " old_value, new_value, note)"
    )
    return [
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE {s}.rectify_merge_townships(
              IN p_source INT, IN p_target INT, OUT p_moved INT)
            MODIFIES SQL DATA SQL SECURITY DEFINER
            BEGIN
              DECLARE uid INT DEFAULT NULL; DECLARE uname VARCHAR(60);
              DECLARE sname VARCHAR(200); DECLARE tname VARCHAR(200);
              DECLARE v_at DATETIME DEFAULT NOW();
              {who}
              SET sname = (SELECT name FROM {b}.townships WHERE id = p_source);
              SET tname = (SELECT name FROM {b}.townships WHERE id = p_target);
              IF sname IS NULL OR tname IS NULL OR p_source = p_target
                 OR NOT ((SELECT unit_id FROM {b}.townships WHERE id = p_source)
                         <=> (SELECT unit_id FROM {b}.townships WHERE id = p_target)) THEN
                {_signal("not two townships of one unit")};
              END IF;
              {history}
                SELECT id, v_at, uid, uname, 'township_id', sname, CAST(p_target AS CHAR),
                       CONCAT('乡镇合并：', sname, '并入', tname)
                FROM {b}.cases WHERE township_id = p_source;
              UPDATE {b}.cases SET township_id = p_target, version = version + 1,
                                   updated_at = v_at, updated_by_id = uid
                WHERE township_id = p_source;
              SET p_moved = ROW_COUNT();
            END""",
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER PROCEDURE {s}.rectify_merge_units(
              IN p_source INT, IN p_target INT, IN p_dry BOOLEAN, OUT p_counts TEXT)
            MODIFIES SQL DATA SQL SECURITY DEFINER
            body: BEGIN
              DECLARE uid INT DEFAULT NULL; DECLARE uname VARCHAR(60);
              DECLARE an VARCHAR(200); DECLARE bn VARCHAR(200); DECLARE note TEXT;
              DECLARE v_at DATETIME DEFAULT NOW(); DECLARE v_last INT; DECLARE v_order INT;
              {who}
              SET an = (SELECT name FROM {b}.units WHERE id = p_source);
              SET bn = (SELECT name FROM {b}.units WHERE id = p_target);
              IF an IS NULL OR bn IS NULL OR p_source = p_target THEN
                {_signal("not two units")};
              END IF;
              SET p_counts = JSON_OBJECT(
                'townships', (SELECT COUNT(*) FROM {b}.townships WHERE unit_id = p_source),
                'cases', (SELECT COUNT(*) FROM {b}.cases WHERE unit_id = p_source),
                'returns', (SELECT COUNT(*) FROM {b}.county_returns WHERE unit_id = p_source),
                'letters', (SELECT COUNT(*) FROM {b}.letters l WHERE {letter_moves}),
                'spot_checks', (SELECT COUNT(*) FROM {b}.spot_checks k WHERE {check_moves}),
                'accountability', (SELECT COUNT(*) FROM {b}.accountability_records
                                   WHERE unit_id = p_source AND status = 'proposed'),
                'leads', (SELECT COUNT(*) FROM {b}.leads
                          WHERE unit_id = p_source OR other_unit_id = p_source),
                'users', (SELECT COUNT(*) FROM {b}.users WHERE unit_id = p_source),
                'power_lists', (SELECT COUNT(*) FROM {b}.power_imports
                                WHERE unit_id = p_source),
                'permits', (SELECT COUNT(*) FROM {b}.permits WHERE unit_id = p_source),
                'letters_kept', (SELECT COUNT(*) FROM {b}.letters WHERE unit_id = p_source)
                                - (SELECT COUNT(*) FROM {b}.letters l WHERE {letter_moves}),
                'accountability_kept', (SELECT COUNT(*) FROM {b}.accountability_records
                                        WHERE unit_id = p_source AND status <> 'proposed'),
                'spot_checks_kept', (SELECT COUNT(*) FROM {b}.spot_checks
                                     WHERE unit_id = p_source)
                                    - (SELECT COUNT(*) FROM {b}.spot_checks k
                                       WHERE {check_moves}));
              IF p_dry THEN LEAVE body; END IF;

              SET note = CONCAT('单位合并：', an, '并入', bn);
              SET v_last = (SELECT COALESCE(MAX(serial_no), 0) FROM {b}.cases
                            WHERE unit_id = p_target);
              {history}
                SELECT id, v_at, uid, uname, 'unit_id', CAST(p_source AS CHAR),
                       CAST(p_target AS CHAR), note
                FROM {b}.cases WHERE unit_id = p_source;
              {history}
                SELECT n.id, v_at, uid, uname, 'serial_no', CAST(n.serial_no AS CHAR),
                       CAST(v_last + n.rn AS CHAR), note
                FROM {numbered} n;
              {history}
                SELECT c.id, v_at, uid, uname, 'township_id', ta.name, CAST(tb.id AS CHAR),
                       CONCAT('乡镇合并：', an, ta.name, '并入', bn, ta.name)
                FROM {b}.cases c
                JOIN {b}.townships ta ON ta.id = c.township_id AND ta.unit_id = p_source
                JOIN {b}.townships tb ON tb.unit_id = p_target AND tb.name = ta.name
                WHERE c.unit_id = p_source;
              -- one statement per case: numbered after the target's last number, in the
              -- target unit at once (the numbers are unique per unit)
              UPDATE {b}.cases c
                LEFT JOIN {numbered} n ON n.id = c.id
                LEFT JOIN {b}.townships ta ON ta.id = c.township_id AND ta.unit_id = p_source
                LEFT JOIN {b}.townships tb ON tb.unit_id = p_target AND tb.name = ta.name
                SET c.serial_no = IF(n.id IS NULL, c.serial_no, v_last + n.rn),
                    c.township_id = COALESCE(tb.id, c.township_id),
                    c.unit_id = p_target, c.version = c.version + 1, c.updated_at = v_at,
                    c.updated_by_id = uid
                WHERE c.unit_id = p_source;

              DELETE ta FROM {b}.townships ta
                JOIN {b}.townships tb ON tb.unit_id = p_target AND tb.name = ta.name
                WHERE ta.unit_id = p_source;
              SET v_order = (SELECT COALESCE(MAX(sort_order), 0) FROM {b}.townships
                             WHERE unit_id = p_target);
              UPDATE {b}.townships t
                JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY sort_order, id) AS rn
                      FROM {b}.townships WHERE unit_id = p_source) n ON n.id = t.id
                SET t.unit_id = p_target, t.sort_order = v_order + n.rn,
                    t.version = t.version + 1;

              UPDATE {b}.county_returns SET unit_id = p_target, version = version + 1
                WHERE unit_id = p_source;
              UPDATE {b}.letters l SET l.unit_id = p_target, l.version = l.version + 1
                WHERE {letter_moves};
              UPDATE {b}.spot_checks k SET k.unit_id = p_target, k.version = k.version + 1
                WHERE {check_moves};
              UPDATE {b}.accountability_records SET unit_id = p_target, version = version + 1
                WHERE unit_id = p_source AND status = 'proposed';
              UPDATE {b}.leads SET unit_id = p_target, version = version + 1
                WHERE unit_id = p_source;
              UPDATE {b}.leads SET other_unit_id = p_target, version = version + 1
                WHERE other_unit_id = p_source;
              UPDATE {b}.users SET unit_id = p_target, version = version + 1
                WHERE unit_id = p_source;
              UPDATE {b}.power_imports SET unit_id = p_target WHERE unit_id = p_source;
              UPDATE {b}.power_records SET unit_id = p_target WHERE unit_id = p_source;
              UPDATE {b}.permits SET unit_id = p_target WHERE unit_id = p_source;
              UPDATE {b}.return_column_mappings m SET m.unit_id = p_target,
                                                      m.version = m.version + 1
                WHERE {header_moves};
            END""",
        f"""CREATE OR REPLACE DEFINER = CURRENT_USER FUNCTION {s}.rectify_unit_holds_data(
              p_unit INT) RETURNS BOOLEAN
            READS SQL DATA SQL SECURITY DEFINER
            RETURN {holds_data("p_unit", b + ".")}""",
    ]


def grants(scoped: str, g: dict[str, str]) -> list[str]:
    s = _qi(scoped)
    out = []
    for role in MERGERS:
        for routine in (
            "PROCEDURE rectify_merge_townships",
            "PROCEDURE rectify_merge_units",
            "FUNCTION rectify_unit_holds_data",
        ):
            out.append(f"GRANT EXECUTE ON {routine.replace(' ', f' {s}.')} TO {_qi(g[role])}")
    return out
