-- The columns of the tables catalog_tables.sql reads, in table order, with their pg_stats.
-- pg_stats keeps the statistics of a partitioned table's whole tree as `inherited`; every
-- other table's own statistics are the non-inherited row.
-- Expressions are printed pretty (as psql's \d shows them), the closest to how they were written.
SELECT n.nspname::text                                            AS schema,
       c.relname::text                                            AS table_name,
       a.attname::text                                            AS name,
       format_type(a.atttypid, a.atttypmod)                       AS data_type,
       NOT a.attnotnull                                           AS nullable,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END AS default_expr,
       a.attidentity <> ''                                        AS identity,
       CASE WHEN a.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid, true) END AS generated,
       s.null_frac::float8                                        AS null_frac,
       s.n_distinct::float8                                       AS n_distinct,
       s.avg_width                                                AS avg_width,
       s.correlation::float8                                      AS correlation,
       -- anyarray has no client type: its text form read back as text[].
       s.most_common_vals::text::text[]                           AS most_common_vals,
       s.most_common_freqs::float8[]                              AS most_common_freqs,
       s.histogram_bounds::text::text[]                           AS histogram_bounds
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
                    AND s.attname = a.attname AND s.inherited = (c.relkind = 'p')
WHERE c.relkind IN ('r', 'p')
  AND c.oid <> ALL($1::oid[])  -- locked by another session (catalog_locked.sql)
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2, a.attnum
