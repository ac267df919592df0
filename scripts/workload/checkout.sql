-- pgbench script: a checkout in an explicit BEGIN/COMMIT transaction.
\set uid random(6, 500)
\set pid random(1, 200)
\set qty random(1, 3)
BEGIN;
INSERT INTO orders (user_id, status, created_at) VALUES (:uid, 'pending', now()) RETURNING id \gset
INSERT INTO order_items (order_id, product_id, qty, price) SELECT :id, id, :qty, price FROM products WHERE id = :pid;
UPDATE products SET stock = stock - :qty WHERE id = :pid;
UPDATE orders SET total = (SELECT sum(qty * price) FROM order_items WHERE order_id = :id) WHERE id = :id;
COMMIT;
