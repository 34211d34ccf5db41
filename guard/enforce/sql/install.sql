-- guard contract enforce: the locked contract and the event triggers that
-- enforce it, in guard's own schema guard_enforce. Run in one transaction by
-- enforce.Install, as a superuser (event triggers need one). Every object is
-- created or replaced, so that installing again upgrades in place.

CREATE SCHEMA IF NOT EXISTS guard_enforce;
REVOKE ALL ON SCHEMA guard_enforce FROM PUBLIC;
COMMENT ON SCHEMA guard_enforce IS 'guard contract enforce: the locked contract in this database and its event triggers (guard contract enforce remove drops it)';

-- The contract the triggers enforce: one row.
CREATE TABLE IF NOT EXISTS guard_enforce.state (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    format      integer NOT NULL,
    mode        text NOT NULL CHECK (mode IN ('none', 'auto', 'strict')),
    fingerprint text NOT NULL,
    synced_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    synced_by   text NOT NULL DEFAULT current_user
);

-- The locked tables and views found in this database, by OID. For a view,
-- its definition (guard_enforce.view_query), and whether the contract
-- holds it as it is (definition_judged).
CREATE TABLE IF NOT EXISTS guard_enforce.locked (
    relid             oid PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('table', 'view')),
    schema_name       text NOT NULL,
    table_name        text NOT NULL,
    qualified         text NOT NULL,
    mode              text NOT NULL CHECK (mode IN ('none', 'auto', 'strict')),
    indexes           oid[] NOT NULL DEFAULT '{}',
    definition        text NOT NULL DEFAULT '',
    definition_judged boolean NOT NULL DEFAULT false,
    grants            text[] NOT NULL DEFAULT '{}',
    grants_judged     boolean NOT NULL DEFAULT false
);
ALTER TABLE guard_enforce.locked ADD COLUMN IF NOT EXISTS grants text[] NOT NULL DEFAULT '{}';
ALTER TABLE guard_enforce.locked ADD COLUMN IF NOT EXISTS grants_judged boolean NOT NULL DEFAULT false;

-- Every live column of a locked table at sync, as guard_enforce.shape
-- renders it; judged: the contract holds the column as it is (a column the
-- contract does not hold, or holds otherwise, is one a promoted migration
-- is about to change: it is not judged).
CREATE TABLE IF NOT EXISTS guard_enforce.columns (
    relid        oid NOT NULL REFERENCES guard_enforce.locked ON DELETE CASCADE,
    attnum       smallint NOT NULL,
    name         text NOT NULL,
    type         text NOT NULL,
    not_null     boolean NOT NULL,
    collation_name text NOT NULL,
    default_expr text NOT NULL,
    identity     text NOT NULL,
    generated    text NOT NULL,
    judged       boolean NOT NULL,
    acl          text[] NOT NULL DEFAULT '{}',
    acl_judged   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (relid, attnum)
);
ALTER TABLE guard_enforce.columns ADD COLUMN IF NOT EXISTS acl text[] NOT NULL DEFAULT '{}';
ALTER TABLE guard_enforce.columns ADD COLUMN IF NOT EXISTS acl_judged boolean NOT NULL DEFAULT false;

-- Passes of guard's own migrations: the sha256 of a random token, written by
-- guard migrate before its files and deleted after. DDL passes only in a
-- transaction that set guard.enforce_pass to a token listed here (SET LOCAL
-- in each file's transaction; the session of the files run outside a
-- transaction).
CREATE TABLE IF NOT EXISTS guard_enforce.passes (
    digest     text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by text NOT NULL DEFAULT current_user
);

REVOKE ALL ON ALL TABLES IN SCHEMA guard_enforce FROM PUBLIC;

