-- pgbench script: a sequential scan that removes most rows by its filter (PLAN002):
-- orders.user_id has no index.
\set uid random(1, 5)
SELECT id, status, total FROM orders WHERE user_id = :uid;
