-- Tables and partitioned tables of the user's schemas, with their size, partitioning and
-- activity counters. System schemas (pg_catalog, pg_toast, other sessions' pg_temp_*: every
-- schema named pg_*) and information_schema are left out, and so are the tables an extension
-- owns: they are not the user's schema and pg_dump does not list them either.
SELECT n.nspname::text                                    AS schema,
       c.relname::text                                    AS name,
       c.relpersistence = 'u'                             AS unlogged,
       -- -1 on PG 14+ when never analysed or vacuumed: read as unknown.
       c.reltuples::float8                                AS reltuples,
       c.relpages::int8                                   AS relpages,
       c.relallvisible::int8                              AS relallvisible,
       pg_relation_size(c.oid)                            AS table_bytes,
       pg_total_relation_size(c.oid)                      AS total_bytes,
       p.partstrat::text                                  AS partition_strategy,
       CASE WHEN p.partrelid IS NOT NULL THEN pg_get_partkeydef(c.oid) END AS partition_key,
       pn.nspname::text                                   AS parent_schema,
       pc.relname::text                                   AS parent_name,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bounds,
       s.seq_scan                                         AS seq_scan,
       s.idx_scan                                         AS idx_scan,
       s.n_tup_ins                                        AS n_tup_ins,
       s.n_tup_upd                                        AS n_tup_upd,
       s.n_tup_del                                        AS n_tup_del,
       s.n_tup_hot_upd                                    AS n_tup_hot_upd,
       s.n_live_tup                                       AS n_live_tup,
       s.n_dead_tup                                       AS n_dead_tup,
       s.n_mod_since_analyze                              AS n_mod_since_analyze,
       -- Inserts since the last vacuum and how long ago it ran: one window, reset together
       -- (pg_stat_database.stats_reset is NULL until a reset, so it dates nothing).
       s.n_ins_since_vacuum                               AS n_ins_since_vacuum,
       extract(epoch FROM now() - greatest(s.last_vacuum, s.last_autovacuum))::float8
                                                          AS seconds_since_vacuum,
       -- UTC whatever the session's TimeZone, so two readings of one server compare.
       to_char(greatest(s.last_analyze, s.last_autoanalyze) AT TIME ZONE 'UTC',
               'YYYY-MM-DD HH24:MI:SS')                   AS last_analyze,
       -- The columns of each extended statistics object (CREATE STATISTICS), as JSON arrays.
       ARRAY(SELECT json_agg(a.attname::text ORDER BY a.attnum)::text
             FROM pg_statistic_ext e
             CROSS JOIN unnest(e.stxkeys::int2[]) AS k(attnum)
             JOIN pg_attribute a ON a.attrelid = e.stxrelid AND a.attnum = k.attnum
             WHERE e.stxrelid = c.oid
             GROUP BY e.oid
             ORDER BY e.oid)                              AS extended_statistics
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_partitioned_table p ON p.partrelid = c.oid
LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
LEFT JOIN pg_class pc ON pc.oid = i.inhparent
LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p')
  AND c.oid <> ALL($1::oid[])  -- locked by another session (catalog_locked.sql)
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
