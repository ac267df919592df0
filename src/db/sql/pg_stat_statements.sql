-- The statements of the connected database, as pg_stat_statements counts them (PG 13+).
SELECT s.query,
       s.calls::float8            AS calls,
       s.total_exec_time          AS total_exec_time,
       s.min_exec_time            AS min_exec_time,
       s.max_exec_time            AS max_exec_time,
       s.rows::float8             AS rows,
       d.datname::text            AS datname,
       r.rolname::text            AS username
FROM pg_stat_statements s
JOIN pg_database d ON d.oid = s.dbid
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE d.datname = current_database()
