-- pgbench script: a report sort bigger than work_mem (64kB in the events run): one
-- temporary file per execution (parallel workers are off, so no worker files).
SELECT id, order_id, product_id, price FROM order_items ORDER BY price DESC, id;
