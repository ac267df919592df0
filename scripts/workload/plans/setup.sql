-- The plans run's own objects, made by postgres before the driver, not logged: a PL/pgSQL
-- function whose statement auto_explain logs as a nested plan (log_nested_statements), and
-- products rewritten so that its visibility map is clear (autovacuum is off in the run).
SET log_min_duration_statement = -1;
SET auto_explain.log_min_duration = -1;
CREATE OR REPLACE FUNCTION order_count(p_user integer) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*) FROM orders WHERE user_id = p_user);
END
$$;
UPDATE products SET stock = stock;