-- The shape of a relation's columns, rendered with search_path pg_catalog
-- (names outside pg_catalog qualified): the same at sync and in the
-- triggers.
CREATE OR REPLACE FUNCTION guard_enforce.shape(rel oid)
RETURNS TABLE (attnum smallint, name text, type text, not_null boolean, collation_name text,
               default_expr text, identity text, generated text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.attnum, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
           CASE WHEN a.attcollation <> t.typcollation THEN coalesce(quote_ident(co.collname), '') ELSE '' END,
           CASE WHEN a.attgenerated = '' THEN coalesce(pg_get_expr(d.adbin, d.adrelid), '') ELSE '' END,
           a.attidentity::text,
           CASE WHEN a.attgenerated <> '' THEN coalesce(pg_get_expr(d.adbin, d.adrelid), '') ELSE '' END
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
$$;

-- The privileges of a table (attnum 0) or of its columns granted to roles
-- other than its owner, as 'grantee:PRIVILEGE' (grantee quoted where
-- needed, or PUBLIC), sorted.
CREATE OR REPLACE FUNCTION guard_enforce.acl(rel oid, col smallint)
RETURNS text[] LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(g ORDER BY g), '{}') FROM (
        SELECT DISTINCT CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END || ':' || e.privilege_type AS g
        FROM pg_class c
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = col AND col > 0
        CROSS JOIN LATERAL aclexplode(CASE WHEN col = 0 THEN c.relacl ELSE a.attacl END) e
        LEFT JOIN pg_roles r ON r.oid = e.grantee
        WHERE c.oid = rel AND e.grantee <> c.relowner
    ) x
$$;

-- A view's query, pretty-printed, from its top-level FROM on ('' for none):
-- what a change beyond its select list changes. With the select list too
-- when whole.
CREATE OR REPLACE FUNCTION guard_enforce.view_query(rel oid, whole boolean)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN whole THEN d
                WHEN position(E'\n   FROM ' IN d) > 0 THEN substr(d, position(E'\n   FROM ' IN d))
                ELSE '' END
    FROM pg_get_viewdef(rel, true) d
$$;

-- The privileges revoked from before to now (and, when all, granted), one
-- line each.
CREATE OR REPLACE FUNCTION guard_enforce.acl_changes(what text, before text[], now text[], all_changes boolean)
RETURNS text[] LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(line ORDER BY line), '{}') FROM (
        SELECT 'privilege ' || split_part(g, ':', 2) || what || ' revoked from ' || split_part(g, ':', 1) AS line
        FROM unnest(before) g WHERE NOT g = ANY(now)
        UNION ALL
        SELECT 'privilege ' || split_part(g, ':', 2) || what || ' granted to ' || split_part(g, ':', 1)
        FROM unnest(now) g WHERE all_changes AND NOT g = ANY(before)
    ) x
$$;

-- What the table's (or view's) current shape does that its mode forbids,
-- one line per change; empty when nothing.
CREATE OR REPLACE FUNCTION guard_enforce.violations(l guard_enforce.locked)
RETURNS text[] LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    is_strict boolean := l.mode = 'strict';
    cur record;
    old record;
    live record;
    out text[] := '{}';
