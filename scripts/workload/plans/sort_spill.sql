-- pgbench script: a sort bigger than work_mem (64kB): external merge on disk (PLAN003).
SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id;
