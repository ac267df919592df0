-- psql script (run WITHOUT ON_ERROR_STOP): statements that fail on the server,
-- so the log gets ERROR: + STATEMENT: (and sometimes DETAIL:/HINT:) lines.
SELECT 1 / 0;
INSERT INTO users (email, name) VALUES ('user1@example.com', 'Duplicate User');
SELEC id, email FROM users WHERE id = 1;
SELECT * FROM no_such_table WHERE id = 1;
SELECT o.id,
       o.total / 0 AS broken_ratio
FROM orders o
WHERE o.id = 1;
BEGIN;
UPDATE products SET stock = stock + 1 WHERE id = 1;
SELECT missing_column FROM products WHERE id = 1;
SELECT 1;
ROLLBACK;
SELECT count(*) FROM users;
