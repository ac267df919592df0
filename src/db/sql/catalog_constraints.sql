-- PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK constraints of the user's tables, by name
-- within each table (the order pg_dump writes them in). Key columns keep their constraint
-- order; a CHECK keeps only its expression (pg_get_constraintdef's inside, without the
-- CHECK keyword and NOT VALID, which is a field of its own).
SELECT n.nspname::text                                  AS schema,
       c.relname::text                                  AS table_name,
       con.conname::text                                AS name,
       con.contype::text                                AS kind,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.position)                       AS columns,
       rn.nspname::text                                 AS referenced_schema,
       rc.relname::text                                 AS referenced_table,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.position)                       AS referenced_columns,
       CASE con.confdeltype
            WHEN 'r' THEN 'RESTRICT'
            WHEN 'c' THEN 'CASCADE'
            WHEN 'n' THEN 'SET NULL'
            WHEN 'd' THEN 'SET DEFAULT'
       END                                              AS on_delete,
       -- PG 15's ON DELETE SET NULL (col, …) names the columns it sets. Read through
       -- to_jsonb so that servers before 15, without confdelsetcols, read as none.
       ARRAY(SELECT a.attname::text
             FROM jsonb_array_elements_text(
                      CASE WHEN jsonb_typeof(to_jsonb(con) -> 'confdelsetcols') = 'array'
                           THEN to_jsonb(con) -> 'confdelsetcols' ELSE '[]' END)
                  WITH ORDINALITY AS k(attnum, position)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum::int2
             ORDER BY k.position)                       AS on_delete_columns,
       NOT con.convalidated                             AS not_valid,
       CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid, true) END AS check_expr
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'u', 'f', 'c')
  AND c.relkind IN ('r', 'p')
  AND c.oid <> ALL($1::oid[])  -- locked by another session (catalog_locked.sql)
  -- A foreign key to a partitioned table is copied once per referenced partition onto the
  -- same referencing table; only the one the user wrote counts. (Copies onto the partitions
  -- of a referencing partitioned table are kept: each partition really has them.)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint parent
                  WHERE parent.oid = con.conparentid AND parent.conrelid = con.conrelid)
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
