-- Views and materialized views of the user's schemas (not those an extension owns), with
-- their defining query as pg_get_viewdef prints it.
SELECT n.nspname::text                  AS schema,
       c.relname::text                  AS name,
       c.relkind = 'm'                  AS materialized,
       pg_get_viewdef(c.oid, true)      AS query
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  -- Neither the view nor a relation its query reads locked by another session
  -- (catalog_locked.sql): pg_get_viewdef locks them all.
  AND c.oid <> ALL($1::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_rewrite r
                  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                  WHERE r.ev_class = c.oid AND d.refobjid = ANY($1::oid[]))
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
