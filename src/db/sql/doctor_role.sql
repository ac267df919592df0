-- The server's version, the database, and the connecting role with the predefined roles that
-- widen what it sees (their privileges, inherited or not: pg_has_role's USAGE).
SELECT current_setting('server_version_num')::int4                 AS version_num,
       current_setting('server_version')                           AS version,
       current_database()::text                                    AS database,
       current_user::text                                          AS role,
       r.rolsuper                                                  AS superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')     AS read_all_stats,
       pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')  AS read_all_settings
FROM pg_roles r
WHERE r.rolname = current_user
