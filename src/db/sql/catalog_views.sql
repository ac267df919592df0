-- Views and materialized views of the user's schemas (not those an extension owns), with
-- their defining query as pg_get_viewdef prints it.
SELECT n.nspname::text                  AS schema,
       c.relname::text                  AS name,
       c.relkind = 'm'                  AS materialized,
       pg_get_viewdef(c.oid, true)      AS query
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
