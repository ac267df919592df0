-- pgbench script for connection churn (-C: one connection per transaction).
\set pid random(1, 200)
SELECT id, name, price FROM products WHERE id = :pid;