BEGIN
    IF l.mode = 'none' THEN
        RETURN out;
    END IF;
    SELECT n.nspname::text AS s, c.relname::text AS r INTO cur
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = l.relid;
    IF NOT FOUND THEN
        RETURN array[l.kind || ' ' || l.qualified || ' dropped'];
    END IF;
    IF cur.s <> l.schema_name OR cur.r <> l.table_name THEN
        out := out || (l.kind || ' ' || l.qualified || ' renamed to ' || quote_ident(cur.s) || '.' || quote_ident(cur.r));
    END IF;
    IF l.kind = 'view' AND l.definition_judged AND guard_enforce.view_query(l.relid, is_strict) <> l.definition THEN
        out := out || ('view ' || l.qualified || CASE WHEN is_strict THEN ' definition changed' ELSE ' query changed beyond its select list' END);
    END IF;
    IF l.grants_judged THEN
        out := out || guard_enforce.acl_changes('', l.grants, guard_enforce.acl(l.relid, 0::smallint), is_strict);
    END IF;
    FOR old IN SELECT * FROM guard_enforce.columns c WHERE c.relid = l.relid AND c.acl_judged ORDER BY c.attnum LOOP
        IF EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = l.relid AND a.attnum = old.attnum AND NOT a.attisdropped) THEN
            out := out || guard_enforce.acl_changes(' on column ' || quote_ident(old.name), old.acl, guard_enforce.acl(l.relid, old.attnum), is_strict);
        END IF;
    END LOOP;
    FOR old IN SELECT * FROM guard_enforce.columns c WHERE c.relid = l.relid AND c.judged ORDER BY c.attnum LOOP
        SELECT * INTO live FROM guard_enforce.shape(l.relid) s WHERE s.attnum = old.attnum;
        IF NOT FOUND THEN
            out := out || ('column ' || quote_ident(old.name) || ' removed');
            CONTINUE;
        END IF;
        IF live.name <> old.name THEN
            out := out || ('column ' || quote_ident(old.name) || ' renamed to ' || quote_ident(live.name));
        END IF;
        IF live.type <> old.type THEN
            out := out || ('column ' || quote_ident(live.name) || ' type changed from ' || old.type || ' to ' || live.type);
        END IF;
        IF live.collation_name <> old.collation_name THEN
            out := out || ('column ' || quote_ident(live.name) || ' collation changed');
        END IF;
        IF live.not_null AND NOT old.not_null THEN
            out := out || ('column ' || quote_ident(live.name) || ' NOT NULL added');
        ELSIF is_strict AND old.not_null AND NOT live.not_null THEN
            out := out || ('column ' || quote_ident(live.name) || ' NOT NULL dropped');
        END IF;
        IF old.default_expr <> '' AND live.default_expr = '' THEN
            out := out || ('column ' || quote_ident(live.name) || ' default removed');
        ELSIF old.default_expr <> '' AND live.default_expr <> old.default_expr THEN
            out := out || ('column ' || quote_ident(live.name) || ' default changed from ' || old.default_expr || ' to ' || live.default_expr);
        ELSIF is_strict AND old.default_expr = '' AND live.default_expr <> '' THEN
            out := out || ('column ' || quote_ident(live.name) || ' default added');
        END IF;
        IF old.identity <> '' AND live.identity = '' THEN
            out := out || ('column ' || quote_ident(live.name) || ' identity dropped');
        ELSIF live.identity = 'a' AND old.identity <> 'a' THEN
            out := out || ('column ' || quote_ident(live.name) || ' made GENERATED ALWAYS AS IDENTITY');
        ELSIF is_strict AND live.identity <> old.identity THEN
            out := out || ('column ' || quote_ident(live.name) || ' identity changed');
        END IF;
        IF old.generated <> live.generated THEN
            out := out || ('column ' || quote_ident(live.name) || ' generation expression ' ||
                           CASE WHEN live.generated = '' THEN 'dropped' ELSE 'changed' END);
        END IF;
    END LOOP;
    FOR live IN SELECT * FROM guard_enforce.shape(l.relid) s
                WHERE NOT EXISTS (SELECT FROM guard_enforce.columns c WHERE c.relid = l.relid AND c.attnum = s.attnum)
                ORDER BY s.attnum LOOP
        IF is_strict THEN
            out := out || ('column ' || quote_ident(live.name) || ' added');
        ELSIF live.not_null AND live.default_expr = '' AND live.identity = '' AND live.generated = '' THEN
            out := out || ('column ' || quote_ident(live.name) || ' added NOT NULL without a default');
        END IF;
    END LOOP;
    RETURN out;
END
$$;

-- Whether this transaction is one of guard migrate's, with a pass: set as
-- guard.enforce_pass, or, for the session of the files guard runs outside
-- a transaction behind a transaction pooler (which passes no other
-- setting to the server), as its application_name 'guard-pass-<token>'.
CREATE OR REPLACE FUNCTION guard_enforce.passed()
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT FROM guard_enforce.passes p
                   WHERE p.digest IN (
                       SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex')
                       FROM unnest(array[current_setting('guard.enforce_pass', true),
                                         CASE WHEN current_setting('application_name') LIKE 'guard-pass-%'
                                              THEN substr(current_setting('application_name'), 12) END]) t
                       WHERE coalesce(t, '') <> '')
                     -- the name, which pg_stat_activity shows, holds for
                     -- the role that wrote the pass only (session_user:
                     -- the triggers run as their owner)
                     AND (p.created_by = session_user
                          OR p.digest = encode(sha256(convert_to(coalesce(current_setting('guard.enforce_pass', true), ''), 'UTF8')), 'hex')))
