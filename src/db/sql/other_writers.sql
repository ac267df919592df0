-- Other client sessions writing to this database now ($1: planwise's own pids): one in a
-- transaction that holds a transaction id has written, one running a data-changing
-- statement is about to. Idle readers do not change what verify measures.
SELECT pid, usename, application_name
FROM pg_stat_activity
WHERE datname = current_database()
  AND backend_type = 'client backend'
  AND pid <> ALL ($1::int[])
  AND (backend_xid IS NOT NULL
       OR (state = 'active'
           AND query ~* '^\s*(insert|update|delete|merge|copy|create|alter|drop|truncate|vacuum|cluster|reindex)\M'))
ORDER BY pid
