#!/usr/bin/env bash
# The check step of the GitHub Action (action.yml): `planwise check` on the migrations its
# inputs name. Every input arrives in an environment variable and is only ever an argument,
# never script text (GitHub's advice against script injection). Path lists are one path a
# line; each path stays one argument whatever it holds (spaces, quotes, `$(…)`), and the
# paths `git diff` finds are read NUL-separated.
#
#   INPUT_MIGRATIONS  migration files or folders, one a line (required)
#   INPUT_ADDED_SINCE a git ref: check only the .sql files under INPUT_MIGRATIONS added since
#                     it (merge base to HEAD), in migration order
#   INPUT_SCHEMA      --schema paths (a saved catalog, DDL files or folders), one a line
#   INPUT_FORMAT      --format (default github)
#   INPUT_FAIL_ON     --fail-on (default: planwise.toml's, else error)
#   INPUT_OUTPUT      -o FILE for the report (default: the job's log)
#   INPUT_SARIF       also write the findings as SARIF to this file
#   PLANWISE_BIN      the planwise to run (default: planwise on PATH)
#
# Exit status: planwise's (0 clean, 1 a finding reaches fail-on, 2 an error); 2 for a bad input.
set -euo pipefail

planwise="${PLANWISE_BIN:-planwise}"

fail() {
  echo "planwise action: $*" >&2
  exit 2
}

# The non-empty lines of $1, each trimmed of surrounding blanks, NUL-separated.
lines() {
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -z "$line" ] || printf '%s\0' "$line"
  done <<<"$1"
}

# A path planwise would take for something else: `-` is stdin, `-x` an option.
as_path() {
  case "$1" in
    -*) printf './%s' "$1" ;;
    *) printf '%s' "$1" ;;
  esac
}

# The .sql files under the given paths that were added since commit $1 (from its merge base
# with HEAD), NUL-separated in migration order (numbers by value: V2 before V10), without the
# down halves of up/down pairs.
added_since() {
  local commit="$1" added name
  shift
  git merge-base "$commit" HEAD >/dev/null \
    || fail "added-since: no common history with HEAD (actions/checkout with fetch-depth: 0)"
  added="$(mktemp)"
  git --literal-pathspecs diff --name-only --relative -z --no-renames --diff-filter=A \
    "$commit...HEAD" -- "$@" >"$added" || fail "added-since: git diff failed"
  sort -z -V "$added" | while IFS= read -r -d '' name; do
    case "$name" in
      *.down.sql | down.sql | */down.sql) ;;
      *.sql) printf '%s\0' "$name" ;;
    esac
  done
  rm -f "$added"
}

mapfile -d '' requested < <(lines "${INPUT_MIGRATIONS:-}")
[ "${#requested[@]}" -gt 0 ] || fail "the migrations input names no file or folder"
mapfile -d '' schema_paths < <(lines "${INPUT_SCHEMA:-}")

if [ -n "${INPUT_ADDED_SINCE:-}" ]; then
  base="$(git rev-parse --verify --quiet --end-of-options "$INPUT_ADDED_SINCE^{commit}")" \
    || fail "added-since: '$INPUT_ADDED_SINCE' is not a commit here (actions/checkout with fetch-depth: 0)"
  # A file, not a pipe: a git failure must stop the run, not read as "nothing added".
  found="$(mktemp)"
  added_since "$base" "${requested[@]}" >"$found"
  mapfile -d '' migrations <"$found"
  rm -f "$found"
  if [ "${#migrations[@]}" -eq 0 ]; then
    echo "planwise action: no migration added since $INPUT_ADDED_SINCE; nothing to check"
    exit 0
  fi
else
  migrations=("${requested[@]}")
fi

common=()
for path in "${schema_paths[@]}"; do
  common+=(--schema "$(as_path "$path")")
done
[ -n "${INPUT_FAIL_ON:-}" ] && common+=(--fail-on "$INPUT_FAIL_ON")
common+=(--)
for path in "${migrations[@]}"; do
  common+=("$(as_path "$path")")
done

# The migrations are checked against what the inputs name, not against a database that the
# job's DATABASE_URL (a test service, say) would otherwise make planwise read.
unset DATABASE_URL

main=(check --format "${INPUT_FORMAT:-github}")
[ -n "${INPUT_OUTPUT:-}" ] && main+=(-o "$INPUT_OUTPUT")
status=0
"$planwise" "${main[@]}" "${common[@]}" || status=$?

if [ -n "${INPUT_SARIF:-}" ] && [ "$status" -ne 2 ]; then
  sarif_status=0
  "$planwise" check --format sarif -o "$INPUT_SARIF" "${common[@]}" || sarif_status=$?
  [ "$sarif_status" -ne 2 ] || status=2
fi
exit "$status"
