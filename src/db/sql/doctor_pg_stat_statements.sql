-- What `--db` would read from pg_stat_statements (see pg_stat_statements.sql): this
-- database's statements, planwise's own (marked `/* planwise */`) left out as the reader
-- leaves them out, and how many of their texts the role may not see.
SELECT count(*)::int8                                                     AS statements,
       count(*) FILTER (WHERE s.query = '<insufficient privilege>')::int8 AS hidden_texts
FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = current_database()
  AND s.query NOT LIKE '/* planwise */%'
