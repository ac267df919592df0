-- The extensions planwise uses: offered by the server, and created in this database.
SELECT coalesce(a.name, e.extname)::text AS name,
       a.default_version                 AS available,
       e.extversion                      AS installed
FROM pg_available_extensions a
FULL JOIN pg_extension e ON e.extname = a.name
WHERE coalesce(a.name, e.extname) IN ('pg_stat_statements', 'hypopg')
