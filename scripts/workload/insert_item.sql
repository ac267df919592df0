-- pgbench script (run with -M extended -c 1): single-row INSERTs in one session,
-- each one a parse/bind/execute with parameters.
\set oid random(300, 400)
\set pid random(1, 200)
\set qty random(1, 4)
INSERT INTO order_items (order_id, product_id, qty, price) VALUES (:oid, :pid, :qty, 9.99);
