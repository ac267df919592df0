-- The functions a statement could make the server call while planning or running it, that the
-- safety gate must judge: those named by a word of the statement ($1), those behind its
-- operators ($2), and those the relations it names bring in through their rules (view bodies,
-- followed through nested views), column defaults and row-level security policies — and, for a
-- statement that writes ($4), their triggers' functions (not the internal ones of foreign keys).
-- Built-in functions that are not volatile and not named in $3 are safe for any purpose: left
-- out.
WITH RECURSIVE relation(oid) AS (
        SELECT c.oid FROM pg_class c WHERE c.relname = ANY($1::text[])
    UNION
        SELECT d.refobjid
        FROM relation
        JOIN pg_rewrite r ON r.ev_class = relation.oid
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                        AND d.refclassid = 'pg_class'::regclass
),
brought_in(classid, objid) AS (
        SELECT 'pg_rewrite'::regclass, r.oid FROM relation JOIN pg_rewrite r ON r.ev_class = relation.oid
    UNION ALL
        SELECT 'pg_attrdef'::regclass, a.oid FROM relation JOIN pg_attrdef a ON a.adrelid = relation.oid
    UNION ALL
        SELECT 'pg_policy'::regclass, p.oid FROM relation JOIN pg_policy p ON p.polrelid = relation.oid
),
reached(oid) AS (
        SELECT p.oid FROM pg_proc p WHERE p.proname = ANY($1::text[])
    UNION
        SELECT o.oprcode FROM pg_operator o WHERE o.oprname = ANY($2::text[])
    UNION
        SELECT CASE WHEN d.refclassid = 'pg_proc'::regclass THEN d.refobjid ELSE o.oprcode END
        FROM brought_in b
        JOIN pg_depend d ON d.classid = b.classid AND d.objid = b.objid
        LEFT JOIN pg_operator o ON d.refclassid = 'pg_operator'::regclass AND o.oid = d.refobjid
        WHERE d.refclassid IN ('pg_proc'::regclass, 'pg_operator'::regclass)
    UNION
        SELECT t.tgfoid FROM relation JOIN pg_trigger t ON t.tgrelid = relation.oid
        WHERE $4::bool AND NOT t.tgisinternal
)
SELECT DISTINCT p.oid::int8 AS oid, n.nspname::text AS schema, p.proname::text AS name,
       p.provolatile::text AS volatility, e.extname::text AS extension
FROM reached
JOIN pg_proc p ON p.oid = reached.oid
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_depend x ON x.classid = 'pg_proc'::regclass AND x.objid = p.oid AND x.deptype = 'e'
                     AND x.refclassid = 'pg_extension'::regclass
LEFT JOIN pg_extension e ON e.oid = x.refobjid
WHERE p.oid >= 16384 OR p.provolatile = 'v' OR p.proname = ANY($3::text[])
ORDER BY 1
