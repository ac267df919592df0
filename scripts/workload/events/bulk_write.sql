-- Writes enough WAL (about 64 MB with max_wal_size = 32MB) to request a checkpoint, and
-- enough dead rows in order_items to wake autovacuum.
CREATE TABLE wal_filler AS SELECT g AS id, repeat('x', 400) AS pad FROM generate_series(1, 120000) g;
UPDATE order_items SET qty = qty WHERE id % 2 = 0;
DROP TABLE wal_filler;
