# Shared by the fixture scripts that run a throw-away PostgreSQL cluster (make-fixtures.sh,
# make-event-fixtures.sh). Sourced after the script sets PGVER, CLUSTER, PORT, HOST, WORK and
# RUNCONF and defines log(); gives the checks before anything is created and the cluster's
# verbs. Each script keeps its own cleanup trap: what a failed run keeps differs.

# Refuses to go on unless run as root with every tool, and with PORT free of other clusters.
require_throwaway_cluster() {
    local script=$1
    if [[ $(id -u) -ne 0 ]]; then
        echo "$script must run as root (it creates a throw-away PostgreSQL cluster)" >&2
        exit 1
    fi
    for tool in pg_createcluster pg_dropcluster pg_ctlcluster pg_lsclusters psql pgbench python3; do
        command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
    done
    # Refuse to clobber some other cluster that happens to use our port.
    if pg_lsclusters -h | awk -v p="$PORT" -v v="$PGVER" -v c="$CLUSTER" '$3 == p && !($1 == v && $2 == c) {bad=1} END {exit !bad}'; then
        echo "port $PORT is used by another cluster; refusing to continue" >&2
        exit 1
    fi
}

cluster_exists() { pg_lsclusters -h | awk -v v="$PGVER" -v c="$CLUSTER" '$1 == v && $2 == c {f=1} END {exit !f}'; }

pg_start() { pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$CLUSTER" start; }
pg_stop()  { pg_ctlcluster --skip-systemctl-redirect "$PGVER" "$CLUSTER" stop -m fast; }

# configure_run NAME  (remaining settings read from stdin)
# Points log_directory at a fresh $WORK/NAME and writes the per-run settings into $RUNCONF,
# which postgresql.conf includes last.
configure_run() {
    local name=$1 dir="$WORK/$1"
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    {
        echo "# per-run settings (run: $name)"
        echo "log_directory = '$dir'"
        cat
    } >"$RUNCONF"
    chown postgres:postgres "$RUNCONF"
}
