#!/usr/bin/env python3
"""Build a big PostgreSQL log from a real (small) one, for throughput benchmarks.

    make_big_log.py SRC OUT SIZE_MB [--format stderr|csvlog|jsonlog] [--reps N] [--pid-pool N]

The source log is repeated until OUT holds at least SIZE_MB megabytes (whole
repetitions only, so the result is a little larger). Each repetition is the
same sequence of entries with:

* every timestamp shifted by a whole number of seconds (the source's time span
  plus one second, per repetition), so timestamps stay valid and monotonic and
  keep their millisecond part; this covers the prefix (%m / %t), csvlog/jsonlog
  `log_time` and `session_start`, and timestamps inside messages;
* new process ids: the i-th distinct pid of the source becomes
  10000 + (rep * npids + i) mod 4,000,000 (`--pid-pool N` recycles sooner), in
  the stderr prefix (`[%p]`), csvlog's process_id column, jsonlog's "pid" key
  and `(PID n)` in messages;
* session ids (`%c`, csvlog/jsonlog session_id, `<start epoch hex>.<pid hex>`)
  rebuilt from the shifted session start and the new pid, so they stay unique
  and consistent with the pids;
* integer literals inside statements (`statement: ...`, `execute <name>: ...`,
  `parse`/`bind` messages, `STATEMENT:` / csv `query` / json `statement`) and
  inside `DETAIL:  parameters: $1 = '...'` values shifted by the repetition
  number (0 stays 0, `$1` placeholders, identifiers such as `P_0` and decimals
  such as `12.50` are left alone): values differ, query shapes do not;
* `duration: N ms` values scaled by a factor between 0.5 and 2.0 that depends on
  the value and the repetition (same 3-decimal format).

Everything else is copied byte for byte: the stderr prefix format, tab
continuation lines of multi-line entries, csv quoting and quoted newlines,
JSON key order and escapes. The same repetition count with the same source run
in another format (shop.log / shop.csv / shop.json) gives the same events, so
`--reps N` lets csvlog/jsonlog copies hold exactly the events of a stderr one.

The source is compiled once into a str.format template; each repetition only
fills in a palette of values, so output is streamed (one repetition in memory)
at well over 100 MB/s.

A summary line goes to stderr and `OUT.meta.json` records the repetitions,
bytes and entries written.
"""

import argparse
import calendar
import json
import os
import re
import sys
import time
from operator import itemgetter

PID_BASE = 10000
PID_SPACE = 4_000_000

# A timestamp anywhere: `2026-11-26 00:41:28` with optional fraction.
TS_RE = re.compile(r"(?<!\d)(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)(?!\d)")
# A session id: 8 hex digits of epoch seconds, dot, hex pid (checked below).
SID_RE = re.compile(r"(?<![0-9A-Za-z.])([0-9a-f]{8})\.([0-9a-f]{1,8})(?![0-9A-Za-z.])")
# `(PID 14366)` in messages about background workers.
MSG_PID_RE = re.compile(r"\(PID (\d+)\)")
DURATION_RE = re.compile(r"duration: (\d+)\.(\d{3}) ms")
# Where a statement starts in a LOG message.
STMT_START_RE = re.compile(
    r"(?:duration: \d+(?:\.\d+)? ms  )?(?:statement|(?:execute|parse|bind) [^:]*): ")
# An integer literal: not part of an identifier, a $n placeholder or a decimal.
NUM_RE = re.compile(r"(?<![\w$.])\d+(?![\w.])")
# The same in JSON-escaped text, where `\n5` means newline + 5.
NUM_JSON_RE = re.compile(r"(?:(?<=\\n)|(?<=\\t)|(?<![\w$.]))\d+(?![\w.])")
SEVERITY_RE = re.compile(
    r"(LOG|ERROR|STATEMENT|DETAIL|HINT|CONTEXT|FATAL|WARNING|NOTICE|INFO|PANIC|QUERY|"
    r"LOCATION|DEBUG[1-5]):  ")

# Duration scale factors, cycled per duration slot and repetition.
FACTORS = [0.5 + 1.5 * ((i * 37) % 64) / 63 for i in range(64)]


