-- pgbench script: a join whose hash table exceeds work_mem: batched, several temporary files
-- per execution.
SELECT o.user_id, count(*), sum(i.qty * i.price) FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.user_id ORDER BY 3 DESC;
