-- A nested loop whose inner index scan runs once per outer row (PLAN004).
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_memoize = off;
SELECT i.id, p.name FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.qty = 2;
