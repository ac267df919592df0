-- One side of the deadlock: locks product :first, sleeps, then wants product :second; run
-- at the same time with the two ids swapped.
BEGIN;
UPDATE products SET stock = stock - 1 WHERE id = :first;
SELECT pg_sleep(0.5);
UPDATE products SET stock = stock + 1 WHERE id = :second;
COMMIT;
