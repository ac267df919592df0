-- Relations of this database another session holds or waits for an ACCESS EXCLUSIVE lock on
-- (an ALTER TABLE, a REINDEX, a LOCK TABLE in an open transaction). Sizes and definitions
-- (pg_relation_size, pg_get_expr, pg_get_viewdef) take a lock that would queue behind it,
-- so the catalog queries leave these relations out rather than wait for the lock timeout.
-- Reading pg_locks and pg_class here takes no lock on them.
SELECT DISTINCT c.oid                                   AS oid,
       n.nspname::text                                  AS schema,
       c.relname::text                                  AS name,
       l.pid                                            AS pid
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation'
  AND l.mode = 'AccessExclusiveLock'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.pid <> pg_backend_pid()
ORDER BY 2, 3, 4