class Template:
    """Literal text interleaved with slots; rendered once per repetition."""

    def __init__(self):
        self.parts = []          # literal text with braces escaped, "{}" for slots
        self.slots = []          # (kind, key) per slot, in text order
        self.pids = {}           # source pid -> index
        self.seconds = {}        # source epoch second -> index
        self.sessions = {}       # (epoch, pid) -> index
        self.numbers = {}        # source integer -> index
        self.durations = []      # source duration in microseconds, per slot
        self.first_epoch = None
        self.last_epoch = None
        self.entries = 0

    def literal(self, text):
        if text:
            self.parts.append(text.replace("{", "{{").replace("}", "}}"))

    def pid_index(self, pid):
        return self.pids.setdefault(pid, len(self.pids))

    def add(self, text, spans):
        """Adds `text` with slots at `spans`: (start, end, priority, kind, value)."""
        accepted = []
        for span in sorted(spans, key=lambda s: (s[2], s[0])):
            if all(span[1] <= a[0] or span[0] >= a[1] for a in accepted):
                accepted.append(span)
        accepted.sort()
        position = 0
        for start, end, _priority, kind, value in accepted:
            self.literal(text[position:start])
            if kind == "ts":
                key = self.seconds.setdefault(value, len(self.seconds))
            elif kind == "pid":
                key = self.pid_index(value)
            elif kind == "sid":
                epoch, pid = value
                self.pid_index(pid)
                key = self.sessions.setdefault(value, len(self.sessions))
            elif kind == "num":
                key = self.numbers.setdefault(value, len(self.numbers))
            elif kind == "dur":
                key = len(self.durations)
                self.durations.append(value)
            else:
                raise AssertionError(kind)
            self.slots.append((kind, key))
            self.parts.append("{}")
            position = end
        self.literal(text[position:])


def epoch_of(text):
    return calendar.timegm(time.strptime(text.replace("T", " "), "%Y-%m-%d %H:%M:%S"))


def common_spans(text, base, end=None):
    """Timestamps, session ids and `(PID n)` anywhere in text[base:end]."""
    end = len(text) if end is None else end
    spans = []
    for m in TS_RE.finditer(text, base, end):
        spans.append((m.start(1), m.end(1), 0, "ts", epoch_of(m.group(1))))
    for m in SID_RE.finditer(text, base, end):
        spans.append((m.start(), m.end(), 1, "sid", (int(m.group(1), 16), int(m.group(2), 16))))
    for m in MSG_PID_RE.finditer(text, base, end):
        spans.append((m.start(1), m.end(1), 2, "pid", int(m.group(1))))
    return spans


def statement_spans(text, start, end, json_text=False):
    """Integer literals in text[start:end], a piece of SQL or a parameter list."""
    regex = NUM_JSON_RE if json_text else NUM_RE
    return [(m.start(), m.end(), 5, "num", int(m.group()))
            for m in regex.finditer(text, start, end)]


def message_spans(text, start, end, json_text=False):
    """Durations and statement literals in a LOG message text[start:end]."""
    spans = []
    m = DURATION_RE.match(text, start, end)
    if m:
        us = int(m.group(1)) * 1000 + int(m.group(2))
        spans.append((m.start(1), m.end(2), 3, "dur", us))
    m = STMT_START_RE.match(text, start, end)
    if m:
        spans += statement_spans(text, m.end(), end, json_text)
    return spans


def check_sessions(template, spans):
    """Keeps only `hex.hex` matches whose epoch is near the log's own timestamps."""
    out = []
    for span in spans:
        if span[3] == "sid":
            epoch = span[4][0]
            if template.first_epoch is None or abs(epoch - template.first_epoch) > 3 * 86400:
                continue
        out.append(span)
    return out


def time_range(text, t):
    """First pass: the log's time range (to recognise session ids, and the repetition period)."""
    for m in TS_RE.finditer(text):
        e = epoch_of(m.group(1))
        t.first_epoch = e if t.first_epoch is None else min(t.first_epoch, e)
        t.last_epoch = e if t.last_epoch is None else max(t.last_epoch, e)


