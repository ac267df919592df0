#!/usr/bin/env python3
"""Writes the CACHE001 fixture logs (fixtures/rules/CACHE001/*/workload.log): an hour of a
shop's traffic as a PostgreSQL 15 stderr log (log_min_duration_statement = 0, prefix
'%m [%p] %q%u@%d/%a '). Seeded, so running it again gives the same files."""

import random
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "fixtures/rules/CACHE001"
START = datetime(2026, 11, 26, 9, 0, 0)


def write(case, calls):
    """`calls`: (seconds since START, session, duration ms, statement), in any order."""
    lines = []
    for at, pid, ms, sql in sorted(calls, key=lambda c: (c[0], c[1])):
        stamp = (START + timedelta(seconds=at)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        lines.append(
            f"{stamp} UTC [{pid}] app@shop/shop-web LOG:  duration: {ms:.3f} ms  statement: {sql}\n"
        )
    (ROOT / case / "workload.log").write_text("".join(lines))


def requests(rng, count, steps):
    """`count` web requests spread over the hour, each running `steps(rng, i)` in its own
    session, one statement every few milliseconds."""
    calls = []
    for i in range(count):
        at = rng.uniform(0, 3600)
        pid = 20000 + i
        for n, (ms, sql) in enumerate(steps(rng, i)):
            calls.append((at + n * 0.005, pid, ms, sql))
    return calls


def positive():
    rng = random.Random(1)

    def page(rng, i):
        product = rng.randrange(1, 41)
        return [
            (rng.uniform(0.4, 0.9), "SELECT id, name FROM categories ORDER BY name;"),
            (rng.uniform(0.8, 1.6), f"SELECT id, name, price FROM products WHERE id = {product};"),
        ]

    calls = requests(rng, 150, page)
    # A price change now and then: products is rarely written.
    for n in range(8):
        at = 200 + n * 420
        calls.append((at, 30000 + n, 2.1, f"UPDATE products SET price = price * 1.05 WHERE id = {n * 5 + 1};"))
    write("positive", calls)


def negative():
    rng = random.Random(2)

    def page(rng, i):
        cart = rng.randrange(1, 11)
        return [
            # Written as often as it is read.
            (rng.uniform(0.4, 0.9), f"SELECT id, items FROM carts WHERE id = {cart};"),
            (rng.uniform(0.6, 1.2), f"UPDATE carts SET items = items + 1 WHERE id = {cart};"),
            # Never asked twice with the same id.
            (rng.uniform(0.4, 0.9), f"SELECT id, kind, payload FROM events WHERE id = {500 + i};"),
            # The answer changes with the clock.
            (rng.uniform(0.5, 1.0), "SELECT id, title FROM promotions WHERE starts_at <= now() AND ends_at > now();"),
        ]

    calls = requests(rng, 120, page)
    # Cold: a read of a never written table, run 30 times in the hour.
    for n in range(30):
        calls.append((n * 110 + 7, 31000 + n, 0.7, "SELECT value FROM settings WHERE key = 'theme';"))
    write("negative", calls)


positive()
negative()
