-- pgbench script (run with -M extended, exits non-zero by design):
-- division by zero raised while executing a parameterised statement.
\set zero 0
SELECT id, total / :zero AS ratio FROM orders WHERE id = 1;
