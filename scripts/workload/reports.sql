-- psql script: back-office queries (simple protocol, literal values).
-- Note: psql drops comment lines that precede a statement; comments INSIDE a
-- statement (both -- and /* */) are sent to the server since PostgreSQL 15.
\set ON_ERROR_STOP on

-- Pagination, from shallow to deep OFFSETs.
SELECT id, order_id, product_id, qty, price FROM order_items ORDER BY id LIMIT 50 OFFSET 0;
SELECT id, order_id, product_id, qty, price FROM order_items ORDER BY id LIMIT 50 OFFSET 50;
SELECT id, order_id, product_id, qty, price FROM order_items ORDER BY id LIMIT 50 OFFSET 1000;
SELECT id, order_id, product_id, qty, price FROM order_items ORDER BY id LIMIT 50 OFFSET 2500;
SELECT id, order_id, product_id, qty, price FROM order_items ORDER BY id LIMIT 50 OFFSET 3900;
SELECT id, email FROM users ORDER BY created_at DESC LIMIT 20 OFFSET 400;

-- IN lists of varying length.
SELECT id, name, price FROM products WHERE id IN (1, 2, 3);
SELECT id, name, price FROM products WHERE id IN (4, 8, 15, 16, 23, 42);
SELECT id, name, price FROM products WHERE id IN (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120);
SELECT id, name, price FROM products WHERE id IN (101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125);
SELECT id, status FROM orders WHERE status IN ('paid', 'shipped');

-- Multi-row INSERTs with varying row counts.
INSERT INTO order_items (order_id, product_id, qty, price) VALUES (301, 1, 1, 10.00), (301, 2, 2, 20.00);
INSERT INTO order_items (order_id, product_id, qty, price) VALUES (302, 3, 1, 11.00), (302, 4, 1, 12.00), (302, 5, 3, 13.00);
INSERT INTO order_items (order_id, product_id, qty, price) VALUES (303, 6, 1, 5.00), (303, 7, 1, 6.00), (303, 8, 2, 7.00), (303, 9, 1, 8.00), (303, 10, 1, 9.00);
INSERT INTO order_items (order_id, product_id, qty, price) VALUES (304, 11, 1, 1.50), (304, 12, 1, 2.50), (304, 13, 1, 3.50), (304, 14, 1, 4.50), (304, 15, 1, 5.50), (304, 16, 1, 6.50), (304, 17, 1, 7.50), (304, 18, 1, 8.50);

-- Multi-line statement with both comment styles inside it.
SELECT u.id,
       u.email,
       sum(oi.qty * oi.price) AS revenue /* gross, before refunds */
FROM users u
  JOIN orders o ON o.user_id = u.id
  JOIN order_items oi ON oi.order_id = o.id -- no index on order_id
WHERE o.status = 'paid'
GROUP BY u.id, u.email
ORDER BY revenue DESC
LIMIT 10;

-- Another multi-line statement.
SELECT p.id, p.name, count(*) AS times_ordered
FROM products p
JOIN order_items oi ON oi.product_id = p.id
GROUP BY p.id, p.name
HAVING count(*) > 20
ORDER BY times_ordered DESC;

-- Explicit transactions.
BEGIN;
UPDATE products SET stock = stock + 10 WHERE id = 42;
INSERT INTO orders (user_id, status, created_at) VALUES (42, 'pending', now());
COMMIT;

BEGIN;
UPDATE orders SET status = 'shipped' WHERE id = 7;
UPDATE orders SET status = 'shipped' WHERE id = 8;
COMMIT;

BEGIN;
DELETE FROM order_items WHERE order_id = 304;
ROLLBACK;
