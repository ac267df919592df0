-- Updates product :id while hold_product.sql holds it: waits past deadlock_timeout, so the
-- server logs "still waiting for ShareLock on transaction …" and then "acquired … after …".
UPDATE products SET stock = stock + 1 WHERE id = :id;
