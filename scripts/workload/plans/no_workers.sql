-- Parallel workers planned but none launched (PLAN007): the pool is empty.
SET max_parallel_workers = 0;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) FROM order_items WHERE qty = 3;
