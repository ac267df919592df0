-- Which server this is, and how old its statistics counters are: they count since the
-- database's last reset, and since the server started (a crash restart clears them; a clean
-- one keeps them, which cannot be told apart here, so the later of the two is taken).
SELECT current_setting('server_version_num')::int4 AS version_num,
       version()                                   AS version,
       extract(epoch FROM now() - greatest(d.stats_reset, pg_postmaster_start_time()))::float8
                                                   AS counters_age_seconds,
       pg_is_in_recovery()                         AS in_recovery
FROM pg_stat_database d
WHERE d.datname = current_database()