def compile_stderr(text, t):
    # Attachments (DETAIL/STATEMENT/...) continue the entry before them, as in PostgreSQL.
    attachments = {"DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY", "LOCATION"}
    in_statement = False
    lines = text.split("\n")
    trailing_newline = text.endswith("\n")
    if trailing_newline:
        lines.pop()
    time_range(text, t)
    for line in lines:
        line_nl = line + "\n"
        if line.startswith("\t"):
            spans = check_sessions(t, common_spans(line_nl, 0))
            if in_statement:
                spans += statement_spans(line_nl, 1, len(line))
            t.add(line_nl, spans)
            continue
        in_statement = False
        sev = SEVERITY_RE.search(line)
        if not sev:
            t.add(line_nl, check_sessions(t, common_spans(line_nl, 0)))
            continue
        severity = sev.group(1)
        if severity not in attachments:
            t.entries += 1
        prefix_end, msg_start, msg_end = sev.start(), sev.end(), len(line)
        spans = check_sessions(t, common_spans(line_nl, 0))
        pid = re.search(r"\[(\d+)\]", line[:prefix_end])
        if pid:
            spans.append((pid.start(1), pid.end(1), 2, "pid", int(pid.group(1))))
        if severity == "LOG":
            spans += message_spans(line_nl, msg_start, msg_end)
            in_statement = bool(STMT_START_RE.match(line_nl, msg_start, msg_end))
        elif severity == "STATEMENT" or severity == "QUERY":
            spans += statement_spans(line_nl, msg_start, msg_end)
            in_statement = True
        elif severity == "DETAIL" and line.startswith("parameters: ", msg_start):
            spans += statement_spans(line_nl, msg_start + len("parameters: "), msg_end)
            in_statement = True
        t.add(line_nl, spans)
    if not trailing_newline and t.parts and t.parts[-1].endswith("\n"):
        t.parts[-1] = t.parts[-1][:-1]


CSV_FIELD_RE = re.compile(r'("(?:[^"]|"")*"|[^,\n"]*)(,|\r?\n|$)')


def compile_csvlog(text, t):
    time_range(text, t)
    position = 0
    n = len(text)
    while position < n:
        fields = []  # (start, end) of field content (quotes included)
        while True:
            m = CSV_FIELD_RE.match(text, position)
            if m is None or (m.end() == position and position < n):
                raise SystemExit(f"csv: cannot parse at offset {position}")
            fields.append((m.start(1), m.end(1)))
            position = m.end()
            if m.group(2) != ",":
                break
        record_start, record_end = fields[0][0], position
        t.entries += 1
        spans = check_sessions(t, common_spans(text, record_start, record_end))

        def field(i):
            return fields[i] if i < len(fields) else (record_end, record_end)

        def inner(i):
            s, e = field(i)
            if e - s >= 2 and text[s] == '"':
                return s + 1, e - 1
            return s, e

        s, e = field(3)  # process_id
        if e > s:
            spans.append((s, e, 2, "pid", int(text[s:e])))
        severity = text[slice(*inner(11))]
        s, e = inner(13)  # message
        if severity == "LOG":
            spans += message_spans(text, s, e)
        s, e = inner(14)  # detail
        if text.startswith("parameters: ", s):
            spans += statement_spans(text, s + len("parameters: "), e)
        s, e = inner(19)  # query (the STATEMENT of an error)
        spans += statement_spans(text, s, e)
        spans = [sp for sp in spans if record_start <= sp[0] and sp[1] <= record_end]
        # Add the record as a standalone chunk (offsets relative to it).
        chunk = text[record_start:record_end]
        t.add(chunk, [(a - record_start, b - record_start, p, k, v) for a, b, p, k, v in spans])


def json_string_value(line, key):
    """(start, end) of the raw (escaped) string value of "key" in a jsonlog line."""
    m = re.search(r'"%s":"((?:[^"\\]|\\.)*)"' % re.escape(key), line)
    return (m.start(1), m.end(1)) if m else None


def compile_jsonlog(text, t):
    time_range(text, t)
    for line in text.splitlines(keepends=True):
        if not line.strip():
            t.add(line, [])
            continue
        t.entries += 1
        spans = check_sessions(t, common_spans(line, 0))
        m = re.search(r'"pid":(\d+)', line)
        if m:
            spans.append((m.start(1), m.end(1), 2, "pid", int(m.group(1))))
        sev = json_string_value(line, "error_severity")
        msg = json_string_value(line, "message")
        if sev and msg and line[sev[0]:sev[1]] == "LOG":
            spans += message_spans(line, msg[0], msg[1], json_text=True)
        detail = json_string_value(line, "detail")
        if detail and line.startswith("parameters: ", detail[0]):
            spans += statement_spans(line, detail[0] + len("parameters: "), detail[1], json_text=True)
        stmt = json_string_value(line, "statement")
        if stmt:
            spans += statement_spans(line, stmt[0], stmt[1], json_text=True)
        t.add(line, spans)


