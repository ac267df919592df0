-- planwise fixture workload: schema + deterministic data for the "shop" database.
-- Run by scripts/make-fixtures.sh against the throw-away cluster BEFORE the
-- logged runs (statement logging is off while this runs).
-- Deliberately missing indexes: orders.user_id and order_items.order_id have
-- foreign keys but no index, so the N+1 child lookups are sequential scans.
\set ON_ERROR_STOP on
DROP DATABASE IF EXISTS shop;
DROP ROLE IF EXISTS app;
CREATE ROLE app LOGIN;
CREATE DATABASE shop;
\connect shop
CREATE EXTENSION pg_stat_statements;

CREATE TABLE users (
    id         serial PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id    serial PRIMARY KEY,
    sku   text NOT NULL UNIQUE,
    name  text NOT NULL,
    price numeric(10,2) NOT NULL,
    stock integer NOT NULL
);

CREATE TABLE orders (
    id         serial PRIMARY KEY,
    user_id    integer NOT NULL REFERENCES users(id),
    status     text NOT NULL,
    created_at timestamptz NOT NULL,
    total      numeric(12,2) NOT NULL DEFAULT 0
);

CREATE TABLE order_items (
    id         serial PRIMARY KEY,
    order_id   integer NOT NULL REFERENCES orders(id),
    product_id integer NOT NULL REFERENCES products(id),
    qty        integer NOT NULL,
    price      numeric(10,2) NOT NULL
);

INSERT INTO users (email, name, created_at)
SELECT 'user' || i || '@example.com', 'User ' || i,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 hour'
FROM generate_series(1, 500) AS i;

INSERT INTO products (sku, name, price, stock)
SELECT 'SKU-' || lpad(i::text, 5, '0'), 'Product ' || i,
       round(5 + (i * 37 % 200) + (i % 100) / 100.0, 2), 100 + i % 50
FROM generate_series(1, 200) AS i;

-- Users 1..5 are "heavy" customers with 25 orders each, so user u owns the
-- contiguous order ids (u-1)*25+1 .. u*25 (user 2 -> 26..50, user 4 -> 76..100).
-- The N+1 workload scripts rely on this layout.
INSERT INTO orders (user_id, status, created_at)
SELECT u, (ARRAY['paid', 'shipped', 'cancelled', 'pending'])[1 + (u + k) % 4],
       timestamptz '2024-02-01 00:00:00+00' + (u * 7 + k) * interval '37 minutes'
FROM generate_series(1, 500) AS u
CROSS JOIN LATERAL generate_series(1, CASE WHEN u <= 5 THEN 25 ELSE 1 + u % 4 END) AS k
ORDER BY u, k;

INSERT INTO order_items (order_id, product_id, qty, price)
SELECT o.id, p.id, 1 + (o.id + j) % 3, p.price
FROM orders o
CROSS JOIN LATERAL generate_series(1, 1 + o.id % 5) AS j
JOIN products p ON p.id = 1 + (o.id * 13 + j * 7) % 200
ORDER BY o.id, j;

UPDATE orders o SET total = s.total
FROM (SELECT order_id, sum(qty * price) AS total FROM order_items GROUP BY order_id) s
WHERE s.order_id = o.id;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO app;
ANALYZE;

-- Sanity check for the N+1 scripts (fails the whole generation if the layout changed).
DO $$
BEGIN
    IF (SELECT array_agg(id ORDER BY id) FROM orders WHERE user_id = 2)
       IS DISTINCT FROM (SELECT array_agg(i) FROM generate_series(26, 50) i) THEN
        RAISE EXCEPTION 'unexpected order id layout for user 2';
    END IF;
    IF (SELECT array_agg(id ORDER BY id) FROM orders WHERE user_id = 4)
       IS DISTINCT FROM (SELECT array_agg(i) FROM generate_series(76, 100) i) THEN
        RAISE EXCEPTION 'unexpected order id layout for user 4';
    END IF;
END
$$;
SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM products) AS products,
       (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_items) AS order_items;
