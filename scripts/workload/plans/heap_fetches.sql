-- An index-only scan that must visit the heap for most rows (PLAN005): products was just
-- updated and not vacuumed, so its visibility map is clear.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT id FROM products WHERE id > 10;
