-- planwise schema fixture: the "shop" schema of scripts/workload/setup.sql, widened with the
-- DDL variety the catalog loader must understand. scripts/make-schema-fixtures.sh loads it into
-- a throw-away database, then pg_dump --schema-only turns it into fixtures/schema/shop.dump.sql
-- and the server's own catalog of it is exported to fixtures/schema/shop.catalog.json.
--
-- Deliberately written the way people write DDL by hand (serials, unnamed constraints and
-- indexes, inline REFERENCES), so that the names PostgreSQL chooses are exercised too.
\set ON_ERROR_STOP on

CREATE TYPE user_tier AS ENUM ('basic', 'plus', 'pro');

CREATE TABLE users (
    id         serial PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    tier       user_tier NOT NULL DEFAULT 'basic',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- An expression index, unnamed: PostgreSQL calls it users_lower_idx.
CREATE INDEX ON users (lower(email));

CREATE TABLE products (
    id         serial PRIMARY KEY,
    sku        text NOT NULL UNIQUE,
    name       text NOT NULL,
    price      numeric(10,2) NOT NULL CHECK (price >= 0),
    stock      integer NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{}',
    tags       text[],
    weight_kg  real,
    rating     double precision,
    active     boolean NOT NULL DEFAULT true
);

CREATE INDEX products_attributes_idx ON products USING gin (attributes jsonb_path_ops);

CREATE SEQUENCE invoice_number_seq START 1000;

CREATE TABLE orders (
    id             serial PRIMARY KEY,
    user_id        integer NOT NULL REFERENCES users(id),
    status         text NOT NULL,
    created_at     timestamptz NOT NULL,
    total          numeric(12,2) NOT NULL DEFAULT 0,
    invoice_number bigint DEFAULT nextval('invoice_number_seq'),
    shipped_on     date,
    note           varchar(255)
);

ALTER SEQUENCE invoice_number_seq OWNED BY orders.invoice_number;

-- DESC + INCLUDE + partial.
CREATE INDEX orders_recent_paid_idx ON orders (created_at DESC) INCLUDE (total)
    WHERE status = 'paid';

ALTER TABLE orders ADD CONSTRAINT orders_total_nonnegative CHECK (total >= 0) NOT VALID;

CREATE TABLE order_items (
    id         serial PRIMARY KEY,
    order_id   integer NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    product_id integer NOT NULL REFERENCES products(id),
    qty        integer NOT NULL CHECK (qty > 0),
    price      numeric(10,2) NOT NULL,
    line_total numeric(12,2) GENERATED ALWAYS AS (qty * price) STORED,
    UNIQUE (order_id, product_id)
);

CREATE TABLE reviews (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products ON DELETE CASCADE,
    user_id    integer REFERENCES users ON DELETE SET NULL,
    rating     smallint NOT NULL,
    body       text,
    created_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT reviews_rating_range CHECK (rating BETWEEN 1 AND 5)
);

CREATE INDEX ON reviews (product_id, rating DESC NULLS LAST);

CREATE UNLOGGED TABLE sessions (
    token      uuid PRIMARY KEY,
    user_id    integer NOT NULL REFERENCES users ON DELETE CASCADE,
    country    char(2),
    data       bytea,
    expires_at timestamp(3) without time zone NOT NULL
);

-- Range partitioning: two monthly partitions and a default one. The primary key, the index
-- and the foreign key are declared on the parent and cloned to every partition.
CREATE TABLE events (
    id         bigserial,
    user_id    integer REFERENCES users(id),
    kind       varchar(32) NOT NULL,
    payload    jsonb,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX ON events (user_id, created_at);

CREATE TABLE events_2024_01 PARTITION OF events
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00');
CREATE TABLE events_2024_02 PARTITION OF events
    FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00');
CREATE TABLE events_default PARTITION OF events DEFAULT;

CREATE VIEW order_totals AS
    SELECT o.id, o.user_id, sum(i.qty * i.price) AS items_total
    FROM orders o JOIN order_items i ON i.order_id = o.id
    GROUP BY o.id, o.user_id;

CREATE MATERIALIZED VIEW daily_sales AS
    SELECT date_trunc('day', created_at) AS day, count(*) AS orders, sum(total) AS revenue
    FROM orders
    GROUP BY 1;

CREATE UNIQUE INDEX ON daily_sales (day);

-- A second schema.
CREATE SCHEMA audit;

CREATE TABLE audit.log (
    id         bigserial PRIMARY KEY,
    table_name text NOT NULL,
    changed_by integer REFERENCES users(id),
    changed_at timestamptz NOT NULL DEFAULT now(),
    data       jsonb
);

CREATE INDEX log_changed_at_idx ON audit.log USING brin (changed_at);

-- Quoted mixed-case identifiers keep their case.
CREATE TABLE "CustomerNotes" (
    "noteId" serial PRIMARY KEY,
    "userId" integer NOT NULL REFERENCES users(id),
    "Body"   text NOT NULL
);

CREATE INDEX ON "CustomerNotes" ("userId");

-- What a real schema also carries, and what the loader must tolerate: a function, a trigger,
-- comments, grants.
CREATE FUNCTION audit.record_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit.log (table_name, data) VALUES (TG_TABLE_NAME, to_jsonb(NEW));
    RETURN NEW;
END;
$$;

CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION audit.record_change();

COMMENT ON TABLE orders IS 'One row per checkout; see order_items for the lines.';
COMMENT ON COLUMN orders.status IS 'paid, shipped, cancelled or pending';

GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC;
