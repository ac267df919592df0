-- pgbench script: a storefront page view (three independent lookups).
-- Used with -M simple (literals), -M extended (<unnamed> + parameters) and -M prepared.
\set uid random(1, 500)
\set pid random(1, 200)
SELECT id, email, name FROM users WHERE id = :uid;
SELECT id, name, price, stock FROM products WHERE id = :pid;
SELECT id, status, total FROM orders WHERE user_id = :uid ORDER BY created_at DESC LIMIT 5;
