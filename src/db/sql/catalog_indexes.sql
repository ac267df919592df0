-- Indexes of the user's tables, partitioned tables and materialized views, with one JSON
-- entry per index column (keys first, then INCLUDE columns) so an index is read whole or
-- not at all. Invalid indexes (a failed CREATE INDEX CONCURRENTLY) are left out: the planner
-- never uses them.
SELECT n.nspname::text                                   AS schema,
       ic.relname::text                                  AS name,
       tn.nspname::text                                  AS table_schema,
       tc.relname::text                                  AS table_name,
       am.amname::text                                   AS method,
       i.indisunique                                     AS is_unique,
       i.indisprimary                                    AS is_primary,
       -- A foreign key records the referenced table's index in conindid too: only the
       -- index's own table's PRIMARY KEY / UNIQUE / EXCLUDE constraints count.
       EXISTS (SELECT 1 FROM pg_constraint con
               WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                 AND con.contype IN ('p', 'u', 'x'))     AS backs_constraint,
       pg_get_expr(i.indpred, i.indrelid, true)          AS predicate,
       (SELECT json_agg(json_build_object(
                   -- Plain columns by their stored name (pg_get_indexdef quotes them);
                   -- expressions as pg_get_indexdef prints that key alone.
                   'expression', coalesce(a.attname::text,
                                          pg_get_indexdef(i.indexrelid, k.position, true)),
                   'is_column', a.attname IS NOT NULL,
                   'is_key', k.position <= i.indnkeyatts,
                   -- indoption and indclass cover key columns only (NULL past them).
                   'descending', coalesce((i.indoption[k.position - 1] & 1) <> 0, false),
                   'nulls_first', coalesce((i.indoption[k.position - 1] & 2) <> 0, false),
                   'opclass', CASE WHEN NOT opc.opcdefault THEN opc.opcname::text END)
               ORDER BY k.position)
        FROM generate_series(1, i.indnatts) AS k(position)
        LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid
                                AND a.attnum = i.indkey[k.position - 1]
                                AND i.indkey[k.position - 1] <> 0
        LEFT JOIN pg_opclass opc ON opc.oid = i.indclass[k.position - 1]) AS columns,
       pg_relation_size(i.indexrelid)                    AS bytes,
       s.idx_scan                                        AS idx_scan,
       s.idx_tup_read                                    AS idx_tup_read,
       s.idx_tup_fetch                                   AS idx_tup_fetch
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
JOIN pg_class tc ON tc.oid = i.indrelid
JOIN pg_namespace tn ON tn.oid = tc.relnamespace
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.indexrelid
WHERE tc.relkind IN ('r', 'p', 'm')
  AND i.indisvalid
  -- Neither the index nor its table locked by another session (catalog_locked.sql).
  AND tc.oid <> ALL($1::oid[])
  AND i.indexrelid <> ALL($1::oid[])
  AND tn.nspname !~ '^pg_'
  AND tn.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = tc.oid AND d.deptype = 'e')
ORDER BY 1, 2
