#!/usr/bin/env python3
"""Builds fuzz/corpus/<target>/ seed files from fixtures/logs and scripts/workload.

Logs are cut at line boundaries into pieces of at most ~3 KB. The stderr targets get the
matching `log_line_prefix` as their first line (or an empty first line: auto-detect).
Idempotent: seed files are named by content hash, so re-running adds nothing new.
"""
import hashlib
import json
import pathlib
import re

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
LOGS = ROOT / "fixtures" / "logs"
WORKLOAD = ROOT / "scripts" / "workload"
SCHEMAS = [ROOT / "fixtures" / "schema" / "shop.dump.sql"] + sorted(
    (ROOT / "fixtures" / "check" / "migrations").glob("*.sql")
)
CHUNK = 3000

STDERR_LOGS = {
    "shop.log": "%m [%p] %q%u@%d/%a ",
    "pgbadger_prefix.log": "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
    "session_id.log": "%m %c %x %e ",
}


def chunks(data: bytes, size: int = CHUNK):
    out, current = [], b""
    for line in data.splitlines(keepends=True):
        if current and len(current) + len(line) > size:
            out.append(current)
            current = b""
        current += line
    if current:
        out.append(current)
    return out


def write(target: str, data: bytes):
    directory = FUZZ / "corpus" / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def sql_snippets():
    snippets = set()
    for path in sorted(WORKLOAD.glob("*.sql")):
        text = path.read_bytes()
        snippets.add(text)
    for name in STDERR_LOGS:
        for line in (LOGS / name).read_text(errors="replace").splitlines():
            m = re.search(r"(?:statement|execute [^:]*): (.*)$", line)
            if m:
                snippets.add(m.group(1).encode())
    for entry in json.loads((LOGS / "pgss.json").read_text()):
        snippets.add(entry["query"].encode())
    snippets.update(
        s.encode()
        for s in [
            "SELECT * FROM t WHERE a = 'x' AND b > 10.5 AND c = $7 AND d=-3",
            "select 1 from t where id in (1, 2, 3) and x = any(array[4,5])",
            "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z') RETURNING id",
            "select * from t where id in ('a'::text, 'b'::text)",
            "SELECT a FROM t -- trailing\n WHERE /* why /* nested */ */ a = 1;",
            "select E'a\\'b', B'101', X'ff', U&'d\\0061t', U&\"x\", $$a;b$$, $fn$ select 1; $fn$",
            "select a>=$12 and b=-1.5e3 and c->>'k' @> x::int, 0x1F, 1_000, .5, 1e+3",
            "create function f() returns int begin atomic select case when true then 1 end; select 2; end;select 4;",
            "\\connect shop\nCOPY t (a) FROM stdin;\n1\n2;3\n\\.\nselect 1;\n",
            "update t set a = a - 1, b = -2 where c = any(array[1,2]) returning *",
        ]
    )
    return sorted(snippets)


def repeated(count: int, prefix: str, unit: str, suffix: str) -> bytes:
    """An input of the deep-SQL targets (see fuzz_targets/repeat.rs)."""
    return count.to_bytes(2, "little") + f"{prefix}\0{unit}\0{suffix}".encode()


DEEP_QUERIES = [
    ("SELECT ", "1 + ", "1"),
    ("SELECT * FROM orders WHERE ", "status = 'x' AND ", "true"),
    ("SELECT * FROM orders WHERE ", "id = $1 OR ", "false"),
    ("SELECT 1 ", "UNION ALL SELECT id FROM orders ", ""),
    ("SELECT ", "(", "1"),
    ("SELECT * FROM orders WHERE id IN ", "(SELECT id FROM orders WHERE id IN ", "(1)"),
    ("SELECT ", "CASE WHEN true THEN ", "1"),
    ("SELECT attrs", " -> 'k'", " FROM orders"),
]
DEEP_DDL = [
    ("CREATE TABLE deep (a int CHECK (", "a <> 1 AND ", "true));"),
    ("CREATE TABLE deep (a int DEFAULT ", "1 + ", "1);"),
    ("CREATE INDEX deep_idx ON orders (id) WHERE ", "id = 1 OR ", "false;"),
    ("CREATE VIEW deep AS SELECT 1 ", "UNION ALL SELECT 1 ", ";"),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (", "(", "total > 0"),
]


def main():
    snippets = sql_snippets()
    for snippet in snippets:
        for target in ("fingerprint", "fingerprint_idempotent", "lexer", "split_statements"):
            write(target, snippet)
        write("query_facts", b"\0\0" + snippet)
    for count in (10, 3000, 9000, 40000):
        for parts in DEEP_QUERIES:
            write("query_facts", repeated(count, *parts))
        for parts in DEEP_DDL:
            write("schema_load", repeated(count, *parts))
    for path in SCHEMAS:
        for piece in chunks(path.read_bytes()):
            write("schema_load", b"\0\0" + piece)

    for name, prefix in STDERR_LOGS.items():
        for piece in chunks((LOGS / name).read_bytes()):
            write("stderr_block", prefix.encode() + b"\n" + piece)
            write("prefix_parse", prefix.encode() + b"\n" + piece[:1000])
            write("prefix_detect", piece)
        # Auto-detection: an empty first line; one per file is enough.
        write("stderr_block", b"\n" + chunks((LOGS / name).read_bytes())[1])
    for piece in chunks((LOGS / "shop.csv").read_bytes()):
        write("csvlog_block", piece)
    for piece in chunks((LOGS / "shop.json").read_bytes()):
        write("jsonlog_block", piece)
    log_readers_seeds()


# log_readers: byte 0 = the format's index in fuzz_targets/log_readers.rs's FORMATS, byte 1 =
# its PREFIXES index (low 3 bits) and block size (next 2 bits: 0 = the default, 1 = 64 B).
LOG_READERS = {
    "shop.log": (1, 1),
    "pgbadger_prefix.log": (1, 2),
    "session_id.log": (1, 3),
    "shop.csv": (2, 0),
    "shop.json": (3, 0),
    "hosted/rds.log": (4, 0),
    "hosted/azure.log": (5, 0),
    "hosted/syslog.log": (6, 0),
    "hosted/rsyslog.log": (6, 0),
    "hosted/logplex.log": (7, 0),
    "hosted/cloudsql.json": (8, 0),
    "hosted/cloudsql-array.json": (8, 0),
    "hosted/cnpg.json": (9, 0),
    "hosted/journal.json": (10, 0),
}


def log_readers_seeds():
    """Each fixture log (the real run, and its renderings in fixtures/logs/hosted) in pieces,
    read by its own format and auto-detected, in whole blocks and in 64-byte ones."""
    for name, (form, prefix) in LOG_READERS.items():
        data = (LOGS / name).read_bytes()
        pieces = chunks(data)
        for piece in pieces:
            write("log_readers", bytes([form, prefix]) + piece)
        for piece in pieces[:3]:
            write("log_readers", bytes([0, 0]) + piece)
            write("log_readers", bytes([form, prefix | 8]) + piece)


if __name__ == "__main__":
    main()
