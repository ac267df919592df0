-- Which server this is.
SELECT current_setting('server_version_num')::int4 AS version_num,
       version()                                   AS version
