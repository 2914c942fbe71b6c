"""PostgreSQL with per-clerk roles: merging townships and units in the database.

The administrator manages units and townships but reads no business data, and a city clerk
may not re-point accounts; a merge moves cases, returns, letters… So the moves run in
``SECURITY DEFINER`` functions that only administrators' and city clerks' roles may execute,
which check the caller's account again and write every history row in its name. They do what
:func:`controllers.units.merge._python_merge` and ``_move_township_cases`` do elsewhere (the
tests run the same scenario on both).

- ``rectify_merge_townships(source, target, user_id, username)``: cases of ``source`` to
  ``target`` with their history; returns how many (the caller removes ``source``);
- ``rectify_merge_units(source, target, dry, user_id, username)``: the counts as JSON, and
  unless ``dry`` the moves (townships, cases renumbered, returns, drafts, checks, proposed
  accountability records, leads, accounts, power and permit lists, column headers);
- ``rectify_case_counts()``: cases per unit and township (counts only), for the
  administrator's units tab;
- ``rectify_unit_holds_data(unit)``: whether any record of :data:`UNIT_DATA_TABLES` points at
  the unit (a yes or no, nothing else), before a unit is deleted.
"""

from __future__ import annotations

#: a unit holding a row of one of these is never deleted (``unit_holds_data``)
UNIT_DATA_TABLES = (
    "cases",
    "county_returns",
    "letters",
    "spot_checks",
    "accountability_records",
    "users",
    "return_column_mappings",
)

REFUSED = "数据库拒绝：只有系统管理员和市级业务员能合并责任单位和乡镇 / refused by the database"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: who may merge: an administrator's or city clerk's own role (its own name in the history),
#: or the tables' owner (who has full control anyway and names the application's account)
_WHO = f"""
      SELECT * INTO me FROM users WHERE username = rectify_account_of(session_user::text);
      IF FOUND THEN
        IF me.disabled OR me.role NOT IN ('admin', 'city_clerk') THEN
          RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege';
        END IF;
        uid := me.id; uname := me.username;
      ELSIF pg_has_role(session_user, (SELECT relowner FROM pg_class
                                       WHERE oid = 'units'::regclass), 'MEMBER') THEN
        uid := p_user_id; uname := p_username;
      ELSE
        RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege';
      END IF;"""

_LETTER_MOVES = """l.unit_id = a.id AND l.status = 'draft' AND (l.campaign_id IS NULL
        OR NOT EXISTS (SELECT 1 FROM letters o WHERE o.unit_id = b.id
                       AND o.campaign_id = l.campaign_id))"""
_CHECK_MOVES = """s.unit_id = a.id AND NOT EXISTS (SELECT 1 FROM spot_checks o
        WHERE o.unit_id = b.id AND o.checked_on = s.checked_on AND o.group_name = s.group_name)"""
_HEADER_MOVES = """m.unit_id = a.id AND NOT EXISTS (SELECT 1 FROM return_column_mappings o
        WHERE o.unit_id = b.id AND o.header = m.header)"""