$$;

-- Raises guard's error (SQLSTATE GU001) for a locked table.
CREATE OR REPLACE FUNCTION guard_enforce.reject(tag text, l guard_enforce.locked, problems text[])
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'GU001',
        MESSAGE = format('guard: %s rejected: locked %s %s (%s mode): %s', tag, l.kind, l.qualified, l.mode, array_to_string(problems, '; ')),
        DETAIL = format('The schema contract installed in this database by guard contract enforce locks %s; in %s mode it forbids %s.',
                        l.qualified, l.mode,
                        CASE WHEN l.mode = 'strict' THEN 'any change to it'
                             WHEN l.kind = 'view' THEN 'removing, renaming or retyping its columns, changing its query beyond the select list, and dropping or renaming it'
                             ELSE 'removing, renaming or retyping its columns, adding NOT NULL, changing or removing defaults, and dropping or renaming it' END),
        HINT = format('Put the change in a migration and run it with guard migrate up (accept it first with guard contract promote --from migrations --table %s when the contract blocks it).', l.qualified);
END
$$;

-- ddl_command_end: the locked tables and views a command touched (and those
-- inheriting from them or reading them, which it may change too) must still
-- have a shape their mode allows; a command on a type, domain, schema,
-- collation or extension may change any of them: all are judged then. In
-- strict mode, no command may target a locked table or view, its indexes,
-- constraints, triggers, policies or rules. Tables that are not locked are
-- never judged.
CREATE OR REPLACE FUNCTION guard_enforce.on_ddl_command_end()
RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cmd record;
    rel oid;
    touched oid[] := '{}';
    affected oid[];
    judge_all boolean := false;
    l guard_enforce.locked;
    problems text[];
BEGIN
    IF guard_enforce.passed() THEN
        RETURN;
    END IF;
    FOR cmd IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        IF cmd.schema_name IS NOT NULL AND (cmd.schema_name LIKE 'pg\_temp%' OR cmd.schema_name = 'guard_enforce')
           OR cmd.command_tag IN ('COMMENT', 'SECURITY LABEL') THEN
            CONTINUE;
        END IF;
        rel := NULL;
        IF cmd.command_tag IN ('GRANT', 'REVOKE') THEN
            judge_all := true; -- the command names no object
        ELSIF cmd.classid = 'pg_class'::regclass THEN
            SELECT coalesce((SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = cmd.objid), cmd.objid) INTO rel;
        ELSIF cmd.classid = 'pg_constraint'::regclass THEN
            SELECT nullif(c.conrelid, 0) INTO rel FROM pg_constraint c WHERE c.oid = cmd.objid;
            judge_all := judge_all OR rel IS NULL; -- a domain's constraint
        ELSIF cmd.classid = 'pg_trigger'::regclass THEN
            SELECT t.tgrelid INTO rel FROM pg_trigger t WHERE t.oid = cmd.objid;
        ELSIF cmd.classid = 'pg_policy'::regclass THEN
            SELECT p.polrelid INTO rel FROM pg_policy p WHERE p.oid = cmd.objid;
        ELSIF cmd.classid = 'pg_rewrite'::regclass THEN
            SELECT r.ev_class INTO rel FROM pg_rewrite r WHERE r.oid = cmd.objid;
        ELSIF cmd.classid IN ('pg_type'::regclass, 'pg_namespace'::regclass, 'pg_collation'::regclass, 'pg_extension'::regclass) THEN
            judge_all := true;
        END IF;
        IF rel IS NOT NULL THEN
            touched := touched || rel;
        END IF;
    END LOOP;
    IF NOT judge_all THEN
        WITH RECURSIVE t(rel) AS (
            SELECT unnest(touched)
            UNION
            SELECT x.rel FROM t, LATERAL (
                SELECT i.inhrelid AS rel FROM pg_inherits i WHERE i.inhparent = t.rel
                UNION ALL
                SELECT r.ev_class FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
                  AND d.refobjid = t.rel AND r.ev_class <> t.rel
            ) x
        )
        SELECT coalesce(array_agg(t.rel), '{}') INTO affected FROM t;
        IF cardinality(affected) = 0 THEN
            RETURN;
        END IF;
    END IF;
    FOR l IN SELECT * FROM guard_enforce.locked k
             WHERE k.mode <> 'none' AND (judge_all OR k.relid = ANY(affected)) ORDER BY k.qualified LOOP
        problems := guard_enforce.violations(l);
        IF cardinality(problems) = 0 AND l.mode = 'strict' AND l.relid = ANY(touched) THEN
            problems := array[lower(tg_tag) || ' on the ' || l.kind || ' (strict mode forbids any change)'];
        END IF;
        IF cardinality(problems) > 0 THEN
            PERFORM guard_enforce.reject(tg_tag, l, problems);
        END IF;
    END LOOP;
