-- The statement-timeout victim: a cross join that cannot finish in 100ms.
SET statement_timeout = '100ms';
SELECT count(*) FROM order_items a CROSS JOIN order_items b CROSS JOIN generate_series(1, 10) g;
