-- pgbench script: primary-key lookups whose plans no plan rule reports (the negative case).
\set uid random(1, 500)
\set pid random(1, 200)
SELECT id, email, name FROM users WHERE id = :uid;
SELECT id, name, price, stock FROM products WHERE id = :pid;