def holds_data(unit: str, schema: str = "") -> str:
    """SQL true when a row of :data:`UNIT_DATA_TABLES` (in ``schema``, already quoted and
    dotted) points at ``unit``."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {schema}{t} WHERE unit_id = {unit})" for t in UNIT_DATA_TABLES
    )


def statements(g: dict[str, str], schema: str) -> list[str]:
    sp = f"SET search_path = {_q(schema)}, pg_temp"
    mergers = f"{_q(g['admin'])}, {_q(g['city'])}"
    return [
        f"""CREATE OR REPLACE FUNCTION rectify_merge_townships(p_source integer,
              p_target integer, p_user_id integer, p_username text)
            RETURNS integer LANGUAGE plpgsql SECURITY DEFINER {sp} AS $$
            DECLARE me users%ROWTYPE; uid integer; uname text; n integer;
                    src townships%ROWTYPE; dst townships%ROWTYPE;
                    at timestamp := localtimestamp(0);
            BEGIN {_WHO}
              SELECT * INTO src FROM townships WHERE id = p_source;
              SELECT * INTO dst FROM townships WHERE id = p_target;
              IF src.id IS NULL OR dst.id IS NULL OR src.unit_id <> dst.unit_id
                 OR src.id = dst.id THEN
                RAISE EXCEPTION 'not two townships of one unit'
                  USING ERRCODE = 'invalid_parameter_value';
              END IF;
              INSERT INTO case_changes (case_id, changed_at, user_id, username, field,
                                        old_value, new_value, note)
                SELECT id, at, uid, uname, 'township_id', src.name, dst.id::text,
                       '乡镇合并：' || src.name || '并入' || dst.name
                FROM cases WHERE township_id = src.id;
              UPDATE cases SET township_id = dst.id, version = version + 1, updated_at = at,
                               updated_by_id = uid
                WHERE township_id = src.id;
              GET DIAGNOSTICS n = ROW_COUNT;
              RETURN n;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_merge_units(p_source integer, p_target integer,
              p_dry boolean, p_user_id integer, p_username text)
            RETURNS text LANGUAGE plpgsql SECURITY DEFINER {sp} AS $$
            DECLARE me users%ROWTYPE; uid integer; uname text;
                    a units%ROWTYPE; b units%ROWTYPE; counts json;
                    at timestamp := localtimestamp(0); note text; last integer; torder integer;
            BEGIN {_WHO}
              SELECT * INTO a FROM units WHERE id = p_source;
              SELECT * INTO b FROM units WHERE id = p_target;
              IF a.id IS NULL OR b.id IS NULL OR a.id = b.id THEN
                RAISE EXCEPTION 'not two units' USING ERRCODE = 'invalid_parameter_value';
              END IF;
              counts := json_build_object(
                'townships', (SELECT count(*) FROM townships WHERE unit_id = a.id),
                'cases', (SELECT count(*) FROM cases WHERE unit_id = a.id),
                'returns', (SELECT count(*) FROM county_returns WHERE unit_id = a.id),
                'letters', (SELECT count(*) FROM letters l WHERE {_LETTER_MOVES}),
                'spot_checks', (SELECT count(*) FROM spot_checks s WHERE {_CHECK_MOVES}),
                'accountability', (SELECT count(*) FROM accountability_records
                                   WHERE unit_id = a.id AND status = 'proposed'),
                'leads', (SELECT count(*) FROM leads
                          WHERE unit_id = a.id OR other_unit_id = a.id),
                'users', (SELECT count(*) FROM users WHERE unit_id = a.id),
                'power_lists', (SELECT count(*) FROM power_imports WHERE unit_id = a.id),
                'permits', (SELECT count(*) FROM permits WHERE unit_id = a.id),
                'letters_kept', (SELECT count(*) FROM letters WHERE unit_id = a.id)
                                - (SELECT count(*) FROM letters l WHERE {_LETTER_MOVES}),
                'accountability_kept', (SELECT count(*) FROM accountability_records
                                        WHERE unit_id = a.id AND status <> 'proposed'),
                'spot_checks_kept', (SELECT count(*) FROM spot_checks WHERE unit_id = a.id)
                                    - (SELECT count(*) FROM spot_checks s WHERE {_CHECK_MOVES}));
              IF p_dry THEN RETURN counts::text; END IF;

              note := '单位合并：' || a.name || '并入' || b.name;
              SELECT coalesce(max(serial_no), 0) INTO last FROM cases WHERE unit_id = b.id;
              INSERT INTO case_changes (case_id, changed_at, user_id, username, field,
                                        old_value, new_value, note)
                SELECT id, at, uid, uname, 'unit_id', a.id::text, b.id::text, note
                FROM cases WHERE unit_id = a.id;
              INSERT INTO case_changes (case_id, changed_at, user_id, username, field,
                                        old_value, new_value, note)
                SELECT s.id, at, uid, uname, 'serial_no', s.serial_no::text,
                       (last + s.rn)::text, note
                FROM (SELECT id, serial_no, row_number() OVER (ORDER BY serial_no, id) AS rn
                      FROM cases WHERE unit_id = a.id AND serial_no IS NOT NULL) s;
              INSERT INTO case_changes (case_id, changed_at, user_id, username, field,
                                        old_value, new_value, note)
                SELECT c.id, at, uid, uname, 'township_id', ta.name, tb.id::text,
                       '乡镇合并：' || a.name || ta.name || '并入' || b.name || ta.name
                FROM cases c JOIN townships ta ON ta.id = c.township_id AND ta.unit_id = a.id
                JOIN townships tb ON tb.unit_id = b.id AND tb.name = ta.name
                WHERE c.unit_id = a.id;
              UPDATE cases c SET serial_no = last + s.rn
                FROM (SELECT id, row_number() OVER (ORDER BY serial_no, id) AS rn
                      FROM cases WHERE unit_id = a.id AND serial_no IS NOT NULL) s
                WHERE c.id = s.id;
              UPDATE cases c SET township_id = tb.id
                FROM townships ta, townships tb
                WHERE c.unit_id = a.id AND ta.id = c.township_id AND ta.unit_id = a.id
                  AND tb.unit_id = b.id AND tb.name = ta.name;
              UPDATE cases SET unit_id = b.id, version = version + 1, updated_at = at,
                               updated_by_id = uid
                WHERE unit_id = a.id;

              DELETE FROM townships ta USING townships tb
                WHERE ta.unit_id = a.id AND tb.unit_id = b.id AND tb.name = ta.name;
              SELECT coalesce(max(sort_order), 0) INTO torder FROM townships
                WHERE unit_id = b.id;
              UPDATE townships t SET unit_id = b.id, sort_order = torder + s.rn,
                                     version = t.version + 1
                FROM (SELECT id, row_number() OVER (ORDER BY sort_order, id) AS rn
                      FROM townships WHERE unit_id = a.id) s
                WHERE t.id = s.id;

              UPDATE county_returns SET unit_id = b.id, version = version + 1
                WHERE unit_id = a.id;
              UPDATE letters l SET unit_id = b.id, version = l.version + 1
                WHERE {_LETTER_MOVES};
              UPDATE spot_checks s SET unit_id = b.id, version = s.version + 1
                WHERE {_CHECK_MOVES};
              UPDATE accountability_records SET unit_id = b.id, version = version + 1
                WHERE unit_id = a.id AND status = 'proposed';
              UPDATE leads SET unit_id = b.id, version = version + 1 WHERE unit_id = a.id;
              UPDATE leads SET other_unit_id = b.id, version = version + 1
                WHERE other_unit_id = a.id;
              UPDATE users SET unit_id = b.id, version = version + 1 WHERE unit_id = a.id;
              UPDATE power_imports SET unit_id = b.id WHERE unit_id = a.id;
              UPDATE power_records SET unit_id = b.id WHERE unit_id = a.id;
              UPDATE permits SET unit_id = b.id WHERE unit_id = a.id;
              UPDATE return_column_mappings m SET unit_id = b.id, version = m.version + 1
                WHERE {_HEADER_MOVES};
              RETURN counts::text;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_case_counts()
            RETURNS TABLE (unit_id integer, township_id integer, cases bigint)
            LANGUAGE sql STABLE SECURITY DEFINER {sp} AS $$
              SELECT c.unit_id, c.township_id, count(*) FROM cases c
              GROUP BY c.unit_id, c.township_id $$""",
        f"""CREATE OR REPLACE FUNCTION rectify_unit_holds_data(p_unit integer)
            RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER {sp} AS $$
              SELECT {holds_data("p_unit")} $$""",
        "REVOKE ALL ON FUNCTION rectify_unit_holds_data(integer) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION rectify_unit_holds_data(integer) TO {mergers}",
        "REVOKE ALL ON FUNCTION rectify_merge_townships(integer, integer, integer, text) "
        "FROM PUBLIC",
        "REVOKE ALL ON FUNCTION rectify_merge_units(integer, integer, boolean, integer, text) "
        "FROM PUBLIC",
        "REVOKE ALL ON FUNCTION rectify_case_counts() FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION rectify_merge_townships(integer, integer, integer, text), "
        f"rectify_merge_units(integer, integer, boolean, integer, text) TO {mergers}",
        f"GRANT EXECUTE ON FUNCTION rectify_case_counts() TO {_q(g['admin'])}",
        # townships are added, renamed, merged and deactivated by administrators and city
        # clerks only (a county clerk's role reads its unit's)
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON townships FROM {_q(g['county'])}",
    ]
