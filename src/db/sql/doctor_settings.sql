-- The settings `planwise doctor` judges, as pg_settings shows them to the connecting role (a
-- superuser-only setting is absent for a role without pg_read_all_settings, where
-- current_setting() would fail), auto_explain's when it is loaded, and the names of the
-- settings only a hosted platform defines (which tell the platform apart).
SELECT name::text                    AS name,
       setting                       AS value,
       unit                          AS unit,
       current_setting(name)         AS shown,
       source                        AS source,
       context                       AS context
FROM pg_settings
WHERE name IN ('log_min_duration_statement', 'log_statement', 'log_duration',
               'log_line_prefix', 'log_destination', 'logging_collector',
               'log_parameter_max_length', 'log_temp_files', 'log_lock_waits',
               'log_autovacuum_min_duration', 'track_io_timing',
               'shared_preload_libraries', 'session_preload_libraries',
               'pg_stat_statements.track')
   OR name LIKE 'auto\_explain.%'
   OR name ~ '^(rds|cloudsql|azure)\.'
ORDER BY 1
