#!/usr/bin/env bash
# The install step of the GitHub Action (action.yml): finds the planwise the check step runs
# and writes its path to the step's `path` output.
#
#   INPUT_PLANWISE  a planwise already installed (a path or a command name): used as it is
#   otherwise       the release binary of the action's own version (static, Linux x86_64),
#                   checked against its .sha256; where there is none (another system, a
#                   branch or commit with no release), built from the action's own source
#                   with `cargo install --locked`.
#
# The version and the repository come from the action's Cargo.toml, so the binary is the
# one the action's ref was released with.
set -euo pipefail

action="${GITHUB_ACTION_PATH:?run by action.yml, which sets GITHUB_ACTION_PATH}"
prefix="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/planwise"

found() {
  echo "planwise action: using $1 ($("$1" --version))"
  echo "path=$1" >>"${GITHUB_OUTPUT:-/dev/null}"
  exit 0
}

if [ -n "${INPUT_PLANWISE:-}" ]; then
  binary="$(command -v -- "$INPUT_PLANWISE")" \
    || { echo "planwise action: no planwise at '$INPUT_PLANWISE'" >&2; exit 2; }
  found "$binary"
fi

# `key = "value"` of Cargo.toml's [package] table (its first lines).
manifest_field() {
  sed -n "s/^$1 = \"\\(.*\\)\"\$/\\1/p" "$action/Cargo.toml" | head -n 1
}
version="$(manifest_field version)"
repository="$(manifest_field repository)"

if [ "${RUNNER_OS:-}" = Linux ] && [ "${RUNNER_ARCH:-}" = X64 ] && [ -n "$repository" ]; then
  archive="planwise-v$version-x86_64-unknown-linux-musl.tar.gz"
  url="$repository/releases/download/v$version/$archive"
  download="$(mktemp -d)"
  if curl -fsSL --retry 3 -o "$download/$archive" "$url" \
    && curl -fsSL --retry 3 -o "$download/$archive.sha256" "$url.sha256"; then
    (cd "$download" && sha256sum --check --strict "$archive.sha256" >/dev/null) \
      || { echo "planwise action: $archive does not match its .sha256" >&2; exit 2; }
    mkdir -p "$prefix/bin"
    tar -xzf "$download/$archive" -C "$prefix/bin" planwise
    found "$prefix/bin/planwise"
  fi
  echo "planwise action: no release binary at $url; building planwise $version instead"
fi

cargo install --locked --quiet --path "$action" --root "$prefix" --bin planwise
found "$prefix/bin/planwise"
