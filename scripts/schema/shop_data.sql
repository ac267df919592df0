-- A few rows for the full-dump fixture (pg_dump with data): text that would confuse a naive
-- statement splitter inside COPY blocks — semicolons, quotes, dollar quotes, backslashes,
-- newlines, SQL keywords.
\set ON_ERROR_STOP on
-- No audit trigger: it would stamp rows with now() and the fixture would change each run.
SET session_replication_role = replica;
INSERT INTO users (email, name, created_at) VALUES
    ('ada@example.com', 'Ada; Lovelace', '2024-01-01 08:00:00+00'),
    ('bob@example.com', E'Bob \\ O''Brien', '2024-01-02 08:00:00+00'),
    ('cy@example.com', E'Cy\nTwo lines $$ CREATE TABLE nope (x int); $$', '2024-01-03 08:00:00+00');
INSERT INTO products (sku, name, price, stock, attributes)
    VALUES ('SKU-1', 'Widget; large', 9.99, 10, '{"note": "a;b \\\\ c"}');
INSERT INTO orders (user_id, status, created_at) VALUES (1, 'paid', '2024-01-15 10:00:00+00');
INSERT INTO order_items (order_id, product_id, qty, price) VALUES (1, 1, 2, 9.99);
INSERT INTO events (user_id, kind, payload, created_at)
    VALUES (1, 'login', '{"ip": "10.0.0.1"}', '2024-01-15 09:59:00+00'),
           (2, 'login', NULL, '2024-02-03 12:00:00+00'),
           (NULL, E'\\.', NULL, '2025-01-01 00:00:00+00');
INSERT INTO "CustomerNotes" ("userId", "Body") VALUES (3, E'\\.\nCOPY users FROM stdin;');