def detect_format(path, head):
    name = path.lower()
    if name.endswith(".json") or head.lstrip().startswith("{"):
        return "jsonlog"
    if name.endswith(".csv"):
        return "csvlog"
    return "stderr"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src")
    parser.add_argument("out")
    parser.add_argument("size_mb", type=float, help="target size in MB (10^6 bytes)")
    parser.add_argument("--format", choices=["stderr", "csvlog", "jsonlog"])
    parser.add_argument("--reps", type=int,
                        help="write exactly N repetitions (SIZE_MB is then ignored)")
    parser.add_argument("--pid-pool", type=int, default=PID_SPACE, metavar="N",
                        help="recycle pids within N values (default %(default)s); N = the "
                        "source's distinct pids makes every repetition reuse the same pids")
    args = parser.parse_args()

    started = time.monotonic()
    with open(args.src, encoding="utf-8", newline="") as f:
        text = f.read()
    fmt = args.format or detect_format(args.src, text[:1000])
    t = Template()
    {"stderr": compile_stderr, "csvlog": compile_csvlog, "jsonlog": compile_jsonlog}[fmt](text, t)
    if t.first_epoch is None:
        raise SystemExit(f"{args.src}: no timestamps found")
    fmt_string = "".join(t.parts)
    n_slots = len(t.slots)

    # Palette layout: [seconds | pids | sessions | numbers | durations].
    sec_keys = sorted(t.seconds, key=t.seconds.get)
    pid_keys = sorted(t.pids, key=t.pids.get)
    sid_keys = sorted(t.sessions, key=t.sessions.get)
    num_keys = sorted(t.numbers, key=t.numbers.get)
    offsets = {}
    base = 0
    for kind, count in (("ts", len(sec_keys)), ("pid", len(pid_keys)), ("sid", len(sid_keys)),
                        ("num", len(num_keys)), ("dur", len(t.durations))):
        offsets[kind] = base
        base += count
    indices = [offsets[kind] + key for kind, key in t.slots]
    pick = itemgetter(*indices) if n_slots > 1 else (lambda p: tuple(p[i] for i in indices))
    npids = len(pid_keys)
    pid_pool = max(args.pid_pool, npids)
    pid_index = t.pids
    period = t.last_epoch - t.first_epoch + 1  # seconds between repetitions
    durations = t.durations
    ts_cache = {}

    def fmt_ts(epoch):
        s = ts_cache.get(epoch)
        if s is None:
            if len(ts_cache) > 100_000:
                ts_cache.clear()
            s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))
            ts_cache[epoch] = s
        return s

    def render(rep):
        shift = rep * period
        pids = [PID_BASE + (rep * npids + i) % pid_pool for i in range(npids)]
        palette = [fmt_ts(e + shift) for e in sec_keys]
        palette += [str(p) for p in pids]
        palette += ["%x.%x" % (e + shift, pids[pid_index[p]]) for e, p in sid_keys]
        palette += [str(v + rep) if v else "0" for v in num_keys]
        r = rep * 29
        # The factor depends on the value, not on the position, so that csvlog/jsonlog
        # copies (where same-millisecond entries of two backends may be ordered
        # differently) get the same durations as the stderr log.
        palette += ["%d.%03d" % divmod(int(us * FACTORS[(us * 40503 + r) % 64]), 1000)
                    for us in durations]
        return fmt_string.format(*pick(palette)) if n_slots else fmt_string

    target = int(args.size_mb * 1_000_000)
    tmp = args.out + ".tmp"
    written = 0
    reps = 0
    with open(tmp, "wb") as out:
        while (reps < args.reps) if args.reps is not None else (written < target or reps == 0):
            chunk = render(reps)
            if fmt != "jsonlog" and not chunk.endswith("\n"):
                chunk += "\n"
            data = chunk.encode("utf-8")
            out.write(data)
            written += len(data)
            reps += 1
    os.replace(tmp, args.out)
    elapsed = time.monotonic() - started
    meta = {
        "source": os.path.abspath(args.src),
        "format": fmt,
        "repetitions": reps,
        "bytes": written,
        "entries": t.entries * reps,
        "entries_per_repetition": t.entries,
        "seconds_per_repetition": period,
        "distinct_pids_per_repetition": npids,
        "seconds": round(elapsed, 2),
    }
    with open(args.out + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{args.out}: {fmt}, {reps} repetitions of {args.src}, {written / 1e6:.1f} MB, "
          f"{t.entries * reps} entries, {elapsed:.1f} s "
          f"({written / 1e6 / max(elapsed, 1e-9):.0f} MB/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
