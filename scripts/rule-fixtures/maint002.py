#!/usr/bin/env python3
"""Writes the MAINT002 fixture logs (fixtures/rules/MAINT002/*/workload.log): two hours of
a shop's updates and the autovacuum runs they caused, as a PostgreSQL 15 stderr log
(log_min_duration_statement = 0, log_autovacuum_min_duration = 0, prefix
'%m [%p] %q%u@%d/%a '), each `automatic vacuum` entry in PostgreSQL 15's layout.
Deterministic: running it again gives the same files.

positive: `orders` (10 million rows, the defaults) vacuumed three times, each run removing
about 2.1 million dead rows; `job_events` (500,000 rows) vacuumed 16 times an hour for
about 1,200 dead rows each. negative: `order_items` removing 2,044 dead rows of 4,089 (the
events run's own entry: a small table), `orders` vacuumed every 20 minutes for 2 % of its
rows, and `audit_log` vacuumed 14 times an hour removing no rows (runs started by inserts)."""

from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "fixtures/rules/MAINT002"
START = datetime(2026, 11, 26, 9, 0, 0)


def stamp(seconds):
    return (START + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def vacuum(at, pid, table, removed, remain, pages, elapsed):
    return (at, f"""{stamp(at)} [{pid}] LOG:  automatic vacuum of table "shop.public.{table}": index scans: 1
\tpages: 0 removed, {pages} remain, {pages // 5} scanned (20.00% of total)
\ttuples: {removed} removed, {remain} remain, 0 are dead but not yet removable
\tremovable cutoff: 90211, which was 12 XIDs old when operation ended
\tindex scan needed: {pages // 6} pages from table (16.67% of total) had {removed} dead item identifiers removed
\tindex "{table}_pkey": pages: {remain // 300} in total, 0 newly deleted, 0 currently deleted, 0 reusable
\tavg read rate: 38.212 MB/s, avg write rate: 21.907 MB/s
\tbuffer usage: {pages // 3} hits, {pages // 9} misses, {pages // 7} dirtied
\tWAL usage: {removed // 2} records, {pages // 40} full page images, {removed * 61} bytes
\tsystem usage: CPU: user: 0.61 s, system: 0.30 s, elapsed: {elapsed:.2f} s
""")


def statement(at, pid, ms, sql):
    return (at, f"{stamp(at)} [{pid}] app@shop/shop-web LOG:  duration: {ms:.3f} ms  statement: {sql}\n")


def updates(every, sql):
    """The application's writes over the two hours, one logged every `every` seconds."""
    return [statement(s, 30000 + s % 97, 0.412, sql.format(id=s * 7919 % 9_999_991 + 1))
            for s in range(0, 7200, every)]


def write(case, entries):
    text = "".join(entry for _, entry in sorted(entries, key=lambda e: e[0]))
    (ROOT / case / "workload.log").write_text(text)


def positive():
    entries = updates(30, "UPDATE orders SET status = 'shipped' WHERE id = {id};")
    entries += updates(45, "UPDATE job_events SET state = 'done' WHERE id = {id};")
    for n, at in enumerate([1500, 4100, 6900]):
        entries.append(vacuum(at, 41000 + n, "orders", 2_104_332 + 3_917 * n,
                              10_021_554 + 61_000 * n, 180_000, 95.3 + n))
    for n in range(24):  # every 225 s from 0:10 to 1:36: 16 an hour
        entries.append(vacuum(600 + 225 * n, 42000 + n, "job_events", 1_180 + 13 * n,
                              500_000 + 40 * n, 4_200, 1.8))
    write("positive", entries)


def negative():
    entries = updates(30, "UPDATE orders SET status = 'shipped' WHERE id = {id};")
    entries.append(vacuum(300, 5009, "order_items", 2_044, 4_089, 40, 0.0))
    for n in range(6):  # every 20 minutes, 2 % of the table each
        entries.append(vacuum(600 + 1200 * n, 43000 + n, "orders", 200_150 + 211 * n,
                              10_000_000 + 1_000 * n, 180_000, 31.0))
    for n in range(28):  # every 257 s: 14 an hour, nothing to remove
        entries.append(vacuum(120 + 257 * n, 44000 + n, "audit_log", 0,
                              2_000_000 + 1_200 * n, 20_000, 2.2))
    write("negative", entries)


positive()
negative()
