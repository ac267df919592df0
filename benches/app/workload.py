#!/usr/bin/env python3
"""Runs the application's workload on DB in one session with
log_min_duration_statement = 0, then cuts that session's lines out of the server's log: a
real PostgreSQL 15 log of the workload (durations measured by the server), written to OUT.

usage: workload.py DB SERVER_LOG OUT [--calls N]
The statements are what an ORM sends for a project tracker's pages and jobs: its values as
parameters of the extended protocol (psycopg), drawn from a seeded generator (the same
workload every run); two report statements are written by hand, without parameters. A page may be several
statements in a row (the N+1 loop); pages are shuffled, their statements kept together.
It writes: 40 `events` rows a run (the activity log), so the table grows run by run.
"""
import argparse, random, re, time

import psycopg  # pip install psycopg (it loads the system's libpq)

PAGES = [
    # A project's open tasks, newest first (the board).
    (30, lambda r: ("SELECT id, title, status, priority, assignee_id FROM tasks WHERE project_id = %s "
                    "AND status = %s ORDER BY created_at DESC LIMIT 50", (r.randint(1, 20000), "open"))),
    # A user's unfinished tasks (the "my work" badge).
    (30, lambda r: ("SELECT count(*) FROM tasks WHERE assignee_id = %s AND status <> %s",
                    (r.randint(1, 50000), "done"))),
    # Sign-in: the e-mail as typed (case-insensitive lookup).
    (20, lambda r: ("SELECT id, tenant_id, name FROM users WHERE lower(email) = %s",
                    ("user%d@example.com" % r.randint(1, 50000),))),
    # Single sign-on: the identity provider's id, kept in a JSON attribute.
    (15, lambda r: ("SELECT id, tenant_id FROM users WHERE prefs->>'sso_id' = %s",
                    ("sso-%d" % r.randint(1, 50000),))),
    # A task's comments.
    (25, lambda r: ("SELECT id, author_id, body, created_at FROM comments WHERE task_id = %s "
                    "ORDER BY created_at", (r.randint(1, 2000000),))),
    # A user's comment count (served by comments_author_id_idx, the one secondary index).
    (20, lambda r: ("SELECT count(*) FROM comments WHERE author_id = %s", (r.randint(1, 50000),))),
    # The tenant's activity feed.
    (15, lambda r: ("SELECT id, kind, created_at FROM events WHERE tenant_id = %s "
                    "AND created_at >= now() - interval '1 day' ORDER BY created_at DESC LIMIT 100",
                    (r.randint(1, 1000),))),
    # The activity log, written on every page (append-only time series).
    (40, lambda r: ("INSERT INTO events (tenant_id, kind, payload, created_at) VALUES (%s, %s, %s, now())",
                    (r.randint(1, 1000), "view", "%032x" % r.getrandbits(128)))),
    # Reporting: last week's events by kind (written by hand: no parameters).
    (5, lambda r: ("SELECT kind, count(*) FROM events WHERE created_at >= now() - interval '7 days' "
                   "GROUP BY kind", None)),
    # The job queue's poll: the queue is a parameter, the same in every call.
    (40, lambda r: ("SELECT id, payload FROM jobs WHERE queue = %s AND locked_at IS NULL "
                    "AND run_at <= now() ORDER BY priority, run_at LIMIT 1", ("default",))),
    # Projects of a tenant with their task counts (the dashboard).
    (10, lambda r: ("SELECT p.id, p.name, count(t.id) FROM projects p LEFT JOIN tasks t ON t.project_id = p.id "
                    "WHERE p.tenant_id = %s AND NOT p.archived GROUP BY p.id, p.name", (r.randint(1, 1000),))),
    # A task by id (already fast: the primary key).
    (30, lambda r: ("SELECT * FROM tasks WHERE id = %s", (r.randint(1, 2000000),))),
    # Users of a tenant with no task in a project (a NOT IN the ORM wrote).
    (5, lambda r: ("SELECT u.id FROM users u WHERE u.tenant_id = %s AND u.id NOT IN "
                   "(SELECT t.assignee_id FROM tasks t WHERE t.project_id = %s)",
                   (r.randint(1, 1000), r.randint(1, 20000)))),
    # The plan's limits (a table of three rows).
    (20, lambda r: ("SELECT seats, price_cents FROM plans WHERE code = %s",
                    (r.choice(["free", "team", "business"]),))),
    # Admin statistics: active users (nine in ten are).
    (5, lambda r: ("SELECT count(*) FROM users WHERE active", None)),
    # A project's members (the primary key serves it) and a user's projects (nothing does).
    (10, lambda r: ("SELECT user_id, role FROM project_members WHERE project_id = %s", (r.randint(1, 20000),))),
    (15, lambda r: ("SELECT project_id, role FROM project_members WHERE user_id = %s", (r.randint(1, 50000),))),
    # A tenant's webhooks: the project is kept as text, so the join casts.
    (10, lambda r: ("SELECT w.id, w.url FROM projects p JOIN webhooks w ON w.project_ref = p.id::text "
                    "WHERE p.tenant_id = %s", (r.randint(1, 1000),))),
    # The board with its assignees, as a lazy-loading ORM renders it: the list, then one
    # query per row (an N+1 loop; one page is several statements in a row).
    (6, lambda r: [("SELECT id, title, assignee_id FROM tasks WHERE project_id = %s ORDER BY id LIMIT 8",
                    (r.randint(1, 20000),))]
                  + [("SELECT id, name, email FROM users WHERE id = %s", (r.randint(1, 50000),))
                     for _ in range(8)]),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("server_log")
    parser.add_argument("out")
    parser.add_argument("--calls", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(42)
    pages = []
    for weight, make in PAGES:
        pages += [make(rng) for _ in range(weight * args.calls)]
    rng.shuffle(pages)
    statements = [s for page in pages for s in (page if isinstance(page, list) else [page])]
    start = open(args.server_log, "rb").seek(0, 2)
    # One connection, as an application's pool hands out: values go as parameters of the
    # extended protocol (the log's `execute <unnamed>:` and `parameters:` lines).
    with psycopg.connect(dbname=args.db, autocommit=True) as connection:
        connection.execute("SET log_min_duration_statement = 0")
        pid = connection.info.backend_pid
        for sql, params in statements:
            connection.execute(sql, params)
    time.sleep(0.5)  # the server's stderr is flushed line by line; let the last one land
    with open(args.server_log, "rb") as log:
        log.seek(start)
        lines = log.read().decode("utf-8", "replace").splitlines()
    mine, keep = [], False
    for line in lines:
        if re.match(r"^\d{4}-\d\d-\d\d ", line):
            keep = " [%s] " % pid in line[:60]
        if keep and "log_min_duration_statement" not in line:
            mine.append(line)
    open(args.out, "w").write("\n".join(mine) + "\n")
    print("%d statements, %d log lines for pid %s" % (len(statements), len(mine), pid))


if __name__ == "__main__":
    main()
