-- What the server's own catalog says about the user schemas of the current database, as one
-- JSON document: the reference that tests/schema.rs checks planwise's DDL loader against.
-- Run by scripts/make-schema-fixtures.sh (psql -At); every list is sorted so the output is
-- stable. Expressions are printed by PostgreSQL itself with the default search_path, in the
-- forms src/db/catalog.rs reads from a live server: types by format_type, defaults, checks
-- and predicates by pg_get_expr(…, true), index keys by column name or pg_get_indexdef(…, k,
-- true); whole definitions (pg_get_indexdef, pg_get_constraintdef) are kept for reading.
WITH user_classes AS (
    SELECT c.*, n.nspname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg_temp%'
),
tables AS (
    SELECT json_agg(json_build_object(
        'schema', t.nspname,
        'name', t.relname,
        'partitioned', t.relkind = 'p',
        'unlogged', t.relpersistence = 'u',
        'partition_key', CASE WHEN t.relkind = 'p' THEN pg_get_partkeydef(t.oid) END,
        'partition_of', (SELECT json_build_object('schema', pn.nspname, 'name', p.relname)
                         FROM pg_inherits i
                         JOIN pg_class p ON p.oid = i.inhparent
                         JOIN pg_namespace pn ON pn.oid = p.relnamespace
                         WHERE i.inhrelid = t.oid),
        'partition_bound', pg_get_expr(t.relpartbound, t.oid),
        'columns', (SELECT json_agg(json_build_object(
                        'name', a.attname,
                        'type', format_type(a.atttypid, a.atttypmod),
                        'not_null', a.attnotnull,
                        'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid, true) END,
                        'identity', a.attidentity <> '',
                        'generated', CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid, true) END
                    ) ORDER BY a.attnum)
                    FROM pg_attribute a
                    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped)
    ) ORDER BY t.nspname, t.relname) AS list
    FROM user_classes t
    WHERE t.relkind IN ('r', 'p')
),
indexes AS (
    SELECT json_agg(json_build_object(
        'schema', ic.nspname,
        'name', ic.relname,
        'table', json_build_object('schema', tn.nspname, 'name', tc.relname),
        'method', am.amname,
        'unique', x.indisunique,
        'primary', x.indisprimary,
        'constraint', EXISTS (SELECT 1 FROM pg_constraint k
                              WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')),
        'keys', (SELECT json_agg(json_build_object(
                     'expression', coalesce((SELECT a.attname::text FROM pg_attribute a
                                             WHERE a.attrelid = x.indrelid AND a.attnum = x.indkey[k - 1]
                                               AND x.indkey[k - 1] <> 0),
                                            pg_get_indexdef(x.indexrelid, k, true)),
                     'is_column', x.indkey[k - 1] <> 0,
                     'descending', (x.indoption[k - 1] & 1) <> 0,
                     'nulls_first', (x.indoption[k - 1] & 2) <> 0,
                     'opclass', (SELECT CASE WHEN NOT oc.opcdefault THEN oc.opcname END
                                 FROM pg_opclass oc WHERE oc.oid = x.indclass[k - 1])
                 ) ORDER BY k)
                 FROM generate_series(1, x.indnkeyatts) AS k),
        'include', (SELECT coalesce(json_agg(a.attname ORDER BY k), '[]')
                    FROM generate_series(x.indnkeyatts + 1, x.indnatts) AS k
                    JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[k - 1]),
        'predicate', pg_get_expr(x.indpred, x.indrelid, true),
        'definition', pg_get_indexdef(x.indexrelid)
    ) ORDER BY ic.nspname, ic.relname) AS list
    FROM pg_index x
    JOIN user_classes ic ON ic.oid = x.indexrelid
    JOIN pg_class tc ON tc.oid = x.indrelid
    JOIN pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
),
constraints AS (
    SELECT json_agg(json_build_object(
        'schema', t.nspname,
        'table', t.relname,
        'name', k.conname,
        'type', k.contype,
        'columns', (SELECT coalesce(json_agg(a.attname ORDER BY u.ord), '[]')
                    FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum),
        'references', (SELECT json_build_object('schema', rn.nspname, 'name', r.relname)
                       FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace
                       WHERE r.oid = k.confrelid),
        'referenced_columns', (SELECT coalesce(json_agg(a.attname ORDER BY u.ord), '[]')
                               FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, ord)
                               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum),
        'on_delete', CASE k.confdeltype WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                         WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END,
        'validated', k.convalidated,
        'check_expression', CASE WHEN k.contype = 'c' THEN pg_get_expr(k.conbin, k.conrelid, true) END,
        'definition', pg_get_constraintdef(k.oid, true)
    ) ORDER BY t.nspname, t.relname, k.conname) AS list
    FROM pg_constraint k
    JOIN user_classes t ON t.oid = k.conrelid
),
views AS (
    SELECT json_agg(json_build_object(
        'schema', v.nspname,
        'name', v.relname,
        'materialized', v.relkind = 'm'
    ) ORDER BY v.nspname, v.relname) AS list
    FROM user_classes v
    WHERE v.relkind IN ('v', 'm')
),
sequences AS (
    SELECT json_agg(json_build_object(
        'schema', s.nspname,
        'name', s.relname,
        'owned_by', (SELECT json_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname)
                     FROM pg_depend d
                     JOIN pg_class t ON t.oid = d.refobjid
                     JOIN pg_namespace tn ON tn.oid = t.relnamespace
                     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
    ) ORDER BY s.nspname, s.relname) AS list
    FROM user_classes s
    WHERE s.relkind = 'S'
)
SELECT json_build_object(
    'server_version_num', current_setting('server_version_num')::int,
    'tables', coalesce((SELECT list FROM tables), '[]'),
    'indexes', coalesce((SELECT list FROM indexes), '[]'),
    'constraints', coalesce((SELECT list FROM constraints), '[]'),
    'views', coalesce((SELECT list FROM views), '[]'),
    'sequences', coalesce((SELECT list FROM sequences), '[]')
);
