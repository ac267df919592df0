-- The SELECT whose rows become fixtures/logs/pgss.csv and pgss.json.
-- Kept in one file so both exports are byte-for-byte the same query.
-- Statements that mention pg_stat_statements (i.e. the exports themselves) are
-- excluded so both exports contain the same rows.
SELECT s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.min_exec_time,
       s.max_exec_time, s.stddev_exec_time, s.rows, s.shared_blks_hit,
       s.shared_blks_read, s.userid::regrole::text AS username, s.dbid,
       d.datname, s.queryid, s.toplevel
FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
WHERE d.datname = 'shop'
  AND s.query NOT LIKE '%pg_stat_statements%'
ORDER BY s.total_exec_time DESC, s.queryid
