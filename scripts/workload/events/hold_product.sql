-- Holds the row lock on product :id for :seconds seconds (the blocker of a lock wait).
BEGIN;
UPDATE products SET stock = stock - 1 WHERE id = :id;
SELECT pg_sleep(:seconds);
COMMIT;
