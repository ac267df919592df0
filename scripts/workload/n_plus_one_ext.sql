-- pgbench script (run with -M extended): N+1 over the extended protocol.
-- One parent query, then 10 child lookups with consecutive order ids of that
-- user (users 1..5 own order ids (uid-1)*25+1 .. uid*25, see setup.sql).
\set uid random(1, 5)
\set first (:uid - 1) * 25 + 1
SELECT id FROM orders WHERE user_id = :uid;
\set oid :first + 0
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 1
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 2
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 3
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 4
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 5
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 6
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 7
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 8
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
\set oid :first + 9
SELECT product_id, qty, price FROM order_items WHERE order_id = :oid;
