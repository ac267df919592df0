-- The lock-timeout victim: waits for product :id with lock_timeout 400ms (past
-- deadlock_timeout, so the wait is logged before the cancel).
SET lock_timeout = '400ms';
UPDATE products SET stock = stock + 1 WHERE id = :id;
