#!/usr/bin/env python3
"""Writes a .sql workload of N distinct statement shapes (ORM-like: joins, filters, sorts,
CTEs, upserts) over a few tables, for timing `planwise analyze` on many fingerprints."""
import random
import sys

def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    out = sys.argv[2] if len(sys.argv) > 2 else "/dev/stdout"
    rng = random.Random(42)
    tables = ["users", "orders", "order_items", "products", "events", "accounts", "invoices"]
    columns = ["id", "user_id", "status", "created_at", "total", "email", "name", "sku", "qty", "price"]
    with open(out, "w") as f:
        for i in range(count):
            t1, t2 = rng.sample(tables, 2)
            c = rng.sample(columns, 4)
            shape = i % 5
            # A distinct column alias keeps every statement its own fingerprint.
            if shape == 0:
                sql = f"SELECT a.{c[0]} AS x{i}, b.{c[1]} FROM {t1} a JOIN {t2} b ON b.{c[2]} = a.id WHERE a.{c[3]} = {rng.randint(1, 999)} ORDER BY a.{c[0]} DESC LIMIT 20"
            elif shape == 1:
                sql = f"WITH r AS (SELECT * FROM {t1} WHERE {c[0]} > now() - interval '1 day') SELECT {c[1]} AS y{i}, count(*) FROM r GROUP BY {c[1]}"
            elif shape == 2:
                sql = f"INSERT INTO {t1} ({c[0]}, {c[1]}) VALUES ({i}, 'v') ON CONFLICT ({c[0]}) DO UPDATE SET {c[1]} = EXCLUDED.{c[1]} RETURNING id AS z{i}"
            elif shape == 3:
                sql = f"UPDATE {t1} SET {c[0]} = {c[0]} + 1, n{i} = 0 WHERE {c[1]} IN (1, 2, 3) AND lower({c[2]}) LIKE 'ab%'"
            else:
                sql = f"SELECT * FROM {t1} u WHERE u.{c[0]} NOT IN (SELECT {c[1]} FROM {t2} WHERE {c[2]} = u.{c[3]}) AND u.k{i} IS NULL OFFSET 100"
            f.write(sql + ";\n")

main()
