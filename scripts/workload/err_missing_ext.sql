-- pgbench script (run with -M extended, exits non-zero by design): the
-- relation does not exist, so the error happens at parse time.
\set id 1
SELECT * FROM no_such_table WHERE id = :id;
