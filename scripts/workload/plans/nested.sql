-- A function whose statement is planned inside it: a nested plan (log_nested_statements).
SELECT order_count(4);
