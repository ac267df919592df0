-- Indexes named like the ones verify builds ($1: the name pattern), valid or not: what an
-- interrupted run left behind.
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'i' AND c.relname LIKE $1 ESCAPE '\'
ORDER BY 1, 2