END
$$;

-- sql_drop: no locked table may be dropped; in strict mode, nothing of it
-- (a constraint, an index, a trigger, a policy, a rule).
CREATE OR REPLACE FUNCTION guard_enforce.on_sql_drop()
RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    obj record;
    l guard_enforce.locked;
    colname text;
BEGIN
    IF guard_enforce.passed() THEN
        RETURN;
    END IF;
    FOR obj IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
        IF obj.is_temporary THEN
            CONTINUE;
        END IF;
        IF obj.classid = 'pg_class'::regclass AND obj.objsubid = 0 THEN
            SELECT * INTO l FROM guard_enforce.locked k WHERE k.relid = obj.objid AND k.mode <> 'none';
            IF FOUND THEN
                PERFORM guard_enforce.reject(tg_tag, l, array[l.kind || ' ' || l.qualified || ' dropped']);
            END IF;
            SELECT * INTO l FROM guard_enforce.locked k WHERE obj.objid = ANY(k.indexes) AND k.mode = 'strict';
            IF FOUND THEN
                PERFORM guard_enforce.reject(tg_tag, l, array['index ' || obj.object_identity || ' dropped (strict mode forbids any change)']);
            END IF;
        ELSIF obj.classid = 'pg_class'::regclass THEN
            -- a column (DROP COLUMN, or DROP TYPE … CASCADE)
            SELECT k.* INTO l FROM guard_enforce.locked k
            WHERE k.relid = obj.objid AND k.mode <> 'none'
              AND (k.mode = 'strict' OR EXISTS (SELECT FROM guard_enforce.columns c WHERE c.relid = k.relid AND c.attnum = obj.objsubid AND c.judged));
            IF FOUND THEN
                SELECT c.name INTO colname FROM guard_enforce.columns c WHERE c.relid = l.relid AND c.attnum = obj.objsubid;
                PERFORM guard_enforce.reject(tg_tag, l, array['column ' || coalesce(quote_ident(colname), obj.object_identity) || ' removed']);
            END IF;
        ELSIF obj.object_type IN ('table constraint', 'trigger', 'policy', 'rule') AND cardinality(obj.address_names) >= 2 THEN
            SELECT * INTO l FROM guard_enforce.locked k
            WHERE k.schema_name = obj.address_names[1] AND k.table_name = obj.address_names[2] AND k.mode = 'strict';
            IF FOUND THEN
                PERFORM guard_enforce.reject(tg_tag, l, array[obj.object_type || ' ' || obj.object_identity || ' dropped (strict mode forbids any change)']);
            END IF;
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA guard_enforce FROM PUBLIC;

DROP EVENT TRIGGER IF EXISTS guard_enforce_ddl_command_end;
DROP EVENT TRIGGER IF EXISTS guard_enforce_sql_drop;
CREATE EVENT TRIGGER guard_enforce_ddl_command_end ON ddl_command_end
    EXECUTE FUNCTION guard_enforce.on_ddl_command_end();
CREATE EVENT TRIGGER guard_enforce_sql_drop ON sql_drop
    EXECUTE FUNCTION guard_enforce.on_sql_drop();
